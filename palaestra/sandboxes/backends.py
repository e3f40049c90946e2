"""How a sandbox is made: each backend starts a program under its isolation and ends it with all
its descendants. ``bwrap`` isolates the file system, network and process tree; ``process`` only
limits resources (see ``docs/sandboxes.md`` for what each promises)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from palaestra.sandboxes.cgroup import KILL_TIMEOUT, PidsCgroup, pids_root
from palaestra.sandboxes.errors import SandboxError, SandboxWarning


@dataclass(frozen=True)
class Limits:
    """What one sandbox may use; every backend applies them as hard rlimits inside the sandbox."""

    memory_mb: int = 1024  # address space: numpy and pandas need a few hundred MB of it to import
    disk_mb: int = 64  # the work directory (and /tmp) in all; a single file too
    processes: int = 64  # processes and threads together
    open_files: int = 256
    output_bytes: int = 64 * 1024  # kept of stdout and of stderr, each, per run or cell
    files_bytes: int = 8 * 1024 * 1024  # of written files returned per run or cell

    def rlimits(self) -> dict[str, int]:
        return {
            "as": self.memory_mb * 2**20,
            "fsize": self.disk_mb * 2**20,
            "nproc": self.processes,
            "nofile": self.open_files,
        }


# Variables the code sees: nothing of the host's environment (its secrets, its paths) gets in.
# The numerical libraries would start a thread per core each, against the process limit.
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
}


class Sandboxed:
    """One program started in a sandbox: its ``popen`` and how to end it with every descendant."""

    def __init__(self, popen: subprocess.Popen, work_dir: str, group: PidsCgroup | None) -> None:
        self.popen = popen
        self.work_dir = work_dir
        self.group = group
        self.replies = -1  # the read end of the channel the worker's replies come on

    def kill(self) -> None:
        """End the program and every process it started; idempotent, safe from any thread."""
        raise NotImplementedError

    def joined(self, user_namespace: bool) -> None:
        """The program is ready; it reported whether it entered its own user namespace."""

    def exit_code(self) -> int:
        """The program's exit code once it has ended: minus the signal that ended it, if one did."""
        return self.popen.returncode

    def feed(self, data: bytes) -> None:
        """Write ``data`` to the program's stdin; a program that died meanwhile is reported by the
        start, which then gets no reply."""
        try:
            self.popen.stdin.write(data)
            self.popen.stdin.flush()
        except BrokenPipeError:
            pass


class Backend:
    name: str
    isolates_files: bool  # the file system, network and host processes are out of the code's reach
    own_user_namespace: bool  # the worker enters a user namespace itself (bwrap makes one for it)

    def unavailable_reason(self) -> str | None:
        """Why this backend cannot run here, or None when it can."""
        if os.geteuid() == 0 and pids_root() is None:
            return "the host runs as root, where RLIMIT_NPROC does not bind, and cannot make a pids cgroup"
        return probe(self)

    def start(self, argv_for: Callable[[str], list[str]], limits: Limits, stdin: bytes) -> Sandboxed:
        """Start ``argv_for(replies)`` in a sandbox, ``replies`` naming where the program writes its
        replies: here an inherited pipe's fd number. ``stdin`` goes to the program's stdin as soon
        as it runs, so that it can read it while the sandbox is still being readied."""
        read, write = os.pipe()
        try:
            sandboxed = self._start(argv_for(str(write)), limits, (write,), stdin)
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        sandboxed.replies = read
        return sandboxed

    def _start(self, argv: list[str], limits: Limits, pass_fds: tuple[int, ...], stdin: bytes) -> Sandboxed:
        raise NotImplementedError

    def rlimits(self, limits: Limits) -> dict[str, int]:
        """The rlimits the program sets on itself."""
        return limits.rlimits()

    @staticmethod
    def _group(limits: Limits) -> PidsCgroup | None:
        """A pids cgroup for a root host (see ``cgroup.py``); None elsewhere."""
        return PidsCgroup.make(pids_root(), limits.processes) if os.geteuid() == 0 else None

    def __repr__(self) -> str:
        return f"<sandbox backend {self.name}>"


