"""benchmarks/prover_latency.py still runs (its figures are quoted in docs/formal.md)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "prover_latency.py"


@pytest.mark.slow
def test_prints_both_p50s_warm_against_a_fresh_coqc():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "2", "--pool-size", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    pattern = r"{} p50: warm [\d.]+ ms, fresh coqc [\d.]+ ms: [\d.]+x faster warm"
    assert re.fullmatch(pattern.format("tactic round trip"), lines[0]), lines
    assert re.fullmatch(pattern.format("whole-proof check"), lines[1]), lines
    assert re.fullmatch(r"the same proof again p50: [\d.]+ ms \(answered from coq.CHECKED\)", lines[2]), lines
