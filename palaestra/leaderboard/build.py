"""Leaderboards from run folders: ``index.html``, ``leaderboard.md`` and ``leaderboard.csv``.

Loading (``load``), ranking (``rank``) and the formats (``render``) are modules of their own; this
one joins them and writes the files.
"""

from __future__ import annotations

from pathlib import Path

from palaestra.leaderboard.load import load_runs
from palaestra.leaderboard.rank import Board, group_boards
from palaestra.leaderboard.render import render_csv, render_html, render_markdown

HTML_FILE = "index.html"
MARKDOWN_FILE = "leaderboard.md"
CSV_FILE = "leaderboard.csv"


def load_boards(run_dirs: list[str | Path]) -> list[Board]:
    """The boards of the runs in ``run_dirs``: run folders, or folders holding runs at any depth."""
    return group_boards(load_runs(run_dirs))


def build_leaderboard(run_dirs: list[str | Path], out_dir: str | Path) -> list[Board]:
    """Write ``index.html``, ``leaderboard.md`` and ``leaderboard.csv`` for the runs in ``run_dirs``
    (run folders, or folders holding runs at any depth) into ``out_dir``.

    A run with no finished episode yet is left out with an ``EmptyRunWarning``.
    """
    boards = load_boards(run_dirs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / HTML_FILE).write_text(render_html(boards), encoding="utf-8")
    (out_dir / MARKDOWN_FILE).write_text(render_markdown(boards), encoding="utf-8")
    (out_dir / CSV_FILE).write_text(render_csv(boards), encoding="utf-8", newline="")
    return boards
