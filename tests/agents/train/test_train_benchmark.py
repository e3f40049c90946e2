"""benchmarks/train_step.py still runs against the trainer (its figures are quoted in docs/training.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "train_step.py"


@pytest.mark.slow
def test_the_benchmark_prints_its_figures_and_baselines(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("benchmarks_train_step", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["train_step.py", "--steps", "1", "--groups", "1", "--group-size", "2", "--max-turns", "2"]
    monkeypatch.setattr(sys, "argv", [*argv, "--max-new-tokens", "4", "--history-turns", "0"])
    assert module.main() == 0
    out = capsys.readouterr().out
    assert "rollout tokens/s" in out and "s per update" in out
    assert "rollout/bare" in out and "update/bare" in out


@pytest.mark.slow
def test_the_benchmark_runs_a_bundled_policys_architecture(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("benchmarks_train_step", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["train_step.py", "--policy", "snake-text-grpo", "--steps", "1", "--groups", "1"]
    monkeypatch.setattr(sys, "argv", [*argv, "--group-size", "2", "--max-turns", "2"])
    assert module.main() == 0
    out = capsys.readouterr().out
    assert "snake-text-grpo policy architecture: 9" in out and "history 0" in out  # ~0.9M parameters
