"""The text space shared by every env: any Unicode string up to a length bound.

Gymnasium's ``Text`` space only admits characters of a fixed charset, which cannot describe what an
LLM writes. :class:`UnicodeText` keeps ``Text``'s interface (so vector envs batch it as a tuple of
strings) but accepts every string within its length bounds. Sampling draws from printable ASCII and
short lengths, which is what env checkers and fuzzers need.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.spaces import Text
from gymnasium.vector.utils import shared_memory as _shm

_SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " "
_SAMPLE_MAX_LENGTH = 64


class UnicodeText(Text):
    """A string of any Unicode characters with ``min_length <= len(s) <= max_length``.

    Example:
        >>> space = UnicodeText(max_length=100)
        >>> space.contains("déplace à gauche ←")
        True
        >>> space.contains(b"bytes")
        False
    """

    def __init__(self, max_length: int, *, min_length: int = 0, seed: Any = None):
        super().__init__(max_length, min_length=min_length, charset=_SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        if mask is None and probability is None:
            upper = min(self.max_length, max(self.min_length, _SAMPLE_MAX_LENGTH))
            length = int(self.np_random.integers(self.min_length, upper + 1))
            return super().sample(mask=(length, None))
        return super().sample(mask=mask, probability=probability)

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, UnicodeText)
            and self.min_length == other.min_length
            and self.max_length == other.max_length
        )

    __hash__ = Text.__hash__


# Async vector envs pass observations through shared memory. Gymnasium's Text handlers index into the
# charset; these store code points instead, with the string's length in the first slot.
#
# ``AsyncVectorEnv`` reads its shared memory once, when it starts, and relies on the result being a
# live view (numpy arrays are) that later writes show through. A tuple of strings read then stays
# empty for ever, which is what Gymnasium's own ``Text`` handler gives. ``SharedTexts`` is that live
# view for strings: it decodes the current contents on access, and a deep copy (what the vector env
# returns with its default ``copy=True``) is a plain tuple, as a sync vector env returns.
@_shm.create_shared_memory.register(UnicodeText)
def _create(space: UnicodeText, n: int = 1, ctx: Any = None):
    ctx = ctx or _shm.mp
    return ctx.Array(np.dtype(np.int32).char, n * (space.max_length + 1))


@_shm.write_to_shared_memory.register(UnicodeText)
def _write(space: UnicodeText, index: int, value: str, shared_memory: Any) -> None:
    size = space.max_length + 1
    row = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)[index * size : (index + 1) * size]
    codes = np.frombuffer(value.encode("utf-32-le", "surrogatepass"), dtype=np.int32)
    row[0] = len(codes)
    row[1 : 1 + len(codes)] = codes


class SharedTexts(Sequence[str]):
    """The strings in a shared-memory block of ``n`` rows, decoded whenever they are read."""

    def __init__(self, rows: np.ndarray):
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self)[index]
        row = self._rows[index]
        return row[1 : 1 + row[0]].tobytes().decode("utf-32-le", "surrogatepass")

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, (tuple, SharedTexts)) and tuple(self) == tuple(other)

    def __repr__(self) -> str:
        return f"SharedTexts({tuple(self)!r})"

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)

    __hash__ = None  # mutable: its contents change with every step


@_shm.read_from_shared_memory.register(UnicodeText)
def _read(space: UnicodeText, shared_memory: Any, n: int = 1) -> SharedTexts:
    return SharedTexts(
        np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape(n, space.max_length + 1)
    )
