"""A pids control group per sandbox, for hosts that run as root.

``RLIMIT_NPROC`` never binds a process whose real uid is 0, even inside a user namespace, and
bwrap started by root keeps that uid (it maps the sandbox's user to it). So when the host is root
the process limit comes from a pids cgroup (v1 or v2, where this process may make one); the
group also names every process of the sandbox, daemons included, so that all can be killed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import time

KILL_TIMEOUT = 10.0  # for a sandbox's processes to die; only one stuck in the kernel takes long
STALE_AFTER = 60.0  # seconds after which an empty group is taken for one a dead process left


@functools.cache
def pids_root() -> str | None:
    """A folder where this process can make pids cgroups, or None."""
    mounts = []
    with open("/proc/self/mountinfo") as file:
        for line in file:
            fields = line.split()
            kind, options = fields[fields.index("-") + 1], fields[-1].split(",")
            if (kind == "cgroup" and "pids" in options) or kind == "cgroup2":
                mounts.append((kind, fields[4]))
    with open("/proc/self/cgroup") as file:
        ours = dict(
            ("cgroup2" if hierarchy == "" else "cgroup", path)
            for _, controllers, path in (line.rstrip("\n").split(":", 2) for line in file)
            for hierarchy in [controllers]
            if hierarchy == "" or "pids" in hierarchy.split(",")
        )
    for kind, mount in sorted(mounts):  # cgroup (v1) first: where both exist, pids is on v1
        if kind not in ours:
            continue
        root = os.path.join(mount, ours[kind].lstrip("/"), "palaestra-sandboxes")
        try:
            os.makedirs(root, exist_ok=True)
            for stale in os.scandir(root):  # left by a process that died; a live sandbox's is busy
                # (one made a moment ago may not have its first process yet: leave it alone)
                if stale.is_dir() and stale.stat().st_mtime < time.time() - STALE_AFTER:
                    with contextlib.suppress(OSError):
                        os.rmdir(stale.path)
            if kind == "cgroup2":
                with open(os.path.join(root, "..", "cgroup.subtree_control"), "w") as control:
                    control.write("+pids")
            probe = PidsCgroup.make(root, 1)
            probe.remove()
        except OSError:
            continue
        return root
    return None


class PidsCgroup:
    """One sandbox's cgroup: at most ``limit`` processes and threads."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def make(cls, root: str, limit: int) -> PidsCgroup:
        path = os.path.join(root, secrets.token_hex(8))
        os.mkdir(path)
        with open(os.path.join(path, "pids.max"), "w") as file:
            file.write(str(limit))
        return cls(path)

    def add(self, pid: int) -> None:
        """Move process ``pid`` into the group: the processes it starts from now on are in it too."""
        with open(os.path.join(self.path, "cgroup.procs"), "w") as file:
            file.write(str(pid))

    def kill(self) -> None:
        """SIGKILL every process in the group, until none is left (a fork bomb forks meanwhile), for
        at most ``KILL_TIMEOUT``: a process stuck in the kernel cannot be waited for."""
        deadline = time.monotonic() + KILL_TIMEOUT
        while (pids := self._pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.001)

    def remove(self) -> None:
        self.kill()
        # The group can be removed once the kernel has let go of its last process; if it does not
        # within a second, the next process that makes groups removes it.
        for _ in range(1000):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.001)

    def _pids(self) -> list[int]:
        try:
            with open(os.path.join(self.path, "cgroup.procs")) as file:
                return [int(line) for line in file]
        except FileNotFoundError:
            return []