@functools.cache
def python_paths() -> list[str]:
    """Folders the interpreter needs, outside the system folders: the environment and, for an
    interpreter that lives outside it (pyenv, a conda base), the interpreter's own installation.
    Worked out once: every sandbox start needs them."""
    needed = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    needed.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    system = ("/usr/", "/bin/", "/lib")
    kept = sorted(p for p in needed if not (p + "/").startswith(system))
    # A folder inside another one is bound with it.
    return [p for p in kept if not any(p != q and p.startswith(q + "/") for q in kept)]


@functools.cache
def site_packages() -> list[str]:
    """Where the environment's packages are; the worker runs with ``-S`` (a site import parses
    every ``.pth`` file, which costs more than the rest of the start) and adds these itself.
    Worked out once (``sysconfig`` takes a millisecond to answer)."""
    return list(dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]))


class BwrapBackend(Backend):
    """bubblewrap: own user, PID, network, IPC and mount namespaces; the system and the Python
    environment read-only; a private tmpfs work directory; killed with its whole PID namespace."""

    name = "bwrap"
    isolates_files = True
    own_user_namespace = False
    WORK_DIR = "/sandbox"

    def rlimits(self, limits: Limits) -> dict[str, int]:
        # Set by the host on the namespace's first process before it starts the program, which
        # inherits them; the program need not import ``resource`` (a .so: 0.4 ms of each start).
        return {}

    def unavailable_reason(self) -> str | None:
        if shutil.which("bwrap") is None:
            return "bubblewrap is not installed (apt install bubblewrap)"
        return super().unavailable_reason()

    def argv(self, limits: Limits, info_fd: int) -> list[str]:
        size = str(limits.disk_mb * 2**20)
        argv = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "1000"]
        argv += ["--gid", "1000", "--hostname", "sandbox", "--die-with-parent", "--new-session"]
        argv += ["--cap-drop", "ALL", "--info-fd", str(info_fd), "--clearenv"]
        for name, value in {**ENVIRONMENT, "HOME": self.WORK_DIR, "TMPDIR": "/tmp"}.items():
            argv += ["--setenv", name, value]
        for path in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(path):
                argv += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                argv += ["--ro-bind", path, path]
        for path in ("/etc/ld.so.cache", "/etc/localtime"):
            if os.path.exists(path):
                argv += ["--ro-bind", path, path]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--size", size, "--tmpfs", self.WORK_DIR, "--size", size, "--tmpfs", "/tmp"]
        # After the tmpfs mounts: a Python environment under /tmp (a checkout there) stays visible.
        for path in python_paths():
            argv += ["--ro-bind", path, path]
        argv += ["--remount-ro", "/", "--chdir", self.WORK_DIR]
        return argv

    def _start(self, argv: list[str], limits: Limits, pass_fds: tuple[int, ...], stdin: bytes) -> Sandboxed:
        # bwrap tells its first process's pid (the namespace's init) on the info pipe, then that
        # process waits on the block pipe before it starts ``argv``: the time to take a pidfd.
        (info_read, info_write), (block_read, block_write) = os.pipe(), os.pipe()
        group = self._group(limits)
        try:
            popen = subprocess.Popen(
                [*self.argv(limits, info_write), "--block-fd", str(block_read), *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(*pass_fds, info_write, block_read),
                start_new_session=True,
                env={},
            )
        except OSError:
            for fd in (info_read, block_write):
                os.close(fd)
            if group is not None:
                group.remove()
            raise
        finally:
            os.close(info_write)
            os.close(block_read)
        return _BwrapSandboxed(popen, self.WORK_DIR, group, info_read, block_write, stdin, limits.rlimits())


NAMESPACE_END_WAIT = 0.05  # seconds for a killed bwrap sandbox to end by itself, before the sweeps


class _BwrapSandboxed(Sandboxed):
    def __init__(
        self,
        popen: subprocess.Popen,
        work_dir: str,
        group: PidsCgroup | None,
        info_fd: int,
        block_fd: int,
        stdin: bytes,
        rlimits: dict[str, int],
    ) -> None:
        super().__init__(popen, work_dir, group)
        self._pidfd = self._namespace = None
        try:
            _wait_for_hangup(info_fd)
            with os.fdopen(info_fd, "rb") as info:
                text = info.read()
            if text:
                info = json.loads(text)
                # A pidfd names the namespace's first process for good: no pid reuse can misdirect
                # the kill, and it turns readable once that process and so its namespace are gone.
                self._pidfd = os.pidfd_open(info["child-pid"])
                self._namespace = f"pid:[{info['pid-namespace']}]"
                self._limit(info["child-pid"], rlimits)
                os.write(block_fd, b"go")
                self.feed(stdin)  # after the go: a pipe too small for it would wait for the reader
                if group is not None:
                    _join(group, info["child-pid"])
        finally:
            os.close(block_fd)  # without the go, bwrap's first process exits at once

    def _limit(self, init: int, rlimits: dict[str, int]) -> None:
        """Set ``rlimits`` (and no core files), hard and soft, on ``init``, which then starts the
        program: so the program runs with them from its start."""
        try:
            resource.prlimit(init, resource.RLIMIT_CORE, (0, 0))
            for name, value in rlimits.items():
                resource.prlimit(init, getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))
        except ProcessLookupError:
            pass  # bwrap failed: the start reports it
        except (OSError, ValueError) as error:  # a hard limit of the host's below the sandbox's
            self.kill()
            raise SandboxError(f"the bwrap sandbox's limits cannot be set: {error}") from error

    def kill(self) -> None:
        if self._pidfd is None:
            if self.group is not None:
                self.group.kill()
            self.popen.kill()  # bwrap failed before it made the namespace
        else:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass  # already gone
            # bwrap's own process too, outside the namespace: left alone, it would notice the
            # namespace's end and exit only after it, one more wake-up in turn on a busy machine.
            self.popen.kill()
            # With its first process the kernel ends the whole namespace (and lets no process fork
            # in it meanwhile), at once for a few processes. Many busy ones (a fork bomb's) compete
            # for the CPU with the kernel's work from inside, for seconds: if the namespace is
            # not gone in a moment, kill them here, from the cgroup if there is one, else by
            # namespace (each sweep costs a few milliseconds, so only then).
            if not select.select([self._pidfd], [], [], NAMESPACE_END_WAIT)[0]:
                if self.group is not None:
                    self.group.kill()
                else:
                    _kill_namespace("pid", self._namespace)
                select.select([self._pidfd], [], [], KILL_TIMEOUT)
            os.close(self._pidfd)
            self._pidfd = None
        self.popen.wait()
        if self.group is not None:
            self.group.remove()

    def exit_code(self) -> int:
        code = self.popen.returncode
        return 128 - code if code > 128 else code  # bwrap exits 128 + N when N killed its program


