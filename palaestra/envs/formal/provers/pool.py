"""A small pool of warm provers, for checking many proofs from several threads.

>>> pool = ProverPool(CoqProver, size=4)
>>> with pool.prover() as prover:
...     verdict = prover.verify(statement, proof)
>>> pool.close()
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from palaestra.envs.formal.provers.base import Prover, ProverError


class ProverPool:
    """``size`` provers made by ``make`` and started at once (``warm``), lent one caller at a time.

    A prover that raised while lent is closed and replaced, so the next caller gets a healthy one.
    ``close()`` ends them all; it is idempotent.
    """

    def __init__(self, make: Callable[[], Prover], *, size: int = 2, warm: bool = True):
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self._make = make
        self._idle: queue.Queue[Prover] = queue.Queue()
        self._all: list[Prover] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            prover = make()
            if warm:
                prover.start()
            self._all.append(prover)
            self._idle.put(prover)

    @property
    def size(self) -> int:
        return len(self._all)

    @contextmanager
    def prover(self, timeout: float | None = None) -> Iterator[Prover]:
        """Borrow a prover, waiting up to ``timeout`` seconds (forever with ``None``) for a free one."""
        if self._closed:
            raise ProverError("the prover pool was closed")
        try:
            prover = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ProverError(f"no prover came free within {timeout} s") from None
        try:
            yield prover
        except BaseException:
            prover = self._replace(prover)
            raise
        finally:
            if self._closed:
                prover.close()
            else:
                self._idle.put(prover)

    def _replace(self, broken: Prover) -> Prover:
        broken.close()
        fresh = self._make()
        with self._lock:
            self._all[self._all.index(broken)] = fresh
        return fresh

    def close(self) -> None:
        self._closed = True
        with self._lock:
            provers = list(self._all)
        for prover in provers:
            prover.close()
