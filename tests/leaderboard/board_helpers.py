"""Run folders for the leaderboard tests, made by real (short) evaluations."""

from __future__ import annotations

from pathlib import Path

from palaestra.evaluation import custom_suite, evaluate

XSS_LABEL = "<script>alert(1)</script>"


def make_runs(root: Path) -> dict[str, Path]:
    """Three runs of one suite (expert, random, an agent with a hostile name) and one of another suite."""
    suite = custom_suite(["SnakeDecision-Text-v0", "Snake-Text-v0"], 3)
    other = custom_suite(["Snake-Text-v0"], 2)
    runs = {
        "expert": (suite, "expert", None),
        "random": (suite, "random", None),
        "xss": (suite, "expert", XSS_LABEL),
        "other": (other, "random", None),
    }
    paths = {}
    for name, (chosen, spec, label) in runs.items():
        paths[name] = root / name
        evaluate(paths[name], suite=chosen, spec=spec, label=label, show_progress=False)
    return paths
