"""Leaderboards built from run folders: static HTML, Markdown and CSV, and a local server.

from palaestra.leaderboard import build_leaderboard

build_leaderboard(["runs/quick-expert-...", "runs/quick-random-..."], "leaderboard")
"""

from palaestra.leaderboard.build import (
    Board,
    RunEntry,
    build_leaderboard,
    load_boards,
    table_rows,
    terminal_table,
)
from palaestra.leaderboard.serve import leaderboard_server

__all__ = [
    "Board",
    "RunEntry",
    "build_leaderboard",
    "leaderboard_server",
    "load_boards",
    "table_rows",
    "terminal_table",
]
