"""World ticks per second of palaestra's arcade games against the same games in TextArena and GEM.

Run (after ``pip install -e ".[bench]"``, which installs textarena, gem-llm and matplotlib)::

    .venv/bin/python benchmarks/vs_peers.py                      # 3 s of play per env, in 15 turns
    .venv/bin/python benchmarks/vs_peers.py --plot docs/benchmarks-vs-peers.png

The method (docs/benchmarks.md says more):

- Every project is driven as its own documentation shows. palaestra: ``gymnasium.make`` once, then
  ``reset(seed=n)`` and ``step(text)``. TextArena: ``ta.make`` for every game (its default wrappers
  included), ``reset(num_players, seed=n)``, ``get_observation()`` before every move, ``step(text)``
  and ``close()`` at the end, as in TextArena's README. A TextArena env is not reused through
  ``reset``: its observation wrapper keeps every earlier game's messages, so a reused env slows down
  game after game. GEM: ``gem.make`` once, then ``reset(seed=n)`` and ``step(text)``, as in GEM's README.
- Every project plays each game on one setting (the ``setting`` column), passed to each as its own
  constructor arguments: the same board, the same number of mines, boxes, apples or snakes, and the
  same cap on an episode's length in world ticks.
- The unit is the world tick: one move of the world. In the one-player games a tick is one move of the
  player. TextArena's Snake is a two-player game that takes one player's move per ``step`` and moves
  the world once both snakes have moved, so there a tick is a round of both players' moves (palaestra
  moves its opponent snake inside every ``step``).
- Random legal actions, episode after episode, resets included: the clock runs only inside the
  projects' own calls (``make`` where it is per episode, ``reset``, ``step``, ``get_observation``,
  ``close``); the driver's own reading of a game is off the clock (whether a TextArena Snake move
  completed a round, the legal actions). palaestra lists its legal actions in
  ``info["valid_actions"]`` (computed inside the timed ``step``); TextArena and GEM list none, so the
  driver reads their game state to pick one: a move that changes the 2048 board, a Sokoban move not
  blocked by a wall or box, a hidden Minesweeper cell. Minesweeper is played with reveals only,
  since the peers' flags differ (a toggle in GEM, none in TextArena).
- The projects of a game are played in one process, in turns: ``--rounds`` rounds in which each
  plays ``--seconds / --rounds`` seconds, going on with its episode where it stopped. A shared
  machine's load changes from second to second; in short turns the projects share its ups and
  downs, so the ratio (palaestra's figure over the faster peer's) holds better than the figures.

palaestra's envs are then measured again at their default difficulty, and the vision variants
(256x256 RGB images) the same way.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import platform
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym

import palaestra

PROJECTS = ("palaestra", "TextArena", "GEM")
HOW_DRIVEN = {
    "palaestra": "gymnasium.make once; reset(seed=n) per episode; step(text); legal actions from "
    "info['valid_actions'], inside the timed step",
    "TextArena": "ta.make per episode (default wrappers); reset(num_players, seed=n); get_observation() "
    "and step(text) per move; close() at the end; all timed",
    "GEM": "gem.make once; reset(seed=n) per episode; step(text)",
}
_DIRECTIONS = ("up", "down", "left", "right")


@dataclass
class Runner:
    """One env behind a uniform driver; the driver times ``start`` and ``move`` only.

    ``start(n)`` begins episode ``n`` (a reset, or a ``make`` and a reset); ``move(text)`` plays one
    player's move and returns whether the episode ended; ``legal()`` lists the legal actions now, for
    the driver to pick from; ``ticked()`` says whether the last move completed a world tick. The last
    two are the driver's reading of the game, off the clock.
    """

    start: Callable[[int], None]
    move: Callable[[str], bool]
    legal: Callable[[], list[str]]
    ticked: Callable[[], bool] = lambda: True


@dataclass
class Measurement:
    ticks: int
    episodes: int  # episodes finished
    seconds: float  # inside the env's calls

    @property
    def rate(self) -> float:
        return self.ticks / self.seconds


class Play:
    """Random legal play of one runner that can stop and go on, whole episodes and resets counted.

    Only the runner's ``start`` and ``move`` are timed; picking the action is the driver's work.
    """

    def __init__(self, runner: Runner, seed: int = 0):
        self.runner = runner
        self.choose = random.Random(seed).choice
        self.result = Measurement(0, 0, 0.0)
        self._timed(runner.start, 0)

    def _timed(self, call: Callable, argument: object):
        start = time.perf_counter()
        value = call(argument)
        self.result.seconds += time.perf_counter() - start
        return value

    def play(self, seconds: float) -> Measurement:
        """Play on for ``seconds`` more of time inside the env; returns the totals so far."""
        runner, result = self.runner, self.result
        until = result.seconds + seconds
        while result.seconds < until:
            over = self._timed(runner.move, self.choose(runner.legal()))
            result.ticks += runner.ticked()
            if over:
                result.episodes += 1
                self._timed(runner.start, result.episodes)
        return result


def measure(runner: Runner, seconds: float) -> Measurement:
    """Random legal play of ``runner`` for ``seconds`` of time inside the env."""
    return Play(runner).play(seconds)


# -- palaestra -----------------------------------------------------------------------------------
def palaestra_runner(
    env_id: str, only: str | None = None, max_episode_steps: int | None = None, **settings: object
) -> Runner | None:
    """A palaestra env through gymnasium; ``only`` keeps the legal actions that start with it."""
    if env_id not in {entry.id for entry in palaestra.registered_envs()}:
        return None
    env = gym.make(env_id, max_episode_steps=max_episode_steps, **settings)
    state = {}

    def start(seed: int) -> None:
        state["info"] = env.reset(seed=seed)[1]

    def move(action: str) -> bool:
        _, _, terminated, truncated, state["info"] = env.step(action)
        return terminated or truncated

    def legal() -> list[str]:
        actions = state["info"]["valid_actions"]
        return [a for a in actions if a.startswith(only)] if only else actions

    return Runner(start, move, legal)


# -- TextArena -----------------------------------------------------------------------------------
def textarena_runner(
    env_id: str, players: int, legal: Callable[[object], list[str]], **settings: object
) -> Runner:
    """A TextArena game made anew for every episode, as TextArena's README plays one game."""
    import textarena as ta

    ta.make(env_id, **settings)  # imports the game's module, once, off the clock
    env = None

    def start(seed: int) -> None:
        nonlocal env
        env = ta.make(env_id, **settings)
        env.reset(num_players=players, seed=seed)

    def move(action: str) -> bool:
        env.get_observation()
        done, _ = env.step(action)
        if done:
            env.close()
        return done

    def ticked() -> bool:
        return players == 1 or _round_resolved(env)

    return Runner(start, move, lambda: legal(env), ticked)  # TextArena's wrappers forward attribute reads


