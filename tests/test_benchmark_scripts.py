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
    shared = vs_peers.measure(game.runners()["palaestra"](), seconds=0.05)
    assert shared.ticks > 0 and shared.episodes > 0
    assert vs_peers.measure(game.ours(), seconds=0.05).ticks > 0


def test_a_palaestra_episode_ends_at_the_shared_cap():
    sokoban = next(game for game in vs_peers.GAMES if game.name == "Sokoban")
    runner = sokoban.runners()["palaestra"]()
    runner.start(0)
    moves = 1
    while not runner.move(runner.legal()[0]):  # the first legal move, over and over, solves nothing
        moves += 1
    assert moves == sokoban.ticks


@pytest.mark.parametrize("game", vs_peers.GAMES, ids=lambda game: game.name)
@pytest.mark.parametrize("peer", ["TextArena", "GEM"])
def test_vs_peers_plays_each_peer_to_the_same_cap(game, peer):
    """A peer's episodes last at most the shared cap of world ticks (TextArena's max_turns is off by one)."""
    module = {"TextArena": "textarena", "GEM": "gem"}[peer]
    pytest.importorskip(module)
    make = game.runners()[peer]
    if make is None:
        pytest.skip(f"{peer} has no {game.name}")
    runner = make()
    lengths = []
    for episode in range(3):
        runner.start(episode)
        ticks, over = 0, False
        while not over:
            over = runner.move(runner.legal()[0])
            ticks += runner.ticked()
        lengths.append(ticks)
    assert all(0 < ticks <= game.ticks for ticks in lengths)
    if game.name == "Sokoban":  # the first legal move, over and over, solves nothing: play to the cap
        assert lengths == [game.ticks] * 3


def test_textarena_snake_counts_a_round_of_both_players_as_one_tick():
    pytest.importorskip("textarena")
    snake = next(game for game in vs_peers.GAMES if game.name == "Snake")
    runner = snake.runners()["TextArena"]()
    runner.start(0)
    assert runner.move("[up]") is False
    assert not runner.ticked()  # player 0 moved: the world waits for player 1
    runner.move("[down]")
    assert runner.ticked()  # both moved: one world tick


def test_the_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    game = vs_peers.GAMES[0]
    result = vs_peers.Result(game, {"palaestra": 30000.0, "TextArena": 9000.0, "GEM": "no such game"}, {})
    assert result.ratio == pytest.approx(30000 / 9000)
    vs_peers.plot([result], tmp_path / "plot.png", "caption")
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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
