"""A checker process on pipes: started with a memory limit in a scratch folder, read with deadlines,
killed with everything it started."""

from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from palaestra.envs.formal.provers.base import ProverError, ProverTimeoutError

T = TypeVar("T")
RECYCLE_AT = 0.5  # the share of its memory limit past which a checker is replaced between calls


class CheckerProcess:
    """``argv`` running in its own session and scratch folder, its stdout and stderr on one pipe.

    ``memory_mb`` caps its address space (``RLIMIT_AS``). ``read_until`` returns the output up to a
    marker or raises ``ProverTimeoutError`` (the process is then killed) or ``ProverError`` (it died).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        memory_mb: int,
        name: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.folder = tempfile.mkdtemp(prefix=f"palaestra-{'-'.join(name.split())}-")
        limit = memory_mb * 1024 * 1024

        def limit_memory() -> None:  # runs in the child, before the checker starts
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        try:
            self.process = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd or self.folder,
                env=env
                or {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.folder, "LANG": "C.UTF-8"},
                start_new_session=True,
                preexec_fn=limit_memory,
            )
        except OSError as error:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise ProverError(f"could not start {name}: {error}") from error
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def address_space_mb(self) -> float:
        """The process's address space (what ``RLIMIT_AS`` caps) in MiB; 0 once it is gone."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmSize:"):
                        return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0.0

    def write(self, text: str) -> None:
        try:
            self.process.stdin.write(text.encode())
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as error:
            raise ProverError(f"{self.name} is gone (it exited or was killed)") from error

    def read_until(self, marker: bytes, deadline: float) -> bytes:
        """The output up to and including the first ``marker``; what follows stays buffered."""
        stream = self.process.stdout
        while marker not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise ProverTimeoutError(f"{self.name} gave no answer in time; it was stopped")
            try:
                ready, _, _ = select.select([stream], [], [], left)
            except (ValueError, OSError) as error:  # the pipe was closed by kill() from another thread
                raise ProverError(f"{self.name} is gone (it exited or was killed)") from error
            if not ready:
                continue
            chunk = os.read(stream.fileno(), 1 << 16)
            if not chunk:
                said = self._buffer.decode(errors="replace").strip()[-300:]
                raise ProverError(
                    f"{self.name} is gone (it exited or was killed)" + (f": {said}" if said else "")
                )
            self._buffer += chunk
        end = self._buffer.index(marker) + len(marker)
        out, self._buffer = self._buffer[:end], self._buffer[end:]
        return out

    def kill(self) -> None:
        """End the process and everything it started; idempotent."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


class ProcessProver:
    """What the backends share: one checker process, calls serialized under a lock and bounded by
    ``timeout``, a restart after a timeout or a death, ``close()`` from any thread.

    A subclass writes ``_launch()`` (start the process and read it to its first prompt) and sets
    ``language``. ``epoch`` counts the processes started, so proof states know which one made them.
    """

    language = ""

    def __init__(self, *, timeout: float, memory_mb: int):
        if timeout <= 0 or memory_mb < 64:
            raise ValueError("timeout must be positive and memory_mb at least 64")
        self.timeout, self.memory_mb = timeout, memory_mb
        self.epoch = 0
        self.restarts = 0
        self._process: CheckerProcess | None = None
        self._spent = False  # the running checker is no longer fit for use: replace it after this call
        self._lock = threading.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The checker's process id while one runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the checker now rather than at the first call (a warm prover answers at once)."""
        self._call(lambda deadline: None, None)

    def close(self) -> None:
        """End the checker. Idempotent; from another thread it ends a running call with ``ProverError``."""
        self._closed = True
        process, self._process = self._process, None
        if process is not None:
            process.kill()

    def _launch(self) -> CheckerProcess:
        raise NotImplementedError

    def _call(self, work: Callable[[float], T], timeout: float | None) -> T:
        """``work(deadline)`` under the lock, on a live checker. A checker that died is restarted and
        ``work`` retried once; a timeout kills the checker and raises ``ProverTimeoutError``."""
        limit = self.timeout if timeout is None else timeout
        with self._lock:
            for attempt in (1, 2):
                if self._closed:
                    raise ProverError(f"the {self.language} prover was closed")
                if self._process is None or not self._process.alive():
                    self._discard()
                    self._process = self._launch()
                    self.epoch += 1
                try:
                    return work(time.monotonic() + limit)
                except ProverTimeoutError:
                    self._discard()
                    raise
                except ProverError:
                    self._discard()
                    if self._closed or attempt == 2:
                        raise
                finally:
                    if self._process is not None and (self._spent or self._grown()):
                        self._discard()  # replaced between calls, before it fails one
            raise AssertionError("unreachable")

    def _grown(self) -> bool:
        """Whether the checker has used most of its address space: checkers remember the states they
        made (coqtop its cache of sentences), so a long-lived one grows until it runs out."""
        return self._process.address_space_mb() > RECYCLE_AT * self.memory_mb

    def _discard(self) -> None:
        self._spent = False
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            self.restarts += 1