def _round_resolved(env) -> bool:
    """Whether the last move completed a round of TextArena's Snake: it clears every pending move then."""
    return not any(env.pending_actions.values())


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


_STEPS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
_WALL, _BOXES, _FREE = 0, (3, 4), (1, 2)  # room codes that TextArena and GEM share (gym-sokoban's)


def _unblocked(room, player) -> list[str]:
    """The Sokoban moves that neither walk into a wall nor push a box into a wall or another box."""
    r, c = (int(v) for v in player)
    moves = []
    for name, (dr, dc) in _STEPS.items():
        target = room[r + dr][c + dc]  # the border is wall, so a pushable box is never on it
        if target != _WALL and (target not in _BOXES or room[r + 2 * dr][c + 2 * dc] in _FREE):
            moves.append(name)
    return moves


def _textarena_2048_moves(env) -> list[str]:
    board = env.state.game_state["board"]
    return [f"[{d.capitalize()}]" for d in _DIRECTIONS if _slides(board, d)] or ["[Up]"]


def _textarena_sokoban_moves(env) -> list[str]:
    return [f"[{d}]" for d in _unblocked(env.room_state, env.player_position)] or ["[up]"]


def _textarena_hidden_cells(env) -> list[str]:
    return [f"[{r} {c}]" for r in range(env.rows) for c in range(env.cols) if not env.revealed[r][c]] or [
        "[0 0]"
    ]


