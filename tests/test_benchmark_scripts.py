"""The benchmark scripts still run against the current envs (their figures are quoted in the docs)."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look it up
    spec.loader.exec_module(module)
    return module


vs_peers = _load("vs_peers")  # imports the peers (TextArena, GEM) only when measuring them


@pytest.mark.parametrize("game", vs_peers.GAMES, ids=lambda game: game.name)
def test_vs_peers_plays_palaestra_on_the_shared_setting_and_the_default(game):
    for runner in (game.ours(**game.settings), game.ours()):
        assert vs_peers.measure(runner, seconds=0.05) > 0


def test_expert_rates_prints_a_row_per_preset():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "expert_rates.py"), "Rotation-Text-v0", "--seeds", "3"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = result.stdout.splitlines()
    assert rows[0] == "| setting | expert | random |"
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        f"| difficulty={d}" for d in ("easy", "medium", "hard")
    ]
    assert all(" | 1.00 (1.000) " in row for row in rows[2:])  # the expert knows every answer


def test_expert_speed_prints_each_games_time_per_move_and_the_total():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "expert_speed.py"), "Sokoban-Text-v0", "--seeds", "2"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = result.stdout.splitlines()
    assert [row.split(":")[0] for row in rows] == ["seed 0", "seed 1", "all"]
    moves = [int(re.search(r": (\d+) moves, [\d.]+ ms a move$", row)[1]) for row in rows]
    assert moves[2] == moves[0] + moves[1] > 0
