"""What the docker backend adds to the shared suites, which run against it wherever it works: the
engine's memory cgroup, its clean-up, the locally made image and the reply channel. Where no engine
answers these skip with the reason, unless ``PALAESTRA_REQUIRE_SANDBOXES`` names docker (CI)."""

import os
import time

import pytest

from palaestra.sandboxes import PythonSession, run
from palaestra.sandboxes.backends import unavailable_reasons
from palaestra.sandboxes.container import CHANNEL_DIR, LABEL, DockerBackend, engine, image_name

pytestmark = [pytest.mark.usefixtures("host_unaffected")]


@pytest.fixture(scope="module")
def docker():
    reason = unavailable_reasons()["docker"]
    if reason is not None:
        if "docker" in os.environ.get("PALAESTRA_REQUIRE_SANDBOXES", "").split(","):
            pytest.fail(f"PALAESTRA_REQUIRE_SANDBOXES asks for docker, which does not work here: {reason}")
        pytest.skip(f"docker backend: {reason}")
    client = engine()
    yield client
    client.close()


def our_containers(client) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL}={os.getpid()}"})


def test_the_memory_cgroup_holds_the_processes_together(docker):
    # Each child stays under the address-space limit; together they pass the cgroup's memory.
    code = """
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(100 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(3)
        os._exit(0)
    children.append(pid)
print(sorted(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
"""
    result = run(code, backend="docker", memory_mb=256, timeout=30)
    assert result.killed or "-9" in result.stdout, result


def test_no_container_outlives_its_sandbox(docker):
    run("while True: pass", backend="docker", timeout=1)
    with PythonSession("docker") as session:
        session.run("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)")
    deadline = time.monotonic() + 10
    while our_containers(docker) and time.monotonic() < deadline:
        time.sleep(0.1)  # the engine removes a container shortly after it ends
    assert our_containers(docker) == []


def test_the_reply_channel_is_gone_once_the_worker_holds_it(docker):
    # Gone by the time the worker has said it is ready, so before any cell of a session runs (a
    # script starts with the setup, so it may run in the instant before: it is the worker's own
    # process, which holds the channel open anyway).
    with PythonSession("docker") as session:
        result = session.run(f"import os; os.path.exists({CHANNEL_DIR + '/replies'!r})")
    assert result.stdout == "False\n", result


def test_the_image_is_made_here_and_holds_no_files(docker):
    made = docker.images.get(image_name())
    assert made.attrs["Size"] < 4096 and not made.attrs.get("RepoDigests")


def test_no_engine_is_a_clear_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    reason = DockerBackend().unavailable_reason()
    assert reason is not None and reason.startswith("no Docker engine answers")
