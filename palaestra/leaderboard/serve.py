"""``palaestra leaderboard serve DIR``: serve a built leaderboard folder over HTTP on 127.0.0.1 only."""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from palaestra.leaderboard.build import HTML_FILE

HOST = "127.0.0.1"  # never another interface: a leaderboard is shared by publishing its files


def leaderboard_server(directory: str | Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server (not yet serving) for ``directory``; ``port=0`` picks a free port (see ``server_port``)."""
    directory = Path(directory)
    if not (directory / HTML_FILE).is_file():
        raise FileNotFoundError(
            f"{directory} has no {HTML_FILE}; "
            f"build it with `palaestra leaderboard build RUN_DIR... --out {directory}`"
        )
    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    return ThreadingHTTPServer((HOST, port), handler)
