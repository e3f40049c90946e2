"""The search benchmark still runs (its figures are quoted in docs/envs/claims.md)."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "search_latency.py"


@pytest.mark.slow
def test_the_search_benchmark_prints_its_figures():
    small = ["--passages", "3000", "--queries", "20", "--scans", "2", "--episodes", "5"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *small], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for figure in ("search[...] p50", "linear scan p50", "load from disk cache", "steps/s"):
        assert figure in result.stdout
    assert "user corpus (JSONL): 3000 passages" in result.stdout
