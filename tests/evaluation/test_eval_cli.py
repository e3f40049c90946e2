"""The eval, suites and bench commands as a user runs them (the installed console script)."""

from __future__ import annotations

import json

from eval_helpers import run_cli


def test_suites_lists_every_suite():
    result = run_cli("suites")
    assert result.returncode == 0, result.stderr
    for name in ("quick", "core", "arcade"):
        assert name in result.stdout


def test_eval_writes_a_run_folder_with_the_meta_of_design(tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "eval",
        "--env",
        "SnakeDecision-Text-v0",
        "--episodes",
        "3",
        "--agent",
        "random",
        "--out",
        str(run),
        "--no-progress",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((run / "meta.json").read_text())
    assert meta["suite"]["envs"] == [
        {
            "env_id": "SnakeDecision-Text-v0",
            "family": "arcade",
            "kwargs": {"split": "test"},
            "seeds": [0, 1, 2],
        }
    ]
    assert meta["agent"] == {"spec": "random", "label": "random", "options": {}}
    assert {"python", "palaestra", "gymnasium"} <= set(meta["packages"])
    assert meta["started_at"] and "git_commit" in meta and meta["settings"]["backend"] == "asyncio"
    lines = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]
    assert sorted(line["seed"] for line in lines) == [0, 1, 2]
    assert {(line["suite"], line["suite_version"]) for line in lines} == {
        ("custom", meta["suite"]["version"])
    }
    assert "SnakeDecision-Text-v0" in result.stdout and "suite" in result.stdout


def test_eval_rejects_bad_input_with_a_clear_message(tmp_path):
    result = run_cli("eval", "--suite", "nope", "--agent", "random", "--out", str(tmp_path / "a"))
    assert result.returncode == 2 and "unknown suite 'nope'" in result.stdout
    result = run_cli(
        "eval", "--suite", "quick", "--agent", "nobody", "--out", str(tmp_path / "b"), "--no-progress"
    )
    assert result.returncode == 2 and "unknown agent spec 'nobody'" in result.stdout
    result = run_cli("eval", "--resume", str(tmp_path / "missing"))
    assert result.returncode == 2 and "has no meta.json" in result.stdout
    result = run_cli(
        "eval",
        "--suite",
        "quick",
        "--agent",
        "random",
        "--agent-option",
        "oops",
        "--out",
        str(tmp_path / "c"),
    )
    assert result.returncode == 2 and "is not KEY=VALUE" in result.stdout


def test_bench_runs_quick_with_random_and_expert_and_prints_the_table(tmp_path):
    result = run_cli("bench", "--out", str(tmp_path / "bench"), "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    expert = next(i for i, line in enumerate(lines) if "│ expert" in line)
    random = next(i for i, line in enumerate(lines) if "│ random" in line)
    assert expert < random  # ranked: the expert beats random
    for name in ("index.html", "leaderboard.md", "leaderboard.csv"):
        assert (tmp_path / "bench" / "leaderboard" / name).is_file()
    rerun = run_cli("bench", "--out", str(tmp_path / "bench"), "--no-progress")  # resumes: nothing to do
    assert rerun.returncode == 0 and (tmp_path / "bench" / "expert" / "meta.json").is_file()
