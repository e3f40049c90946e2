"""docs/reproducing.md's recipe works: a copy of a run's meta.json, resumed, plays the same episodes."""

import json
import shutil

from palaestra.evaluation import custom_suite, evaluate, resume
from palaestra.leaderboard import build_leaderboard


def episodes(run_dir):
    lines = (run_dir / "episodes.jsonl").read_text().splitlines()
    records = sorted((json.loads(line) for line in lines), key=lambda r: (r["env_id"], r["seed"]))
    return [(r["env_id"], r["seed"], r["score"], r["steps"], r["trajectory"]) for r in records]


def test_resuming_a_copy_of_meta_json_replays_the_run_and_shares_its_table(tmp_path):
    original = tmp_path / "original"
    suite = custom_suite(["Sokoban-Text-v0", "Household-Text-v0"], 2, {"difficulty": "easy"})
    evaluate(original, suite, "expert", show_progress=False)
    copy = tmp_path / "repro"
    copy.mkdir()
    shutil.copy(original / "meta.json", copy)
    resume(copy, show_progress=False)
    assert episodes(copy) == episodes(original)
    boards = build_leaderboard([original, copy], tmp_path / "board")
    assert [len(board.runs) for board in boards] == [2]  # one suite version: both rows in one table
