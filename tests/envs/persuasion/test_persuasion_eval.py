"""A pair of agent specs evaluated against each other from the command line, and the leaderboard
showing both roles."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from palaestra.evaluation import custom_suite, evaluate, resume
from palaestra.leaderboard import build_leaderboard

ENV = {**os.environ, "COLUMNS": "200"}


def palaestra_command(*args):
    return subprocess.run(
        [sys.executable, "-m", "palaestra", *args], capture_output=True, text=True, timeout=300, env=ENV
    )


@pytest.mark.slow
def test_eval_takes_a_counterpart_and_records_it(tmp_path):
    result = palaestra_command(
        "eval", "--env", "Persuasion-Text-v0", "--episodes", "2", "--agent", "expert",
        "--counterpart", "listener=expert", "--out", str(tmp_path / "run"), "--no-progress",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["counterparts"] == {"listener": "expert"}
    records = [json.loads(line) for line in (tmp_path / "run" / "episodes.jsonl").open()]
    assert [r["role_scores"] for r in records] == [{"persuader": 0.0, "listener": 1.0}] * 2
    bad = palaestra_command(
        "eval", "--env", "Persuasion-Text-v0", "--agent", "expert", "--counterpart", "listener",
        "--out", str(tmp_path / "bad"),
    )  # fmt: skip
    assert bad.returncode == 2 and "is not ROLE=SPEC" in bad.stdout and not (tmp_path / "bad").exists()


def test_the_leaderboard_shows_both_roles(tmp_path):
    suite = custom_suite(["Persuasion-Text-v0", "Snake-Text-v0"], 2, {})
    evaluate(tmp_path / "runs" / "alone", suite, "expert", show_progress=False)
    evaluate(
        tmp_path / "runs" / "pair",
        custom_suite(["Persuasion-Text-v0"], 2, {}),
        "expert",
        counterparts={"listener": "expert"},
        show_progress=False,
    )
    boards = build_leaderboard([tmp_path / "runs"], tmp_path / "board")
    assert [b.roles for b in boards] == [
        [("Persuasion-Text-v0", "listener"), ("Persuasion-Text-v0", "persuader")]
    ] * 2
    markdown = (tmp_path / "board" / "leaderboard.md").read_text()
    assert "Persuasion-Text-v0 listener | Persuasion-Text-v0 persuader" in markdown
    pair_row = next(line for line in markdown.splitlines() if "vs listener=expert" in line)
    assert "| 100.0 | 0.0 |" in pair_row  # the honest listener always wins
    rows = list(csv.DictReader(io.StringIO((tmp_path / "board" / "leaderboard.csv").read_text())))
    roles = {(r["agent"], r["name"]): float(r["score"]) for r in rows if r["scope"] == "role"}
    assert roles[("expert vs listener=expert", "Persuasion-Text-v0 listener")] == 1.0
    html = (tmp_path / "board" / "index.html").read_text()
    assert "Persuasion-Text-v0 persuader</th>" in html


def test_a_resumed_run_plays_the_same_pair(tmp_path):
    suite = custom_suite(["Persuasion-Text-v0"], 2, {"difficulty": "hard"})
    evaluate(tmp_path / "run", suite, "expert", counterparts={"listener": "expert"}, show_progress=False)
    episodes = tmp_path / "run" / "episodes.jsonl"
    episodes.write_text(episodes.read_text().splitlines()[0] + "\n")  # as if killed after one episode
    outcome = resume(tmp_path / "run", show_progress=False)
    assert outcome.remaining == 0 and outcome.metrics.episodes == 2
    records = [json.loads(line) for line in episodes.open()]
    assert [r["role_scores"] for r in records] == [{"persuader": 0.0, "listener": 1.0}] * 2


def test_the_listener_can_be_the_evaluated_agent_against_a_persuader_spec(tmp_path):
    suite = custom_suite(["Persuasion-Text-v0"], 2, {"role": "listener", "difficulty": "hard"})
    outcome = evaluate(
        tmp_path / "run", suite, "expert", counterparts={"persuader": "expert"}, show_progress=False
    )
    records = [json.loads(line) for line in (tmp_path / "run" / "episodes.jsonl").open()]
    assert [(r["success"], r["score"]) for r in records] == [(True, 1.0)] * 2  # the listener's own
    assert outcome.metrics.envs["Persuasion-Text-v0"].role_scores == {"listener": 1.0, "persuader": 0.0}
