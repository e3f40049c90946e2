"""The serve-env image: built and served when a Docker engine answers and has the base image.

Where ``PALAESTRA_DOCKER_BASE`` names the base image (as ``.ci/run`` does, after making one with
``docker/local-python-base.sh``), a build that cannot run fails instead of skipping."""

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
BASE_IMAGE_REQUIRED = "PALAESTRA_DOCKER_BASE" in os.environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def health(container: str) -> str:
    """The container's health as its engine reports it: starting, healthy or unhealthy."""
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()


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
    if reason and BASE_IMAGE_REQUIRED:
        pytest.fail(f"PALAESTRA_DOCKER_BASE names {BASE_IMAGE}, but the image cannot be built: {reason}")
    if reason:
        pytest.skip(reason)
    from palaestra.serving.openenv import PalaestraEnvClient

    tag = f"palaestra-serve-env-test:{uuid.uuid4().hex[:8]}"
    # --no-compile: no bytecode for the ~100 packages, a third less build time and image
    pip_options = "--no-compile"
    if any(WHEELS.glob("*.whl")):  # wheels put there for an offline build: install from them alone
        pip_options += " --no-index --find-links /opt/wheels"
    arguments = ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "--build-arg", f"PIP_OPTIONS={pip_options}"]
    # the host's network: pip in the build reaches the index the host reaches (an engine started
    # with --bridge=none, as scripts/start-docker.sh does, has no other)
    build = docker(
        "build", "--network", "host", "-f", str(DOCKERFILE), *arguments, "-t", tag, str(ROOT), timeout=1200
    )
    assert build.returncode == 0, build.stderr[-3000:]
    name = tag.replace(":", "-")
    try:
        # the host's network, the server on its loopback: no bridge or port publishing needed
        port = free_port()
        served = ["--host", "127.0.0.1", "--port", str(port), "Snake-Text-v0"]  # over the image's defaults
        run = docker(
            "run", "-d", "--name", name, "--network", "host", "--health-interval", "1s", tag, *served
        )
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
        local = gym.make("Snake-Text-v0")
        with PalaestraEnvClient(base_url=url).sync() as client:
            result = client.reset(seed=3)
            assert result.observation.text == local.reset(seed=3)[0]
            for move in ["<action>up</action>", "<action>left</action>", "sideways"]:
                result = client.step(move)
                observation, reward, terminated, _, info = local.step(move)
                assert (result.observation.text, result.reward) == (observation, reward)
                assert result.observation.info.get("action_error") == info.get("action_error")
                if terminated:
                    break
        # the image's health check finds the server on the port given over the image's default
        deadline = time.monotonic() + 30
        while (status := health(name)) != "healthy" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == "healthy", docker("inspect", "--format", "{{json .State.Health.Log}}", name).stdout
    finally:
        docker("rm", "-f", name)
        docker("image", "rm", "-f", tag)