# -- GEM -----------------------------------------------------------------------------------------
def gem_runner(env_id: str, legal: Callable[[object], list[str]], **settings: object) -> Runner:
    import gem

    env = gem.make(env_id, **settings)

    def start(seed: int) -> None:
        env.reset(seed=seed)

    def move(action: str) -> bool:
        _, _, terminated, truncated, _ = env.step(action)
        return terminated or truncated

    return Runner(start, move, lambda: legal(env.unwrapped))


def _gem_2048_moves(env) -> list[str]:
    return [f"\\boxed{{{d}}}" for d in _DIRECTIONS if _slides(env.board, d)] or ["\\boxed{up}"]


def _gem_sokoban_moves(env) -> list[str]:
    return [f"\\boxed{{{d}}}" for d in _unblocked(env.room_state, env.player_position)] or ["\\boxed{up}"]


def _gem_hidden_cells(env) -> list[str]:
    return [
        f"\\boxed{{reveal {r} {c}}}"
        for r in range(env.rows)
        for c in range(env.cols)
        if not env.revealed[r][c] and not env.flags[r][c]
    ] or ["\\boxed{reveal 0 0}"]


# -- the games -----------------------------------------------------------------------------------
@dataclass
class Peer:
    """How a peer plays a game: its env id, its constructor arguments, the driver's legal actions."""

    env_id: str
    settings: dict[str, object]
    legal: Callable[[object], list[str]]
    players: int = 1  # TextArena only

    def describe(self, call: str) -> str:
        args = ", ".join([repr(self.env_id), *(f"{k}={v!r}" for k, v in self.settings.items())])
        return f"{call}({args})" + (f", {self.players} players" if self.players > 1 else "")


@dataclass
class Game:
    name: str
    env_id: str  # palaestra's env
    setting: str  # what all three projects play, in words
    ticks: int  # the cap on an episode's length, in world ticks, for every project
    settings: dict[str, object]  # ... palaestra's constructor arguments for the setting
    textarena: Peer | None
    gem: Peer | None
    only: str | None = None  # palaestra's legal actions kept (Minesweeper: reveals)
    notes: list[str] = field(default_factory=list)

    def ours(self, **settings: object) -> Runner | None:
        return palaestra_runner(self.env_id, self.only, **settings)

    def runners(self) -> dict[str, Callable[[], Runner | None] | None]:
        """How to make each project's runner on the shared setting (None where a project lacks the game)."""
        ta, gem = self.textarena, self.gem
        return {
            "palaestra": lambda: self.ours(max_episode_steps=self.ticks, **self.settings),
            "TextArena": ta and (lambda: textarena_runner(ta.env_id, ta.players, ta.legal, **ta.settings)),
            "GEM": gem and (lambda: gem_runner(gem.env_id, gem.legal, **gem.settings)),
        }

    def describe(self) -> list[str]:
        ours = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        lines = [f"palaestra  gym.make({self.env_id!r}, {ours}, max_episode_steps={self.ticks})"]
        for name, peer, call in (("TextArena", self.textarena, "ta.make"), ("GEM", self.gem, "gem.make")):
            lines.append(f"{name:<10} {peer.describe(call) if peer else 'no such game'}")
        return lines + self.notes


def _fixed(actions: list[str]) -> Callable[[object], list[str]]:
    return lambda env: actions


