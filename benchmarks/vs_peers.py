"""Steps per second of palaestra's arcade games against the same games in TextArena and GEM.

Run (after ``pip install -e ".[bench]"``, which installs textarena and gem-llm)::

    .venv/bin/python benchmarks/vs_peers.py            # about 3 seconds of play per env
    .venv/bin/python benchmarks/vs_peers.py --seconds 1

Every env is driven the same way, in one process on one machine: random legal actions sent as text
through its public API, episode after episode, with the resets counted. palaestra envs are made with
``gymnasium.make`` (so Gymnasium's wrappers are included) and take their legal actions from
``info["valid_actions"]``. TextArena and GEM publish no list of legal actions, so the driver reads
their game state to pick one (for 2048, a move that changes the board; for Minesweeper, a hidden
cell): that reading is the driver's work, not the env's, so the clock runs only inside the envs'
own calls (``reset``, ``step`` and, for TextArena, ``get_observation``). Minesweeper is played with
reveals only, since the peers' flags differ (a toggle in GEM, none in TextArena).

The configurations are each project's standard ones for the game: palaestra's default difficulty,
TextArena's ``<Game>-v0`` (the standard 10x10 Snake, with two players since TextArena's Snake needs
two), and the GEM registration closest to them. The ratio column divides palaestra's steps/s by the
faster peer's. The vision variants (256x256 RGB images) are measured the same way.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym

import palaestra

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

_DIRECTIONS = ("up", "down", "left", "right")


@dataclass
class Runner:
    """One env behind a uniform driver interface; only ``reset`` and ``step`` are timed."""

    reset: Callable[[int], None]
    step: Callable[[str], bool]  # returns whether the episode ended
    legal: Callable[[], list[str]]


def measure(runner: Runner, seconds: float, seed: int = 0) -> float:
    """Steps per second spent inside the env, whole episodes and their resets included."""
    choose = random.Random(seed).choice
    clock = time.perf_counter
    start = clock()
    runner.reset(0)
    inside = clock() - start
    steps = episodes = 0
    while inside < seconds:
        action = choose(runner.legal())
        start = clock()
        done = runner.step(action)
        inside += clock() - start
        steps += 1
        if done:
            episodes += 1
            start = clock()
            runner.reset(episodes)
            inside += clock() - start
    return steps / inside


# -- palaestra -----------------------------------------------------------------------------------
def palaestra_runner(env_id: str, only: str | None = None) -> Runner | None:
    """A palaestra env through gymnasium; ``only`` keeps the legal actions that start with it."""
    if env_id not in {entry.id for entry in palaestra.registered_envs()}:
        return None
    env = gym.make(env_id)
    state = {}

    def reset(seed: int) -> None:
        state["info"] = env.reset(seed=seed)[1]

    def step(action: str) -> bool:
        _, _, terminated, truncated, state["info"] = env.step(action)
        return terminated or truncated

    def legal() -> list[str]:
        actions = state["info"]["valid_actions"]
        return [a for a in actions if a.startswith(only)] if only else actions

    return Runner(reset, step, legal)


# -- TextArena -----------------------------------------------------------------------------------
def textarena_runner(env_id: str, players: int, legal: Callable[[object], list[str]]) -> Runner:
    import textarena as ta

    env = ta.make(env_id)

    def reset(seed: int) -> None:
        env.reset(num_players=players, seed=seed)

    def step(action: str) -> bool:
        env.get_observation()
        done, _ = env.step(action)
        if done:
            env.close()
        return done

    return Runner(reset, step, lambda: legal(env))  # TextArena's wrappers forward attribute reads


def _slides(board: list[list[int]], direction: str) -> bool:
    """Whether a 2048 move changes ``board`` (rows of tile values): a tile can move or merge."""
    size = len(board)
    if direction in ("left", "right"):
        lines = [row[:] for row in board]
    else:
        lines = [[board[r][c] for r in range(size)] for c in range(size)]
    if direction in ("right", "down"):
        lines = [line[::-1] for line in lines]
    for line in lines:
        tiles = [v for v in line if v]
        if tiles != line[: len(tiles)] or any(a == b for a, b in zip(tiles, tiles[1:])):
            return True
    return False


def _textarena_2048_moves(env) -> list[str]:
    board = env.state.game_state["board"]
    return [f"[{d.capitalize()}]" for d in _DIRECTIONS if _slides(board, d)] or ["[Up]"]


def _textarena_hidden_cells(env) -> list[str]:
    return [
        f"[{r} {c}]" for r in range(env.rows) for c in range(env.cols) if not env.revealed[r][c]
    ] or ["[0 0]"]


# -- GEM -----------------------------------------------------------------------------------------
def gem_runner(env_id: str, legal: Callable[[object], list[str]]) -> Runner:
    import gem

    env = gem.make(env_id)

    def reset(seed: int) -> None:
        env.reset(seed=seed)

    def step(action: str) -> bool:
        _, _, terminated, truncated, _ = env.step(action)
        return terminated or truncated

    return Runner(reset, step, lambda: legal(env.unwrapped))


def _gem_2048_moves(env) -> list[str]:
    return [f"\\boxed{{{d}}}" for d in _DIRECTIONS if _slides(env.board, d)] or ["\\boxed{up}"]


def _gem_hidden_cells(env) -> list[str]:
    return [
        f"\\boxed{{reveal {r} {c}}}"
        for r in range(env.rows)
        for c in range(env.cols)
        if not env.revealed[r][c] and not env.flags[r][c]
    ] or ["\\boxed{reveal 0 0}"]


# -- the games -----------------------------------------------------------------------------------
@dataclass
class Game:
    name: str
    ours: Callable[[], Runner | None]
    textarena: Callable[[], Runner] | None
    gem: Callable[[], Runner] | None


def _fixed(actions: list[str]) -> Callable[[object], list[str]]:
    return lambda env: actions


GAMES = [
    Game(
        "Snake",
        lambda: palaestra_runner("Snake-Text-v0"),
        lambda: textarena_runner("Snake-v0-standard", 2, _fixed([f"[{d}]" for d in _DIRECTIONS])),
        None,
    ),
    Game(
        "2048",
        lambda: palaestra_runner("2048-Text-v0"),
        lambda: textarena_runner("2048-v0", 1, _textarena_2048_moves),
        lambda: gem_runner("game:Game2048-v0-extreme-hard", _gem_2048_moves),
    ),
    Game(
        "Sokoban",
        lambda: palaestra_runner("Sokoban-Text-v0"),
        lambda: textarena_runner("Sokoban-v0", 1, _fixed([f"[{d}]" for d in _DIRECTIONS])),
        lambda: gem_runner("game:Sokoban-v0-easy", _fixed([f"\\boxed{{{d}}}" for d in _DIRECTIONS])),
    ),
    Game(
        "Minesweeper",
        lambda: palaestra_runner("Minesweeper-Text-v0", only="reveal"),
        lambda: textarena_runner("Minesweeper-v0", 1, _textarena_hidden_cells),
        lambda: gem_runner("game:Minesweeper-v0-hard", _gem_hidden_cells),
    ),
]
VISION_IDS = ["Snake-Vision-v0", "2048-Vision-v0", "Sokoban-Vision-v0", "Minesweeper-Vision-v0", "Tetris-Vision-v0"]


def _rate(make: Callable[[], Runner | None] | None, seconds: float) -> float | str:
    if make is None:
        return "no such game"
    try:
        runner = make()
    except Exception as err:  # noqa: BLE001 - a broken peer is reported, not fatal
        return f"error: {type(err).__name__}: {err}"[:60]
    if runner is None:
        return "not registered"
    return measure(runner, seconds)


def _cell(value: float | str) -> str:
    return f"{value:,.0f}" if isinstance(value, float) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of play measured per env")
    args = parser.parse_args()
    missing = [name for name in ("textarena", "gem") if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: install the bench extra, pip install -e '.[bench]'")

    print(f"steps/s, random legal actions, resets counted, {args.seconds:g} s of play per env\n")
    header = f"{'game':<12} {'palaestra':>12} {'TextArena':>16} {'GEM':>16}  ratio to faster peer"
    print(header)
    print("-" * len(header))
    for game in GAMES:
        ours = _rate(game.ours, args.seconds)
        peers = [_rate(game.textarena, args.seconds), _rate(game.gem, args.seconds)]
        rates = [p for p in peers if isinstance(p, float)]
        ratio = f"{ours / max(rates):.1f}x" if isinstance(ours, float) and rates else "-"
        print(f"{game.name:<12} {_cell(ours):>12} {_cell(peers[0]):>16} {_cell(peers[1]):>16}  {ratio}")

    print("\nvision variants (256x256 RGB image in every observation)\n")
    for env_id in VISION_IDS:
        rate = _rate(lambda env_id=env_id: palaestra_runner(env_id), args.seconds)
        print(f"{env_id:<24} {_cell(rate):>12} steps/s")


if __name__ == "__main__":
    main()
