"""benchmarks/sandbox_latency.py still runs (its figures are quoted in reports): a brief run."""

import subprocess
import sys
from pathlib import Path

import pytest

from palaestra.sandboxes import available_backends

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "sandbox_latency.py"


@pytest.mark.usefixtures("host_unaffected")
def test_the_latency_benchmark_prints_its_tables():
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "2", "--sessions", "2", "--seconds", "0.2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=SCRIPT.parents[1],
    )
    assert completed.returncode in (0, 1), completed.stderr  # 1: a target missed on this machine
    lines = completed.stdout.splitlines()
    for backend in available_backends():
        assert sum(line.startswith(f"| {backend} | ") for line in lines) == 2  # latency and throughput
