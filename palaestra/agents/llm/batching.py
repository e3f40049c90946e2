"""``MicroBatcher``: gathers requests from concurrent episodes into one batched model call.

Local models generate far faster per token for a batch than for one sequence, so the agents of
concurrent episodes submit their prompts here and a single worker thread runs them together: from
the first request on it keeps gathering until none arrives for ``window`` seconds (or ``max_batch``
are gathered), then calls ``run_batch`` on all of them. Requests arriving while a batch runs form the
next batch, so a steady stream of episodes keeps the model busy with full batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from palaestra.agents.base import AgentError
from palaestra.core.errors import UsageError

Request = TypeVar("Request")
Result = TypeVar("Result")


class MicroBatcher(Generic[Request, Result]):
    """Runs ``run_batch(requests) -> results`` (same length, same order) on a worker thread.

    ``batch_sizes`` lists the size of every batch run so far (for tests and benchmarks).
    """

    def __init__(
        self,
        run_batch: Callable[[Sequence[Request]], Sequence[Result]],
        *,
        name: str,
        max_batch: int = 64,
        window: float = 0.01,
    ):
        if max_batch < 1:
            raise UsageError(f"max_batch must be >= 1, got {max_batch}")
        self._run_batch = run_batch
        self._name = name
        self._max_batch = max_batch
        self._window = window
        self._queue: queue.Queue[tuple[Request, Future[Result]] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.batch_sizes: list[int] = []

    def submit(self, request: Request) -> Future[Result]:
        future: Future[Result] = Future()
        with self._lock:
            if self._closed:
                raise AgentError(f"{self._name}: the backend is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=f"{self._name}-batcher", daemon=True)
                self._thread.start()
            self._queue.put((request, future))
        return future

    def close(self) -> None:
        """Finish the queued requests, then stop the worker thread; closing again does nothing."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = self._gather(batch)
            self._run(batch)
            if stop:
                return

    def _gather(self, batch: list[tuple[Request, Future[Result]]]) -> bool:
        """Add requests arriving within the window to ``batch``; True when ``close`` was called."""
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get(timeout=self._window)
            except queue.Empty:
                return False
            if item is None:
                return True
            batch.append(item)
        return False

    def _run(self, batch: list[tuple[Request, Future[Result]]]) -> None:
        live = [(request, future) for request, future in batch if future.set_running_or_notify_cancel()]
        if not live:
            return
        self.batch_sizes.append(len(live))
        try:
            results = self._run_batch([request for request, _ in live])
            if len(results) != len(live):
                raise AgentError(f"{self._name}: {len(results)} results for a batch of {len(live)}")
        except Exception as err:  # any failure is every request's failure: none may wait forever
            error = err
            if not isinstance(err, AgentError):
                error = AgentError(f"{self._name}: generation failed: {err!r}")
                error.__cause__ = err
            for _, future in live:
                future.set_exception(error)
            return
        for (_, future), result in zip(live, results):
            future.set_result(result)
