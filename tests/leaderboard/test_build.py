"""Leaderboard files from real runs: grouping by suite version, Markdown and CSV content, escaping."""

from __future__ import annotations

import csv
import io
import json

import pytest
from board_helpers import XSS_LABEL, make_runs

from palaestra.evaluation import CorruptRecordError, RunDirError, custom_suite, evaluate, read_meta
from palaestra.leaderboard import build_leaderboard


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return make_runs(tmp_path_factory.mktemp("runs"))


def test_only_runs_of_one_suite_version_share_a_board(runs, tmp_path):
    boards = build_leaderboard(list(runs.values()), tmp_path)
    assert len(boards) == 2
    by_version = {board.suite_version: board for board in boards}
    main = by_version[read_meta(runs["expert"])["suite"]["version"]]
    assert {run.run_dir for run in main.runs} == {runs["expert"], runs["random"], runs["xss"]}
    assert main.runs[-1].label == "random"  # ranked by suite score: the expert runs first
    other = by_version[read_meta(runs["other"])["suite"]["version"]]
    assert [run.run_dir for run in other.runs] == [runs["other"]]


def test_a_partial_run_ranks_below_complete_ones_whatever_its_score(runs, tmp_path):
    import shutil

    partial = tmp_path / "partial-expert"
    shutil.copytree(runs["expert"], partial)
    episodes = partial / "episodes.jsonl"
    episodes.write_text("".join(episodes.read_text().splitlines(keepends=True)[:2]))  # 2 of 6 episodes
    (board,) = [b for b in build_leaderboard([partial, runs["random"]], tmp_path / "out")]
    assert [run.run_dir for run in board.runs] == [runs["random"], partial]
    assert board.runs[1].metrics.suite.mean > board.runs[0].metrics.suite.mean  # outscored, yet below


def test_markdown_has_every_run_and_escapes_labels(runs, tmp_path):
    build_leaderboard(list(runs.values()), tmp_path)
    text = (tmp_path / "leaderboard.md").read_text()
    assert text.count("\n## custom ") == 2
    assert "<script>" not in text and "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in text
    version = read_meta(runs["expert"])["suite"]["version"]
    section = text.split(f"## custom {version}")[1].split("\n## ")[0]
    rows = [
        line.split(" | ") for line in section.splitlines() if line.startswith("| ") and "rank" not in line
    ]
    # Ties keep a stable order by label; the random agent ranks last.
    assert [(row[0], row[1]) for row in rows] == [
        ("| 1", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ("| 2", "expert"),
        ("| 3", "random"),
    ]
    assert rows[0][2] == rows[1][2] != rows[2][2]  # equal scores for the two expert runs


def test_csv_rows_match_the_metrics_and_neutralise_formulas(runs, tmp_path):
    formula = tmp_path / "formula"
    evaluate(
        formula,
        suite=custom_suite(["Snake-Text-v0"], 2),
        spec="random",
        label='=HYPERLINK("x")',
        show_progress=False,
    )
    build_leaderboard([*runs.values(), formula], tmp_path / "board")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "board" / "leaderboard.csv").read_text())))
    labels = {row["agent"] for row in rows}
    assert {"expert", "random", XSS_LABEL, '\'=HYPERLINK("x")'} == labels
    env_rows = [r for r in rows if r["scope"] == "env" and r["run"] == str(runs["random"])]
    records = [json.loads(line) for line in (runs["random"] / "episodes.jsonl").read_text().splitlines()]
    for row in env_rows:
        scores = [r["score"] for r in records if r["env_id"] == row["name"]]
        assert float(row["score"]) == pytest.approx(sum(scores) / len(scores))
        assert float(row["score_low"]) <= float(row["score"]) <= float(row["score_high"])
        assert int(row["episodes"]) == 3


def test_bad_runs_give_errors_naming_the_problem(runs, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text((runs["random"] / "meta.json").read_text())
    lines = (runs["random"] / "episodes.jsonl").read_text().splitlines()
    (broken / "episodes.jsonl").write_text(lines[0] + "\n{oops\n" + lines[1] + "\n")
    with pytest.raises(CorruptRecordError, match=rf"{broken / 'episodes.jsonl'}:2: not valid JSON"):
        build_leaderboard([broken], tmp_path / "out")
    mixed = json.loads(lines[0])
    mixed["suite_version"] = "9.bad"
    (broken / "episodes.jsonl").write_text(json.dumps(mixed) + "\n")
    with pytest.raises(RunDirError, match=r"episodes.jsonl:1: a record of suite custom 9.bad"):
        build_leaderboard([broken], tmp_path / "out")
    with pytest.raises(RunDirError, match="is not a run folder"):
        build_leaderboard([tmp_path / "nothing"], tmp_path / "out")
