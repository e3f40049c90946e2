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

Each game is played on one setting by all three projects (the ``setting`` column), passed to each as
its own constructor arguments: the same field, room or board, the same number of mines, boxes or
apples, so every project does the same work per move. Where the peers share a standard setting it is
that one (8x8 Minesweeper with 10 mines is TextArena's ``Minesweeper-v0`` and GEM's default; 10x10
Snake with 3 apples and two snakes is TextArena's standard Snake, which needs two players). The ratio
column divides palaestra's steps/s by the faster peer's. palaestra's envs are then measured again at
their default difficulty, and the vision variants (256x256 RGB images) the same way.
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
def palaestra_runner(env_id: str, only: str | None = None, **settings: object) -> Runner | None:
    """A palaestra env through gymnasium; ``only`` keeps the legal actions that start with it."""
    if env_id not in {entry.id for entry in palaestra.registered_envs()}:
        return None
    env = gym.make(env_id, **settings)
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
def textarena_runner(
    env_id: str, players: int, legal: Callable[[object], list[str]], **settings: object
) -> Runner:
    import textarena as ta

    env = ta.make(env_id, **settings)

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
    return [f"[{r} {c}]" for r in range(env.rows) for c in range(env.cols) if not env.revealed[r][c]] or [
        "[0 0]"
    ]


# -- GEM -----------------------------------------------------------------------------------------
def gem_runner(env_id: str, legal: Callable[[object], list[str]], **settings: object) -> Runner:
    import gem

    env = gem.make(env_id, **settings)

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
    env_id: str  # palaestra's env
    setting: str  # what all three projects play, in words
    settings: dict[str, object]  # ... and as palaestra's constructor arguments
    textarena: Callable[[], Runner] | None
    gem: Callable[[], Runner] | None
    only: str | None = None  # palaestra's legal actions kept (Minesweeper: reveals)

    def ours(self, **settings: object) -> Runner | None:
        return palaestra_runner(self.env_id, self.only, **settings)


def _fixed(actions: list[str]) -> Callable[[object], list[str]]:
    return lambda env: actions


_ARROWS = _fixed([f"[{d}]" for d in _DIRECTIONS])
GAMES = [
    Game(
        "Snake",
        "Snake-Text-v0",
        "10x10, 3 apples, 2 snakes",
        {"size": 10, "num_apples": 3, "opponent": "greedy"},
        lambda: textarena_runner("Snake-v0-standard", 2, _ARROWS),
        None,
    ),
    Game(
        "2048",
        "2048-Text-v0",
        "4x4, to 2048",
        {"size": 4, "target": 2048},
        lambda: textarena_runner("2048-v0", 1, _textarena_2048_moves, target_tile=2048),
        lambda: gem_runner("game:Game2048-v0-extreme-hard", _gem_2048_moves, target_tile=2048),
    ),
    Game(
        "Sokoban",
        "Sokoban-Text-v0",
        "6x6 room, 2 boxes",
        {"size": 6, "num_boxes": 2},
        lambda: textarena_runner("Sokoban-v0", 1, _ARROWS, dim_room=(6, 6), num_boxes=2),
        lambda: gem_runner(
            "game:Sokoban-v0-easy",
            _fixed([f"\\boxed{{{d}}}" for d in _DIRECTIONS]),
            dim_room=(6, 6),
            num_boxes=2,
        ),
    ),
    Game(
        "Minesweeper",
        "Minesweeper-Text-v0",
        "8x8, 10 mines",
        {"width": 8, "height": 8, "mines": 10},
        lambda: textarena_runner("Minesweeper-v0", 1, _textarena_hidden_cells, rows=8, cols=8, num_mines=10),
        lambda: gem_runner("game:Minesweeper-v0-hard", _gem_hidden_cells, rows=8, cols=8, num_mines=10),
        only="reveal",
    ),
]
VISION_IDS = [
    "Snake-Vision-v0",
    "2048-Vision-v0",
    "Sokoban-Vision-v0",
    "Minesweeper-Vision-v0",
    "Tetris-Vision-v0",
]


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
    warnings.filterwarnings("ignore")  # the peers warn about their own settings on every make
    logging.disable(logging.WARNING)
    missing = [name for name in ("textarena", "gem") if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: install the bench extra, pip install -e '.[bench]'")

    print(f"steps/s, random legal actions, resets counted, {args.seconds:g} s of play per env\n")
    header = (
        f"{'game':<12} {'setting':<26} {'palaestra':>10} {'TextArena':>10} {'GEM':>10}  ratio to faster peer"
    )
    print(header)
    print("-" * len(header))
    for game in GAMES:
        ours = _rate(lambda game=game: game.ours(**game.settings), args.seconds)
        peers = [_rate(game.textarena, args.seconds), _rate(game.gem, args.seconds)]
        rates = [p for p in peers if isinstance(p, float)]
        ratio = f"{ours / max(rates):.1f}x" if isinstance(ours, float) and rates else "-"
        print(
            f"{game.name:<12} {game.setting:<26} {_cell(ours):>10} "
            f"{_cell(peers[0]):>10} {_cell(peers[1]):>10}  {ratio}"
        )

    print("\npalaestra at its default difficulty\n")
    for game in GAMES:
        rate = _rate(game.ours, args.seconds)
        print(f"{game.env_id:<24} {_cell(rate):>12} steps/s")

    print("\nvision variants (256x256 RGB image in every observation)\n")
    for env_id in VISION_IDS:
        rate = _rate(lambda env_id=env_id: palaestra_runner(env_id), args.seconds)
        print(f"{env_id:<24} {_cell(rate):>12} steps/s")


if __name__ == "__main__":
    main()
