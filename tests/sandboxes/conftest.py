import os
import subprocess

import pytest

from palaestra.sandboxes import available_backends
from palaestra.sandboxes.backends import BACKENDS

# In the command line of every worker this process starts (and of its bwrap): other processes'
# sandboxes (tests running in parallel) are not this one's to count.
MARK = f"palaestra-sandbox-of-{os.getpid()}\0".encode()


def sandbox_processes() -> set[int]:
    """Live processes of this process's sandboxes: the worker's command line, which forks keep,
    names them."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                if MARK not in file.read():
                    continue
            with open(f"/proc/{entry}/stat", "rb") as file:
                if file.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue  # dead already, waiting for its parent to reap it
        except (OSError, IndexError):
            continue
        found.add(int(entry))
    return found


@pytest.fixture
def host_unaffected():
    """Around a test: no sandbox process is left behind and the host still starts processes."""
    before = sandbox_processes()
    yield
    left = sandbox_processes() - before
    assert not left, f"processes left behind: {left}"
    assert subprocess.run(["true"], timeout=10).returncode == 0


@pytest.fixture(params=available_backends())
def backend(request):
    return request.param


def limit_of(request, backend, reason):
    """Mark the running test an expected failure on a backend that does not isolate files, network
    or processes (``process``): ``strict``, so it fails if the limit ever stops showing."""
    if not BACKENDS[backend].isolates_files:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"process backend: {reason}"))
