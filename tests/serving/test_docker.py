"""The serve-env image: built and served when a Docker engine answers and has the base image."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import gymnasium as gym
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "serve-env.Dockerfile"
WHEELS = ROOT / "docker" / "wheels"
BASE_IMAGE = os.environ.get("PALAESTRA_DOCKER_BASE", "python:3.11-slim")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def why_not_docker() -> str | None:
    """Why the image cannot be built here, or ``None``."""
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    try:
        if docker("info", timeout=20).returncode != 0:
            return "no Docker engine answers"
    except subprocess.TimeoutExpired:
        return "the Docker engine does not answer"
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        return (
            f"the base image {BASE_IMAGE} is not on this engine and no registry is reachable: build one "
            "locally and name it in PALAESTRA_DOCKER_BASE (docs/integrations.md, Docker)"
        )
    return None


@pytest.mark.slow
def test_the_image_builds_and_serves_an_episode():
    reason = why_not_docker()
    if reason:
        pytest.skip(reason)
    from palaestra.serving.openenv import PalaestraEnvClient

    tag = f"palaestra-serve-env-test:{uuid.uuid4().hex[:8]}"
    arguments = ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    if any(WHEELS.glob("*.whl")):  # wheels put there for an offline build: install from them alone
        arguments += ["--build-arg", "PIP_OPTIONS=--no-index --find-links /opt/wheels"]
    build = docker("build", "-f", str(DOCKERFILE), *arguments, "-t", tag, str(ROOT), timeout=1200)
    assert build.returncode == 0, build.stderr[-3000:]
    name = tag.replace(":", "-")
    try:
        # the host's network, the server on its loopback: no bridge or port publishing needed
        port = free_port()
        served = ["--host", "127.0.0.1", "--port", str(port), "Snake-Text-v0"]  # over the image's defaults
        run = docker("run", "-d", "--name", name, "--network", "host", tag, *served)
        assert run.returncode == 0, run.stderr
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, docker("logs", name).stderr[-2000:]
                time.sleep(0.5)
        with PalaestraEnvClient(base_url=url).sync() as client:
            result = client.reset(seed=3)
        assert result.observation.text == gym.make("Snake-Text-v0").reset(seed=3)[0]
    finally:
        docker("rm", "-f", name)
        docker("image", "rm", "-f", tag)
