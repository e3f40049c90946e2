"""Leaderboards built from run folders: static HTML, Markdown and CSV, and a local server.

from palaestra.leaderboard import build_leaderboard

build_leaderboard(["runs/quick-expert-...", "runs/quick-random-..."], "leaderboard")
"""

from palaestra.leaderboard.build import build_leaderboard, load_boards
from palaestra.leaderboard.load import EmptyRunWarning, RunEntry
from palaestra.leaderboard.rank import Board, table_rows
from palaestra.leaderboard.render import terminal_table
from palaestra.leaderboard.serve import leaderboard_server

__all__ = [
    "Board",
    "EmptyRunWarning",
    "RunEntry",
    "build_leaderboard",
    "leaderboard_server",
    "load_boards",
    "table_rows",
    "terminal_table",
]
