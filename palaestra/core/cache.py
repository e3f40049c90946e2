"""A disk cache for built objects (worlds, search indexes) that survives bad files and racing writers.

A cached file is ``MAGIC``, the BLAKE2b digest of the payload, then the payload (a pickle). A file
that is truncated, corrupted or of another format fails the digest check and is built again; a new
file is written to a temporary name in the same folder and renamed into place, so readers never see
half a file and concurrent writers each leave a whole one (the last rename wins).

The folder is ``$PALAESTRA_CACHE_DIR``, else ``$XDG_CACHE_HOME/palaestra``, else ``~/.cache/palaestra``.
It holds pickles, so it must be a folder only you write to (as a home cache is).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
MAGIC = b"PALCACH1"
_DIGEST = 32


def cache_dir() -> Path:
    explicit = os.environ.get("PALAESTRA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "palaestra"


def cached(name: str, build: Callable[[], T]) -> T:
    """The object cached as ``name`` (a file name made of the inputs' key), else ``build()``, saved.

    A cache that cannot be written (a read-only home) only costs the rebuild next time.
    """
    path = cache_dir() / name
    found = _read(path)
    if found is not None:
        return found
    value = build()
    _write(path, value)
    return value


def _read(path: Path):
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, digest, payload = (
        data[: len(MAGIC)],
        data[len(MAGIC) : len(MAGIC) + _DIGEST],
        data[len(MAGIC) + _DIGEST :],
    )
    if head != MAGIC or hashlib.blake2b(payload, digest_size=_DIGEST).digest() != digest:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a payload from another version of a class: build it again
        return None


def _write(path: Path, value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def digest(*parts: bytes | str) -> str:
    """A short hex key of ``parts`` (for cache file names)."""
    h = hashlib.blake2b(digest_size=10)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()
