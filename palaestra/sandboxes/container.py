"""The ``docker`` backend: a container per sandbox, started through a Docker engine.

No registry is reachable from where palaestra runs, so the image is made here: ``docker import`` of a
root file system that holds nothing but mount points (``palaestra-sandbox:<layout>``, built on first
use). The host's system folders and its Python environment are bound into it read-only, as in the
``bwrap`` backend, so the code runs the very interpreter and packages the host has. The engine adds
what bubblewrap cannot: a memory cgroup (RAM, not only address space) and its own pids limit.

The worker's replies cannot come on an inherited fd (the engine, not this process, starts the
container): they come on a FIFO in a private folder bound into the container, removed once the
worker has opened it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import select
import shutil
import signal
import subprocess
import tarfile
import tempfile
from collections.abc import Callable

from palaestra.sandboxes.backends import (
    ENVIRONMENT,
    Backend,
    Limits,
    Sandboxed,
    _kill_namespace,
    probe,
    python_paths,
)
from palaestra.sandboxes.cgroup import KILL_TIMEOUT
from palaestra.sandboxes.errors import SandboxError

IMAGE = "palaestra-sandbox"
CHANNEL_DIR = "/run/palaestra"  # where the reply FIFO's folder is bound in the container
ENGINE_TIMEOUT = 10.0  # seconds for one call to the engine's API
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
LABEL = "palaestra.sandbox"  # every sandbox container carries it, valued with the host's pid


def engine():
    """A client of the Docker engine that ``DOCKER_HOST`` (or the default socket) names."""
    import docker

    return docker.from_env(timeout=ENGINE_TIMEOUT)


class DockerBackend(Backend):
    """Docker: own PID, network (none), IPC, UTS and mount namespaces; a non-root user with no
    capabilities and no way to gain any; the system and the Python environment read-only; a private
    tmpfs work directory; memory and pids cgroups; killed through the engine."""

    name = "docker"
    isolates_files = True
    own_user_namespace = False
    WORK_DIR = "/sandbox"
    USER = "1000:1000"

    def unavailable_reason(self) -> str | None:
        if shutil.which("docker") is None:
            return "the docker command is not installed (apt install docker.io)"
        try:
            import docker
        except ImportError:
            return "the Docker SDK is not installed (pip install 'palaestra[docker]')"
        try:
            with contextlib.closing(engine()) as client:
                client.ping()
                image(client)
        except docker.errors.DockerException as error:
            why = _first_line(error)
            return f"no Docker engine answers ({why}); start one, e.g. dockerd --iptables=false"
        return probe(self)

    def rlimits(self, limits: Limits) -> dict[str, int]:
        # RLIMIT_NPROC counts every process of the container's uid on the host, other sandboxes'
        # too; the container's pids cgroup counts its own.
        return {name: value for name, value in limits.rlimits().items() if name != "nproc"}

    def argv(self, limits: Limits, name: str, channel_dir: str) -> list[str]:
        size = limits.disk_mb * 2**20
        argv = ["docker", "run", "--rm", "--interactive", "--name", name, "--label", f"{LABEL}={os.getpid()}"]
        # A small init as the first process: the worker as PID 1 would be immune to its own signals.
        # No log: the engine would keep a copy of all the output, a flood included, on its disk.
        argv += ["--init", "--log-driver", "none"]
        argv += ["--network", "none", "--ipc", "none", "--hostname", "sandbox", "--user", self.USER]
        argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only"]
        argv += ["--pids-limit", str(limits.processes), "--ulimit", "core=0"]
        argv += ["--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m"]
        argv += ["--tmpfs", f"{self.WORK_DIR}:size={size},uid=1000,gid=1000,mode=0700"]
        argv += ["--tmpfs", f"/tmp:size={size},mode=1777", "--workdir", self.WORK_DIR]
        for key, value in {**ENVIRONMENT, "HOME": self.WORK_DIR, "TMPDIR": "/tmp"}.items():
            argv += ["--env", f"{key}={value}"]
        bound = [p for p in SYSTEM_FOLDERS if os.path.isdir(p) and not os.path.islink(p)]
        bound += [p for p in SYSTEM_FILES if os.path.exists(p)] + python_paths()
        for path in bound:
            argv += ["--mount", f"type=bind,source={path},target={path},readonly"]
        argv += ["--mount", f"type=bind,source={channel_dir},target={CHANNEL_DIR},readonly"]
        return [*argv, image_name()]

    def start(self, argv_for: Callable[[str], list[str]], limits: Limits, stdin: bytes) -> Sandboxed:
        channel_dir = tempfile.mkdtemp(prefix="palaestra-channel-")
        try:
            os.chmod(channel_dir, 0o711)  # the container's user may open the FIFO, not list the folder
            fifo = os.path.join(channel_dir, "replies")
            os.mkfifo(fifo)
            os.chmod(fifo, 0o622)
            # Non-blocking: opening a FIFO to read would wait for its writer, the worker not yet started.
            replies = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        except BaseException:
            shutil.rmtree(channel_dir, ignore_errors=True)
            raise
        name = f"palaestra-sandbox-{os.getpid()}-{secrets.token_hex(6)}"
        command = self.argv(limits, name, channel_dir) + argv_for(f"{CHANNEL_DIR}/replies")
        try:
            popen = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env={k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("DOCKER_")},
            )
        except BaseException:
            os.close(replies)
            shutil.rmtree(channel_dir, ignore_errors=True)
            raise
        sandboxed = _ContainerSandboxed(popen, self.WORK_DIR, name, channel_dir)
        sandboxed.replies = replies
        sandboxed.feed(stdin)
        return sandboxed


class _ContainerSandboxed(Sandboxed):
    """A container, its ``popen`` the ``docker run`` that relays its standard streams."""

    def __init__(self, popen: subprocess.Popen, work_dir: str, name: str, channel_dir: str) -> None:
        super().__init__(popen, work_dir, None)
        self.name = name
        self._channel_dir: str | None = channel_dir
        self._pidfd: int | None = None  # the container's first process, where this host may signal it
        self._namespace = ""

    def joined(self, user_namespace: bool) -> None:
        self._remove_channel()  # the worker has its FIFO open: nothing else in the sandbox may open it
        self._pidfd, self._namespace = _first_process(self.name)

    def kill(self) -> None:
        if self.popen.poll() is None:
            if not self._kill_here():
                self._kill_through_engine()
            # The docker command only relays; it would exit once the engine has seen the end.
            self.popen.kill()
        self.popen.wait()
        self._remove_channel()

    def _kill_here(self) -> bool:
        """Kill the container's first process, so its PID namespace, from this host: no round trip to
        the engine (which, on a busy machine, takes a tenth of a second or more)."""
        if self._pidfd is None:
            return False
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass  # gone already
        except PermissionError:
            return False  # the engine's processes are not ours to signal
        _kill_namespace("pid", self._namespace)
        select.select([self._pidfd], [], [], KILL_TIMEOUT)
        os.close(self._pidfd)
        self._pidfd = None
        return True

    def _kill_through_engine(self) -> None:
        # The command goes first: the engine finishes a kill only once it has relayed the output,
        # which a command nobody reads any more would hold up.
        import docker

        self.popen.kill()
        try:
            with contextlib.closing(engine()) as client:
                client.api.kill(self.name)
        except docker.errors.NotFound:
            pass  # not created yet, or gone already
        except docker.errors.APIError as error:
            if error.status_code != 409:  # 409: it is not running
                raise SandboxError(f"the engine could not kill {self.name}: {error}") from error
        except docker.errors.DockerException as error:
            raise SandboxError(f"the engine could not kill {self.name}: {error}") from error

    def exit_code(self) -> int:
        code = self.popen.returncode
        return 128 - code if code > 128 else code  # the init exits 128 + N when N killed the worker

    def _remove_channel(self) -> None:
        if self._channel_dir is not None:
            shutil.rmtree(self._channel_dir, ignore_errors=True)
            self._channel_dir = None


def _first_process(name: str) -> tuple[int | None, str]:
    """A pidfd of container ``name``'s first process and its PID namespace, where that process runs on
    this host and is a sandbox of this process's (an engine elsewhere names pids of its own machine);
    else ``(None, "")``."""
    import docker

    try:
        with contextlib.closing(engine()) as client:
            pid = client.api.inspect_container(name)["State"]["Pid"]
        pidfd = os.pidfd_open(pid)
    except (docker.errors.DockerException, OSError, KeyError):
        return None, ""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:  # read after the pidfd pins the process
            ours = f"palaestra-sandbox-of-{os.getpid()}\0".encode() in file.read()
        if ours:
            return pidfd, os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        pass
    os.close(pidfd)
    return None, ""


def _layout() -> list[tuple[str, str | None]]:
    """The image's entries: (path, link target) for the host's system links, (path, None) for the
    mount points and the folders the code may expect."""
    # /sbin stays a folder of the image's own: the engine mounts its init there, which a link into
    # the read-only /usr would send to where it cannot go.
    entries = [(p.lstrip("/"), os.readlink(p)) for p in SYSTEM_FOLDERS if os.path.islink(p) and p != "/sbin"]
    folders = ["usr", "sbin", "etc", "proc", "dev", "sys", "tmp", "run", "sandbox"]
    return entries + [(folder, None) for folder in folders]


def image_name() -> str:
    """The image's name: its tag says the layout, which follows the host's system links."""
    digest = hashlib.sha256(repr(_layout()).encode()).hexdigest()[:12]
    return f"{IMAGE}:{digest}"


def image(client) -> str:
    """The sandbox image, imported into the engine when it is not there yet."""
    import docker

    name = image_name()
    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        repository, tag = name.split(":")
        client.api.import_image_from_data(_root_file_system(), repository=repository, tag=tag)
    return name


def _root_file_system() -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for path, target in _layout():
            entry = tarfile.TarInfo(path)
            if target is None:
                entry.type, entry.mode = tarfile.DIRTYPE, 0o1777 if path == "tmp" else 0o755
            else:
                entry.type, entry.linkname = tarfile.SYMTYPE, target
            tar.addfile(entry)
    return data.getvalue()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
