"""The serve-env image: built and served when a Docker engine answers and has the base image."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import gymnasium as gym
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "serve-env.Dockerfile"
BASE_IMAGE = os.environ.get("PALAESTRA_DOCKER_BASE", "python:3.11-slim")


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
    build = docker(
        "build",
        "-f",
        str(DOCKERFILE),
        "--build-arg",
        f"BASE_IMAGE={BASE_IMAGE}",
        "-t",
        tag,
        str(ROOT),
        timeout=1200,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    name = tag.replace(":", "-")
    try:
        run = docker("run", "-d", "--rm", "--name", name, "-p", "127.0.0.1::8000", tag, "Snake-Text-v0")
        assert run.returncode == 0, run.stderr
        host_port = docker("port", name, "8000").stdout.split()[0]
        url = f"http://{host_port}"
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
