"""``PythonSession``: a persistent interpreter in a sandbox, like a notebook kernel."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace

from palaestra.sandboxes.backends import resolve
from palaestra.sandboxes.errors import SandboxError
from palaestra.sandboxes.result import RunResult
from palaestra.sandboxes.run import checked_code, checked_files, checked_limits, checked_timeout
from palaestra.sandboxes.worker import Worker


class PythonSession:
    """A Python interpreter in a sandbox that keeps its state between cells.

    Each ``run(code)`` executes a cell in the same namespace (the value of a final expression is
    printed, as in a notebook) and returns its ``RunResult``. A cell that runs past ``timeout``,
    or crashes the interpreter, ends the sandbox with all its processes; the next cell starts a
    fresh one (with ``files`` written again), and the result says that the state was lost.
    A session is a resource: hold it with ``TextEnv.resource`` and it is closed with the env.

    >>> with PythonSession() as session:
    ...     _ = session.run("x = 6 * 7")
    ...     session.run("x").stdout
    '42\\n'
    """

    def __init__(
        self,
        backend: str | None = None,
        *,
        timeout: float = 10.0,
        memory_mb: int = 1024,
        files: Mapping[str, str | bytes] | None = None,
    ) -> None:
        self._limits = checked_limits(timeout, memory_mb)
        self.timeout = float(timeout)
        self._files = checked_files(files)
        self._backend = resolve(backend)
        self._lock = threading.Lock()  # one cell at a time
        self._closed = False
        self._worker: Worker | None = None
        with self._lock:
            self._start()  # now, so that a sandbox that cannot start fails here and not at a cell

    @property
    def backend(self) -> str:
        return self._backend.name

    def run(self, code: str, *, timeout: float | None = None) -> RunResult:
        """Run a cell; ``timeout`` overrides the session's for this cell."""
        code = checked_code(code)
        timeout = self.timeout if timeout is None else checked_timeout(timeout)
        with self._lock:
            if self._worker is None or not self._worker.alive():
                self._start()
            worker = self._worker
            result = worker.execute(code, timeout)
            if self._closed:
                self._stop()
                raise SandboxError("the session was closed while the cell ran")
            if not worker.alive():  # it crashed, timed out, or lost a stream it reports through
                self._stop()
                note = "\n[the interpreter ended: its state is lost; the next cell starts a fresh one]\n"
                result = replace(result, stderr=result.stderr + note)
            return result

    def restart(self) -> None:
        """Start a fresh interpreter (the work directory back to ``files``)."""
        with self._lock:
            self._stop()
            self._start()

    def close(self) -> None:
        """End the interpreter and its processes; idempotent, and safe from another thread while a
        cell runs (that cell then raises ``SandboxError``)."""
        self._closed = True
        worker = self._worker
        if worker is not None:
            worker.kill()
        if self._lock.acquire(blocking=False):  # else the running cell closes the worker itself
            try:
                self._stop()
            finally:
                self._lock.release()

    def __enter__(self) -> PythonSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<PythonSession backend={self.backend} {state}>"

    def _start(self) -> None:
        if self._closed:
            raise SandboxError("the session is closed")
        self._worker = Worker(self._backend, self._limits, files=self._files)
        if self._closed:  # closed by another thread while it started
            self._stop()
            raise SandboxError("the session is closed")

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