# TextArena ends a game when a move is made with the turn counter (the moves before it) at max_turns,
# so its games last one move longer than max_turns: it is given one less.
GAMES = [
    Game(
        "Snake",
        "Snake-Text-v0",
        "10x10, 3 apples, 2 snakes",
        50,
        {"size": 10, "num_apples": 3, "opponent": "greedy"},
        Peer(
            "Snake-v0-standard",
            {"width": 10, "height": 10, "num_apples": 3, "max_turns": 99},
            _fixed([f"[{d}]" for d in _DIRECTIONS]),
            players=2,
        ),
        None,
        notes=[
            "TextArena's Snake counts each player's move as a turn: 99 turns end the 50th round; a tick "
            "is a round of both players' moves (whether a move completed one is read off the clock). "
            "palaestra's opponent snake moves inside its step.",
        ],
    ),
    Game(
        "2048",
        "2048-Text-v0",
        "4x4, to 2048",
        4000,
        {"size": 4, "target": 2048},
        Peer("2048-v0", {"target_tile": 2048}, _textarena_2048_moves),  # no turn limit in TextArena
        Peer("game:Game2048-v0-extreme-hard", {"target_tile": 2048, "max_turns": 4000}, _gem_2048_moves),
        notes=["No random game lasts 4000 moves: every project plays 2048 to its end."],
    ),
    Game(
        "Sokoban",
        "Sokoban-Text-v0",
        "6x6 room, 2 boxes, 20 moves",
        20,
        {"size": 6, "num_boxes": 2},
        Peer("Sokoban-v0", {"dim_room": (6, 6), "num_boxes": 2, "max_turns": 19}, _textarena_sokoban_moves),
        Peer(
            "game:Sokoban-v0-easy",
            {"dim_room": (6, 6), "num_boxes": 2, "max_turns": 20},
            _gem_sokoban_moves,
        ),
        notes=["6x6 with 2 boxes and 20 moves is GEM's Sokoban-v0-easy; the room's size counts its walls."],
    ),
    Game(
        "Minesweeper",
        "Minesweeper-Text-v0",
        "8x8, 10 mines",
        64,
        {"width": 8, "height": 8, "mines": 10},
        Peer(
            "Minesweeper-v0",
            {"rows": 8, "cols": 8, "num_mines": 10, "max_turns": 63},
            _textarena_hidden_cells,
        ),
        Peer(
            "game:Minesweeper-v0-hard",
            {"rows": 8, "cols": 8, "num_mines": 10, "max_turns": 64},
            _gem_hidden_cells,
        ),
        only="reveal",
        notes=[
            "8x8 with 10 mines is TextArena's Minesweeper-v0. TextArena takes a first mine hit as an "
            "invalid move (the game goes on), the others end the game there.",
        ],
    ),
]
VISION_IDS = [
    "Snake-Vision-v0",
    "2048-Vision-v0",
    "Sokoban-Vision-v0",
    "Minesweeper-Vision-v0",
    "Tetris-Vision-v0",
]


def _made(make: Callable[[], Runner | None] | None) -> Runner | str:
    """The runner, or why there is none."""
    if make is None:
        return "no such game"
    try:
        runner = make()
    except Exception as err:  # noqa: BLE001 - a broken peer is reported, not fatal
        return f"error: {type(err).__name__}: {err}"[:60]
    return "not registered" if runner is None else runner


def _measured(make: Callable[[], Runner | None] | None, seconds: float) -> Measurement | str:
    made = _made(make)
    return made if isinstance(made, str) else measure(made, seconds)


@dataclass
class Result:
    """One game's figures: per project, its rate over all its turns (or why there is none)."""

    game: Game
    rates: dict[str, float | str]
    ticks_per_episode: dict[str, float]

    @property
    def ratio(self) -> float | None:
        """palaestra's rate over the faster peer's, where both were measured."""
        ours, *peers = (self.rates[name] for name in PROJECTS)
        peers = [rate for rate in peers if isinstance(rate, float)]
        return ours / max(peers) if isinstance(ours, float) and peers else None


def compare(game: Game, seconds: float, rounds: int) -> Result:
    """Play the three projects on ``game`` in turn, ``rounds`` times for ``seconds / rounds`` each.

    The machine's load changes from second to second; cut into short turns, the projects share
    its ups and downs, so their ratio holds even where the figures themselves drift.
    """
    plays: dict[str, Play] = {}
    rates: dict[str, float | str] = {}
    for name, make in game.runners().items():
        made = _made(make)
        if isinstance(made, str):
            rates[name] = made
        else:
            plays[name] = Play(made)
    for _ in range(rounds):
        for play in plays.values():
            play.play(seconds / rounds)
    per_episode = {}
    for name, play in plays.items():
        rates[name] = play.result.rate
        per_episode[name] = play.result.ticks / max(play.result.episodes, 1)
    return Result(game, {name: rates[name] for name in PROJECTS}, per_episode)


def _cell(value: float | str) -> str:
    return f"{value:,.0f}" if isinstance(value, float) else value


