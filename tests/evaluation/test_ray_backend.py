"""``--backend ray`` on a real local Ray cluster that the test starts (and stops) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from eval_helpers import cli_env, run_cli

RAY = str(Path(sys.executable).with_name("ray"))
ARGS = (
    "eval",
    "--env",
    "Snake-Text-v0",
    "--episodes",
    "6",
    "--agent",
    "expert",
    "--concurrency",
    "3",
    "--no-progress",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ray_address():
    assert Path(RAY).exists(), "Ray is not installed: pip install 'palaestra[ray]' (the Makefile installs it)"
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="pray", dir="/tmp")  # short: Ray's socket paths have a length limit
    started = subprocess.Popen(
        [
            RAY,
            "start",
            "--head",
            f"--port={port}",
            "--num-cpus=1",
            "--node-ip-address=127.0.0.1",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli_env(),
        start_new_session=True,  # its daemons keep this process group, so teardown can stop exactly them
    )
    output, _ = started.communicate(timeout=120)
    assert started.returncode == 0, output
    yield f"127.0.0.1:{port}"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(started.pid, sig)
        except ProcessLookupError:
            break
        time.sleep(1)
    shutil.rmtree(temp_dir, ignore_errors=True)


def records_without_time(run: Path) -> list[dict]:
    lines = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]
    for line in lines:
        del line["seconds"]
    return sorted(lines, key=lambda line: line["episode"])


def test_ray_run_streams_the_same_records_as_a_local_run(tmp_path, ray_address):
    ray_run, local_run = tmp_path / "ray", tmp_path / "local"
    result = run_cli(*ARGS, "--backend", "ray", "--ray-address", ray_address, "--out", str(ray_run))
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_cli(*ARGS, "--out", str(local_run)).returncode == 0
    assert records_without_time(ray_run) == records_without_time(local_run)
    assert json.loads((ray_run / "meta.json").read_text())["settings"]["backend"] == "ray"


def test_ray_resume_skips_finished_episodes(tmp_path, ray_address):
    run = tmp_path / "ray"
    assert run_cli(*ARGS, "--out", str(run)).returncode == 0
    lines = (run / "episodes.jsonl").read_text().splitlines()
    (run / "episodes.jsonl").write_text("\n".join(lines[:2]) + "\n")  # as if stopped after two episodes
    result = run_cli(
        "eval", "--resume", str(run), "--backend", "ray", "--ray-address", ray_address, "--no-progress"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    episodes = sorted(
        json.loads(line)["episode"] for line in (run / "episodes.jsonl").read_text().splitlines()
    )
    assert episodes == list(range(6))
