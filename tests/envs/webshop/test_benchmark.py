"""``benchmarks/webshop_search.py`` still runs against the current env (docs/envs/webshop.md quotes it)."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("rapidfuzz")
pytest.importorskip("bm25s")

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "webshop_search.py"


@pytest.mark.slow
def test_the_benchmark_runs_and_meets_its_search_target(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))  # restored after the script sets its own
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts benchmarks/ on it
    spec = importlib.util.spec_from_file_location("webshop_search_benchmark", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    code = script.main(["--queries", "20", "--scans", "2", "--seconds", "0.05", "--episodes", "3"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "generated catalogue: 10,000 products" in printed
    assert "same top 10 as the scan 2/2 queries" in printed
    assert printed.count("success 100.0%") == 3