def plot(results: list[Result], path: Path, caption: str) -> None:
    """A bar chart of ticks/s per game and project (log scale), with palaestra's ratio over each game."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"palaestra": "#2f7d4f", "TextArena": "#4c72b0", "GEM": "#dd8452"}
    width = 0.27
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for k, name in enumerate(PROJECTS):
        xs, ys = [], []
        for i, result in enumerate(results):
            rate = result.rates[name]
            if isinstance(rate, float):
                xs.append(i + (k - 1) * width)
                ys.append(rate)
        bars = ax.bar(xs, ys, width, label=name, color=colors[name])
        ax.bar_label(bars, labels=[f"{y / 1000:,.1f}k" for y in ys], fontsize=7, padding=2)
    for i, result in enumerate(results):
        if result.ratio is not None:
            top = max(r for r in result.rates.values() if isinstance(r, float))
            ax.text(i, top * 2.6, f"{result.ratio:.1f}x", ha="center", fontsize=10, fontweight="bold")
    ax.set_yscale("log")
    ax.set_ylim(top=max(r for res in results for r in res.rates.values() if isinstance(r, float)) * 6)
    ax.set_xticks(range(len(results)), [f"{r.game.name}\n{r.game.setting}" for r in results], fontsize=8)
    ax.set_ylabel("world ticks per second (log scale)")
    ax.set_title(
        "World ticks/s of random legal play, resets included (in bold: palaestra / the faster peer)",
        fontsize=9,
    )
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    fig.text(0.01, 0.01, caption, fontsize=6, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of play per env")
    parser.add_argument("--rounds", type=int, default=15, help="turns the play of each env is cut into")
    parser.add_argument("--plot", type=Path, metavar="PATH", help="write a PNG bar chart of the comparison")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # the peers warn about their own settings on every make
    logging.disable(logging.WARNING)
    missing = [name for name in ("textarena", "gem") if importlib.util.find_spec(name) is None]
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        missing.append("matplotlib")
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: install the bench extra, pip install -e '.[bench]'")

    versions = {name: _version(name) for name in ("palaestra", "textarena", "gem-llm")}
    machine = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    print(
        f"world ticks/s, random legal actions, resets counted, {args.seconds:g} s of play per env in "
        f"{args.rounds} turns taken in rotation ({machine}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ")\n"
    )
    print("how each project is driven:")
    for name in PROJECTS:
        print(f"  {name:<10} {HOW_DRIVEN[name]}")
    print()
    header = (
        f"{'game':<12} {'setting':<28} {'palaestra':>10} {'TextArena':>10} {'GEM':>10}  "
        "palaestra / faster peer"
    )
    print(header)
    print("-" * len(header))
    results = []
    for game in GAMES:
        result = compare(game, args.seconds, args.rounds)
        results.append(result)
        ratio = f"{result.ratio:.1f}x" if result.ratio is not None else "-"
        cells = " ".join(f"{_cell(result.rates[name]):>10}" for name in PROJECTS)
        print(f"{game.name:<12} {game.setting:<28} {cells}  {ratio}")

    print("\nthe settings, as each project's own arguments, and the ticks per episode measured\n")
    for result in results:
        print(f"{result.game.name}")
        for line in result.game.describe():
            print(f"  {line}")
        played = ", ".join(f"{name} {t:.1f}" for name, t in result.ticks_per_episode.items())
        print(f"  ticks per episode: {played}\n")

    if args.plot:
        caption = f"benchmarks/vs_peers.py --seconds {args.seconds:g} --rounds {args.rounds}; {machine}"
        plot(results, args.plot, caption)
        print(f"plot written to {args.plot}\n")

    print("palaestra at its default difficulty (ticks/s, its registered episode caps)\n")
    for game in GAMES:
        rate = _measured(game.ours, args.seconds)
        print(f"{game.env_id:<24} {_cell(rate.rate if isinstance(rate, Measurement) else rate):>12}")

    print("\nvision variants (256x256 RGB image in every observation)\n")
    for env_id in VISION_IDS:
        rate = _measured(lambda env_id=env_id: palaestra_runner(env_id), args.seconds)
        print(f"{env_id:<24} {_cell(rate.rate if isinstance(rate, Measurement) else rate):>12}")


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