def _wait_for_hangup(fd: int) -> None:
    """Wait until every writer of pipe ``fd`` has closed it. bwrap writes its info in pieces, once
    it has made the namespaces: reading each as it comes would wake this process up to ten times
    while bwrap still readies the sandbox, each a context switch on its way."""
    poller = select.poll()
    poller.register(fd, 0)  # no events asked: only the hang-up (or an error) ends the wait
    poller.poll()


def _join(group: PidsCgroup, init: int) -> None:
    """Put the namespace's ``init`` and the worker it starts into ``group``, before the worker
    gets its setup (so before any code of the agent's runs).

    The first move into a group waits for the kernel (an RCU grace period, about 10 ms on a busy
    machine), so bwrap is let go first and mounts and starts the interpreter meanwhile. ``init``
    forks only the worker: after the move, in the group by birth; before it, among the children
    read here once the move is done (the move waits for a fork under way).
    """
    try:
        group.add(init)
    except ProcessLookupError:
        return  # bwrap failed: the start reports it
    try:
        with open(f"/proc/{init}/task/{init}/children") as file:
            children = [int(pid) for pid in file.read().split()]
    except FileNotFoundError:
        return  # the namespace ended meanwhile, and with it the worker: the start reports it
    for child in children:
        with contextlib.suppress(ProcessLookupError):  # the worker died: the start reports it
            group.add(child)


class ProcessBackend(Backend):
    """A plain process: rlimits, a process group, an empty environment and a temporary work
    directory; nothing hides the file system, the network or the host's processes from it."""

    name = "process"
    isolates_files = False
    own_user_namespace = True

    def _start(self, argv: list[str], limits: Limits, pass_fds: tuple[int, ...], stdin: bytes) -> Sandboxed:
        warnings.warn(
            "the 'process' sandbox backend limits resources only: the code can read and write the "
            "host's files, reach the network and signal the host's processes; use 'bwrap' for "
            "untrusted code",
            SandboxWarning,
            stacklevel=5,  # the caller of run() or PythonSession
        )
        work_dir = tempfile.mkdtemp(prefix="palaestra-sandbox-")
        group = self._group(limits)
        try:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=pass_fds,
                start_new_session=True,
                cwd=work_dir,
                env={**ENVIRONMENT, "HOME": work_dir, "TMPDIR": work_dir},
            )
        except OSError:
            shutil.rmtree(work_dir, ignore_errors=True)
            if group is not None:
                group.remove()
            raise
        sandboxed = _PlainSandboxed(popen, work_dir, group)
        sandboxed.feed(stdin)
        if group is not None:
            group.add(popen.pid)  # before the worker gets its setup, so before it runs any code
        return sandboxed


