"""The host's side of a worker: a Python process in a sandbox (``inside.py``) that runs code sent
to it, one program or many cells, and reports each end in a frame."""

from __future__ import annotations

import base64
import contextlib
import json
import marshal
import os
import secrets
import selectors
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from palaestra.sandboxes.backends import Backend, Limits, site_packages
from palaestra.sandboxes.errors import SandboxError
from palaestra.sandboxes.result import RunResult

# The worker's code goes in compiled: compiling its source would cost every sandbox start a
# millisecond or two. The sandbox runs this very interpreter, so the marshal format matches. It
# goes in on stdin as soon as the worker runs, ahead of the setup, and only its size on the command
# line: the interpreter takes a millisecond to decode a command line as long as the code.
INSIDE = marshal.dumps(compile((Path(__file__).parent / "inside.py").read_text(), "<string>", "exec"))
BOOTSTRAP = """import marshal, posix, sys
size, inside = int(sys.argv[3]), b""
while len(inside) < size:
    inside += posix.read(0, size - len(inside)) or sys.exit("the worker's code was cut short")
exec(marshal.loads(inside))"""
STARTUP_TIMEOUT = 20.0  # starting a sandbox takes tens of ms; this only bounds a broken one
EXIT_TIMEOUT = 1.0  # for a sandbox whose worker has died to exit by itself
DRAIN_TIMEOUT = 0.2  # after a kill, to read what the code wrote before it; the pipes close at once


class CappedOutput:
    """One stream's bytes: all of them up to the cap; past it their start and end around a note."""

    def __init__(self, cap: int) -> None:
        self.head_cap = cap * 2 // 3
        self.tail_cap = cap - self.head_cap
        self.head, self.tail, self.total = bytearray(), bytearray(), 0

    def add(self, data: bytes | bytearray) -> None:
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            del self.tail[: max(0, len(self.tail) - self.tail_cap)]

    def text(self) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {cut} bytes cut ...]\n".encode() if cut else b""
        return bytes(self.head + middle + self.tail).decode(errors="replace")


class _Stream:
    """A pipe from the worker, whose cells each end their output with the marker.

    Bytes go into ``current`` as they come, so a flood costs no more memory than the cap; at a
    marker, ``current`` is complete and what follows starts the next cell's output.
    """

    def __init__(self, fd: int, marker: bytes, cap: int) -> None:
        self.fd, self.marker, self.cap = fd, marker, cap
        self.current = CappedOutput(cap)
        self.complete: CappedOutput | None = None
        self.partial = b""  # the start of a marker whose end is still on its way
        self.eof = False

    def feed(self, data: bytes) -> None:
        data = self.partial + data
        while (at := data.find(self.marker)) >= 0:
            self.current.add(data[:at])
            self.complete, self.current = self.current, CappedOutput(self.cap)
            data = data[at + len(self.marker) :]
        keep = 0 if self.eof else len(self.marker) - 1
        split = max(0, len(data) - keep)
        self.current.add(data[:split])
        self.partial = data[split:]

    def take_complete(self) -> CappedOutput | None:
        complete, self.complete = self.complete, None
        return complete

    def take_current(self) -> CappedOutput:
        """What came since the last marker (the cell was cut short: no marker will come)."""
        self.eof, eof = True, self.eof
        self.feed(b"")
        self.eof = eof
        current, self.current = self.current, CappedOutput(self.cap)
        return current


