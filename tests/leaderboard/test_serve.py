"""``palaestra leaderboard serve`` serves the built folder on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

from board_helpers import make_runs

from palaestra.leaderboard import build_leaderboard


def test_serve_on_loopback(tmp_path):
    runs = make_runs(tmp_path / "runs")
    build_leaderboard([runs["expert"], runs["random"]], tmp_path / "out")
    cli = str(Path(sys.executable).with_name("palaestra"))
    server = subprocess.Popen(
        [cli, "leaderboard", "serve", str(tmp_path / "out"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == (tmp_path / "out" / "index.html").read_bytes()
        with urllib.request.urlopen(url + "leaderboard.csv", timeout=10) as response:
            assert response.read().startswith(b"suite,suite_version,agent")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_a_folder_without_a_leaderboard(tmp_path):
    cli = str(Path(sys.executable).with_name("palaestra"))
    result = subprocess.run(
        [cli, "leaderboard", "serve", str(tmp_path)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 2 and "has no index.html" in " ".join(result.stdout.split())