class _PlainSandboxed(Sandboxed):
    def __init__(self, popen: subprocess.Popen, work_dir: str, group: PidsCgroup | None) -> None:
        super().__init__(popen, work_dir, group)
        self._namespace = None

    def joined(self, user_namespace: bool) -> None:
        if user_namespace:
            self._namespace = os.readlink(f"/proc/{self.popen.pid}/ns/user")

    def kill(self) -> None:
        if self.popen.poll() is None:  # once reaped, its pid (the group's id) may be reused
            os.killpg(self.popen.pid, signal.SIGKILL)
        # A process that left the process group (setsid) is still in the pids cgroup, or in the
        # sandbox's user namespace.
        if self.group is not None:
            self.group.kill()
        if self._namespace is not None:
            _kill_namespace("user", self._namespace)
        self.popen.wait()
        if self.group is not None:
            self.group.remove()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def _kill_namespace(kind: str, namespace: str) -> None:
    """SIGKILL every live process in the ``kind`` namespace ``namespace`` (as ``/proc/PID/ns/KIND``
    names it), again until none is found (a dying fork bomb may fork once more), for at most
    ``KILL_TIMEOUT``: a process stuck in the kernel cannot be waited for."""
    deadline = time.monotonic() + KILL_TIMEOUT
    while time.monotonic() < deadline:
        found = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{entry}/ns/{kind}") != namespace:
                    continue
                with open(f"/proc/{entry}/stat", "rb") as file:
                    if file.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        continue  # a zombie is already dead: its parent has yet to reap it
                os.kill(int(entry), signal.SIGKILL)
                found += 1
            except (OSError, IndexError):
                pass  # it exited meanwhile, or it is a process we may not inspect, so not one of ours
        if not found:
            return
        time.sleep(0.001)


def probe(backend: Backend) -> str | None:
    """Run a program in a sandbox: the only sure test that a backend works here."""
    from palaestra.sandboxes.worker import run_script  # which starts sandboxes through this module

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SandboxWarning)
            result = run_script(backend, "print(6 * 7)", Limits(), timeout=30.0, files={})
    except (OSError, SandboxError) as error:
        return f"it failed to start: {error}"
    if result.stdout != "42\n":
        return f"a test program printed {result.stdout!r}, stderr {result.stderr[-500:]!r}"
    return None


# The docker backend builds on the classes above. Strongest first, but docker after bwrap, which
# isolates as much with no root daemon and starts ten times faster (docs/sandboxes.md).
from palaestra.sandboxes.container import DockerBackend  # noqa: E402

BACKENDS: dict[str, Backend] = {
    backend.name: backend for backend in (BwrapBackend(), DockerBackend(), ProcessBackend())
}


@functools.cache
def unavailable_reasons() -> dict[str, str | None]:
    """Each backend's reason not to run here (None for those that do), probed once per process."""
    return {name: backend.unavailable_reason() for name, backend in BACKENDS.items()}


def available_backends() -> tuple[str, ...]:
    """The backends that work on this machine, the strongest first; the first is the default."""
    return tuple(name for name, reason in unavailable_reasons().items() if reason is None)


def resolve(name: str | None) -> Backend:
    """The backend called ``name``, or the default one for None; a clear error otherwise."""
    if name is None:
        names = available_backends()
        if not names:
            why = "; ".join(f"{n}: {r}" for n, r in unavailable_reasons().items())
            raise SandboxError(f"no sandbox backend works here ({why})")
        return BACKENDS[names[0]]
    if name not in BACKENDS:
        raise ValueError(f"unknown sandbox backend {name!r}; the backends are: {', '.join(BACKENDS)}")
    reason = unavailable_reasons()[name]
    if reason is not None:
        raise SandboxError(f"the {name!r} sandbox backend does not work here: {reason}")
    return BACKENDS[name]