class Worker:
    """A started worker: ``execute`` runs a cell; ``script`` mode runs ``code`` once and exits."""

    def __init__(
        self,
        backend: Backend,
        limits: Limits,
        *,
        files: dict[str, bytes],
        code: str | None = None,
    ) -> None:
        self.backend, self.limits = backend, limits
        self.marker = f"\0palaestra-{secrets.token_hex(16)}\0".encode()
        self.broken = False  # the code closed a stream the worker needs: start a fresh one next time
        self._kill_lock = threading.Lock()
        self._frames = bytearray()
        self._replies_eof = False
        # The name says, in ps, whose sandbox a process is (forks keep their parent's).
        name = f"palaestra-sandbox-of-{os.getpid()}"
        self.sandboxed = backend.start(
            lambda replies: [sys.executable, "-I", "-S", "-c", BOOTSTRAP, name, replies, str(len(INSIDE))],
            limits,
            INSIDE,
        )
        self._replies = read = self.sandboxed.replies
        popen = self.sandboxed.popen
        self.streams = (
            _Stream(popen.stdout.fileno(), self.marker, limits.output_bytes),
            _Stream(popen.stderr.fileno(), self.marker, limits.output_bytes),
        )
        for fd in (read, *(stream.fd for stream in self.streams)):
            os.set_blocking(fd, False)
        setup = {
            "mode": "session" if code is None else "script",
            "code": code,
            "limits": backend.rlimits(limits),
            "path": site_packages(),
            "work_dir": self.sandboxed.work_dir,
            "files": files,
            "files_cap": limits.files_bytes,
            "marker": self.marker,
            "user_namespace": backend.own_user_namespace,
        }
        ready = self._send(setup) and self._reply(time.monotonic() + STARTUP_TIMEOUT, ready=True)
        if not ready:
            self.kill()
            self._pump(time.monotonic() + DRAIN_TIMEOUT, lambda: all(stream.eof for stream in self.streams))
            errors = self.streams[1].take_current().text().strip()
            self.close()
            raise SandboxError(f"the {backend.name} sandbox did not start: {errors}")
        self.sandboxed.joined(ready["user_namespace"])

    def alive(self) -> bool:
        return not self.broken and self.sandboxed.popen.poll() is None

    def execute(self, code: str, timeout: float) -> RunResult:
        """Run a cell; a timeout or a crash kills the worker (``alive()`` is then false)."""
        if not self._send({"code": code}):
            self._replies_eof = True  # it cannot read: it is dead, or the code closed its pipe
        return self.finish(time.monotonic() + timeout, timeout=timeout)

    def finish(self, deadline: float, timeout: float | None = None) -> RunResult:
        """Wait until the running code ends, or kill the sandbox at ``deadline``."""
        reply = self._reply(deadline)
        if reply is not None:
            # The marker ends a cell's output on each stream the worker could still write to.
            outputs = [
                None if marked else stream.take_current()
                for stream, marked in zip(self.streams, reply["marked"])
            ]
            self.broken = not all(reply["marked"])

            def all_output() -> bool:
                for index, stream in enumerate(self.streams):
                    outputs[index] = outputs[index] or stream.take_complete()
                return None not in outputs

            self._pump(deadline, all_output)
            if None not in outputs:
                out, err = outputs
                files = reply["files"]
                if reply["files_skipped"]:
                    skipped = ", ".join(reply["files_skipped"])
                    cap = self.limits.files_bytes
                    err.add(f"\n[files not returned, past the {cap} byte cap: {skipped}]\n".encode())
                return RunResult(out.text(), err.text(), reply["exit_code"], files=files)
        timed_out = not self._replies_eof  # else the worker died (or the code closed its pipe)
        if not timed_out:
            # Let a dead worker's sandbox exit by itself, with its exit code, before the kill.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.sandboxed.popen.wait(max(0.0, min(EXIT_TIMEOUT, deadline - time.monotonic())))
        self.kill()
        self._pump(time.monotonic() + DRAIN_TIMEOUT, lambda: all(stream.eof for stream in self.streams))
        out, err = (stream.take_current() for stream in self.streams)
        if timed_out:
            err.add(f"\n[timed out after {timeout:g} s: the sandbox was ended]\n".encode())
            return RunResult(out.text(), err.text(), None, timed_out=True, killed=True)
        code = self.sandboxed.exit_code()
        return RunResult(out.text(), err.text(), code, killed=code < 0)

    def kill(self) -> None:
        """End the worker and everything it started; idempotent and safe from any thread."""
        with self._kill_lock:
            self.sandboxed.kill()

    def close(self) -> None:
        self.kill()
        for stream in (self.sandboxed.popen.stdin, self.sandboxed.popen.stdout, self.sandboxed.popen.stderr):
            stream.close()
        os.close(self._replies)

    # -- the protocol --------------------------------------------------------------------------
    def _send(self, message: dict) -> bool:
        data = marshal.dumps(message)
        try:
            self.sandboxed.popen.stdin.write(struct.pack(">I", len(data)) + data)
            self.sandboxed.popen.stdin.flush()
        except (BrokenPipeError, ValueError):  # the worker died, or was closed by another thread
            return False
        return True

    def _reply(self, deadline: float, *, ready: bool = False) -> dict | None:
        """The worker's next frame (its ``ready`` one, or the end of a run or cell), checked; None if
        it did not come by ``deadline``, the worker died, or the code forged a bad one."""
        frame = None

        def arrived() -> bool:
            nonlocal frame
            if len(self._frames) >= 4:
                (size,) = struct.unpack(">I", self._frames[:4])
                if size > 2 * self.limits.files_bytes + 2**20:
                    self._replies_eof = True  # the code wrote into the protocol: a broken worker
                elif len(self._frames) >= 4 + size:
                    try:
                        frame = _checked(json.loads(self._frames[4 : 4 + size]), ready)
                    except (ValueError, TypeError, KeyError):  # the code wrote into the protocol
                        self._replies_eof = True
                    del self._frames[: 4 + size]
            # Before the worker is ready no code of the agent's has run: both streams closed means
            # the sandbox ended (a reply channel that is a FIFO shows no end of its own before a writer).
            if ready and all(stream.eof for stream in self.streams):
                self._replies_eof = True
            return frame is not None or self._replies_eof

        self._pump(deadline, arrived)
        return frame

    def _pump(self, deadline: float, done) -> None:
        """Read the worker's pipes into their buffers until ``done()`` or ``deadline``."""
        streams = {stream.fd: stream for stream in self.streams if not stream.eof}
        with selectors.DefaultSelector() as selector:
            for fd in [*streams, *([] if self._replies_eof else [self._replies])]:
                selector.register(fd, selectors.EVENT_READ)
            while not done():
                left = deadline - time.monotonic()
                if left <= 0 or not selector.get_map():
                    return
                for key, _ in selector.select(left):
                    try:
                        data = os.read(key.fd, 1 << 16)
                    except BlockingIOError:
                        continue
                    if not data:
                        selector.unregister(key.fd)
                    if key.fd == self._replies:
                        self._frames += data
                        self._replies_eof = not data
                    elif data:
                        streams[key.fd].feed(data)
                    else:
                        streams[key.fd].eof = True


