"""Which runs a leaderboard reads: runs nested in the folders given (as bench writes them), each once;
a run with no finished episode is left out with a warning; a folder holding no run is an error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from palaestra.bench import bench
from palaestra.evaluation import ResultStore, RunDirError, custom_suite, evaluate, read_meta
from palaestra.leaderboard import EmptyRunWarning, build_leaderboard


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``runs/`` as a user has it after `palaestra bench`, a `palaestra eval` and a run killed before
    its first episode ended: ``bench/{random,expert,leaderboard}``, ``plain`` and ``empty``."""
    root = tmp_path_factory.mktemp("runs")
    suite = custom_suite(["Snake-Text-v0"], 2)
    bench(suite, root / "bench", specs=("random", "expert"), show_progress=False)
    evaluate(root / "plain", suite=suite, spec="random", label="plain", show_progress=False)
    ResultStore.create(root / "empty", read_meta(root / "plain")).close()
    return root


def run_folders(boards):
    return sorted(str(run.run_dir) for board in boards for run in board.runs)


def test_runs_nested_in_a_folder_are_found(runs, tmp_path):
    boards = build_leaderboard([runs / "bench", runs / "plain"], tmp_path)
    # bench's own leaderboard folder holds no run and is passed over
    assert run_folders(boards) == [
        str(runs / "bench" / "expert"),
        str(runs / "bench" / "random"),
        str(runs / "plain"),
    ]


def test_runs_are_found_at_any_depth_and_counted_once(runs, tmp_path):
    deep = tmp_path / "a" / "b" / "c" / "plain"
    shutil.copytree(runs / "plain", deep)
    (tmp_path / "a" / "random").symlink_to(runs / "bench" / "random")  # one run under two names
    boards = build_leaderboard([tmp_path / "a", deep, runs / "bench"], tmp_path / "out")
    assert run_folders(boards) == sorted(
        [str(deep), str(tmp_path / "a" / "random"), str(runs / "bench" / "expert")]
    )


def test_a_run_with_no_finished_episode_is_left_out_with_a_warning(runs, tmp_path):
    with pytest.warns(EmptyRunWarning, match=rf"^{runs / 'empty'} has no finished episodes yet; left off"):
        boards = build_leaderboard([runs / "plain", runs / "empty"], tmp_path)
    assert run_folders(boards) == [str(runs / "plain")]
    assert str(runs / "empty") not in (tmp_path / "leaderboard.csv").read_text()


def test_only_empty_runs_is_an_error_naming_each(runs, tmp_path):
    (tmp_path / "killed").mkdir()
    shutil.copy(runs / "plain" / "meta.json", tmp_path / "killed")  # no episodes.jsonl at all
    expected = f"no run to rank: {runs / 'empty'} has no finished episodes yet; {tmp_path / 'killed'} has no"
    with pytest.raises(RunDirError, match=re.escape(expected)):
        build_leaderboard([runs / "empty", tmp_path / "killed"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_path_holding_no_run_is_an_error(runs, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("rerun expert\n")
    with pytest.raises(
        RunDirError, match=rf"^{tmp_path / 'notes'} is not a run folder and holds none: no meta.json"
    ):
        build_leaderboard([runs / "plain", tmp_path / "notes"], tmp_path / "out")
    with pytest.raises(RunDirError, match=r"todo.txt is not a run folder: it is not a folder$"):
        build_leaderboard([tmp_path / "notes" / "todo.txt"], tmp_path / "out")
    with pytest.raises(RunDirError, match=r"gone is not a run folder: it does not exist$"):
        build_leaderboard([tmp_path / "gone"], tmp_path / "out")
    with pytest.raises(ValueError, match="no run folders given"):
        build_leaderboard([], tmp_path / "out")


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "palaestra", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def agents_in_table(stdout: str) -> list[str]:
    """The agent cells of the printed ranking (the first table; per-family tables follow it)."""
    ranking = stdout.split("└", 1)[0]
    return [line.split("│")[2].strip() for line in ranking.splitlines() if line.startswith("│")]


def test_cli_builds_from_every_run_under_a_glob_and_warns_once_per_empty_run(runs, tmp_path):
    result = cli(
        "leaderboard", "build", *sorted(str(path) for path in runs.iterdir()), "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {runs / 'empty'} has no finished episodes yet; left off the leaderboard"]
    assert sorted(agents_in_table(result.stdout)) == ["expert", "plain", "random"]
    assert (tmp_path / "index.html").is_file()


def test_cli_refuses_a_folder_holding_no_run(tmp_path):
    (tmp_path / "runs").mkdir()
    result = cli("leaderboard", "build", str(tmp_path / "runs"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert " ".join(result.stdout.split()) == (
        f"error: {tmp_path / 'runs'} is not a run folder and holds none: no meta.json in it or in any "
        "folder below it"
    )
    assert not (tmp_path / "out").exists()


def test_cli_searches_a_folder_that_links_back_to_itself_once(runs, tmp_path):
    shutil.copytree(runs / "plain", tmp_path / "runs" / "plain")
    for name in ("again", "and-again"):  # followed blindly, two links make 2**40 paths before ELOOP
        (tmp_path / "runs" / name).symlink_to(tmp_path / "runs")
    result = cli("leaderboard", "build", str(tmp_path / "runs"), "--out", str(tmp_path / "out"), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert agents_in_table(result.stdout) == ["plain"]