def _checked(frame: object, ready: bool) -> dict:
    """A reply as the worker writes it, its files decoded; an error for anything else."""
    if not isinstance(frame, dict):
        raise TypeError("a reply is an object")
    if ready:
        if frame["ready"] is not True or not isinstance(frame["user_namespace"], bool):
            raise TypeError("a ready reply says ready, and whether it has a user namespace")
        return frame
    marked, files, skipped = frame["marked"], frame["files"], frame["files_skipped"]
    if type(frame["exit_code"]) is not int or [type(m) for m in marked] != [bool, bool]:
        raise TypeError("exit_code is an int, marked two bools")
    return {
        **frame,
        "files": {_name(path): base64.b64decode(data, validate=True) for path, data in files.items()},
        "files_skipped": [_name(path) for path in skipped],
    }


def _name(encoded: str) -> str:
    return os.fsdecode(base64.b64decode(encoded, validate=True))


def run_script(
    backend: Backend, code: str, limits: Limits, *, timeout: float, files: dict[str, bytes]
) -> RunResult:
    """Run ``code`` as a program in a fresh sandbox, which is gone (with its processes) on return."""
    worker = Worker(backend, limits, files=files, code=code)
    try:
        return worker.finish(time.monotonic() + timeout, timeout=timeout)
    finally:
        worker.close()  # ends the processes the program left behind, and the sandbox
