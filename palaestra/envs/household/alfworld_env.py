"""``ALFWorld-v0``: ALFWorld's text games played by ALFWorld's own engine (the ``alfworld`` extra).

The engine is TextWorld's PDDL environment (``textworld.envs.PddlEnv``): ALFWorld's domain
(``alfred.pddl``) on Fast Downward, a C++ library loaded into this process, and ALFWorld's grammar
(``alfred.twl2``) for the texts; ALFWorld's ``AlfredDemangler`` names things as ALFWorld shows them
(``cabinet 3``). The games are folders in ALFWorld's format (see ``export.py``) under
``<root>/<split>/<task>/<trial>/``, where ``root`` is ALFWorld's ``json_2.1.1`` folder (or the folder
that holds it), given as ``data_path=`` or in ``$PALAESTRA_ALFWORLD_DIR``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from palaestra.core import ActionError, TextEnv, normalize
from palaestra.core.datasets import data_folder
from palaestra.core.errors import MissingExtraError, UsageError
from palaestra.core.registry import missing_extra
from palaestra.envs.household import language
from palaestra.envs.household.export import ALFWORLD_SPLITS, GAME, TRAJ_DATA

ALFWORLD_VARIABLE = "PALAESTRA_ALFWORLD_DIR"
DATA_FOLDER = "json_2.1.1"  # what alfworld-download writes under $ALFWORLD_DATA
HOW = (
    "get ALFWorld's games with `pip install 'palaestra[alfworld]'` and `alfworld-download` (it needs the "
    "internet and writes $ALFWORLD_DATA/json_2.1.1, by default ~/.cache/alfworld/json_2.1.1), or write "
    "Household homes as ALFWorld games with palaestra.envs.household.export.export_household_games"
)
TASK_PREFIX = "Your task is to: "
T = TypeVar("T")


def find_root(data_path: str | os.PathLike | None) -> Path:
    """The folder holding ALFWorld's split folders: ``data_path`` or ``$PALAESTRA_ALFWORLD_DIR``, or its
    ``json_2.1.1`` subfolder."""
    folder = data_folder(data_path, ALFWORLD_VARIABLE, "ALFWorld-v0", HOW)
    if (folder / DATA_FOLDER).is_dir():
        folder = folder / DATA_FOLDER
    if not any((folder / split).is_dir() for split in ALFWORLD_SPLITS):
        raise UsageError(
            f"ALFWorld-v0: {str(folder)!r} holds none of ALFWorld's split folders "
            f"({', '.join(ALFWORLD_SPLITS)}): {HOW}"
        )
    return folder


def _playable(game: Path) -> bool:
    """Whether ALFWorld plays this game: it has its game file and that file says it is solvable."""
    try:
        return bool(json.loads(game.read_text()).get("solvable"))
    except (OSError, ValueError, AttributeError):
        return False


@cache
def games(root: Path, split: str) -> tuple[str, ...]:
    """The split's games, as paths relative to ``root/split``, sorted: the folders with a
    ``traj_data.json`` and a solvable ``game.tw-pddl``, without the movable-receptacle and sliced
    ones, which ALFWorld's text games leave out too."""
    base = root / split
    found = []
    for folder, _, files in os.walk(base):
        if TRAJ_DATA in files and GAME in files and "movable" not in folder and "Sliced" not in folder:
            if _playable(Path(folder) / GAME):
                found.append(Path(folder).relative_to(base).as_posix())
    return tuple(sorted(found))


class Engine:
    """One TextWorld PDDL engine with ALFWorld's demangler; a resource of the env.

    Fast Downward runs inside this process, each engine on its own copy of the library. ``close``
    frees the library's state (its ``cleanup``) once a running call ends (tenths of a second) and
    refuses later calls; it does not unload the copy (about 1 MB stays mapped until the process
    ends): once two copies were unloaded (``dlclose``), the process crashed at exit. TextWorld's
    translation of a problem rewrites ``sys.argv``: every call restores it.
    """

    def __init__(self) -> None:
        import textworld
        from alfworld.agents.environment.alfred_tw_env import AlfredDemangler
        from textworld.envs import PddlEnv

        self._pddl = PddlEnv(textworld.EnvInfos(admissible_commands=True, won=True))
        self._game = AlfredDemangler(self._pddl, shuffle=False)
        self._lock = threading.Lock()
        self._loaded: Path | None = None
        self._first: Any = None  # the loaded game's first state, while no command has changed it
        self.closed = False

    def _call(self, work: Callable[[], T]) -> T:
        with self._lock:
            if self.closed:
                raise RuntimeError("the ALFWorld engine was closed")
            argv = sys.argv[:]
            try:
                return work()
            finally:
                sys.argv[:] = argv

    def start(self, game_file: Path) -> Any:
        """The first state of a new episode of ``game_file``. The game is loaded again only if it
        changed, and reset only if a command was sent since (each costs tenths of a second)."""

        def start() -> Any:
            if self._loaded != game_file:
                self._loaded = self._first = None
                self._game.load(str(game_file))
                self._loaded = game_file
            if self._first is None:
                self._first = self._game.reset()
            return self._first

        return self._call(start)

    def step(self, command: str) -> Any:
        def step() -> Any:
            self._first = None
            return self._game.step(command)[0]

        return self._call(step)

    def plan(self) -> list[str]:
        """Fast Downward's plan from the current state to the goal."""
        return self._call(lambda: list(self._pddl._pddl_state.replan(self._pddl._entity_infos) or []))

    def receptacles(self) -> list[str]:
        """The names of the loaded game's receptacles, as ALFWorld shows them."""
        infos = self._pddl._entity_infos.values()
        return sorted((info.name for info in infos if info.type == "receptacle"), key=language.sort_key)

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._pddl.downward_lib.cleanup()


class ALFWorldEnv(TextEnv):
    """ALFWorld (Shridhar et al., 2021): household tasks of ALFRED's scenes as text games, on ALFWorld's
    own engine.

    Tasks: the games of a split, by ``task_id`` (a game folder's path under the split, such as
    ``pick_and_place_simple-Mug-None-CoffeeMachine-10/trial_T20190907_212755_456877``); the seed picks
    one when no task id is given. Splits: ALFWorld's ``train``, ``valid_seen`` and ``valid_unseen``.
    Observation: the engine's text, at reset "-= Welcome to TextWorld, ALFRED! =-", the room and "Your
    task is to: ...", then its answer to each command. Action: one of ALFWorld's commands (``go to R``,
    ``open R``, ``close R``, ``take O from R``, ``move O to R`` (or ``put O in/on R``), ``heat/cool/clean
    O with R``, ``use O``, ``examine X``, ``inventory``, ``look``); ``info["valid_actions"]`` lists the
    engine's admissible commands. A command the engine cannot carry out now is answered "Nothing
    happens."; text of no command's form, or naming a receptacle the game lacks, is an invalid action.
    Reward: 1 on the step that wins (the episode then ends), else 0. Score: 1 when won, else 0.
    ``expert_action``: the game's walkthrough while the episode follows it, else the first command of
    the engine's own plan (Fast Downward's) from where the episode stands.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("ALFWorld-v0", data_path="~/.cache/alfworld", split="valid_unseen")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>look</action>")
    """

    splits = ALFWORLD_SPLITS

    def __init__(self, *, data_path: str | os.PathLike | None = None, **base: Any):
        missing = missing_extra("alfworld")
        if missing:
            raise MissingExtraError(f"ALFWorld-v0 needs ALFWorld's engine: {missing}")
        self.root = find_root(data_path)
        super().__init__(**base)
        self._state: Any = None
        self._receptacles: list[str] = []
        self._task = ""
        self._walkthrough: list[str] = []
        self._moves: list[str] = []

    def task_ids(self) -> Sequence[str]:
        return games(self.root, self.split)

    @property
    def engine(self) -> Engine:
        return self.resource("engine", Engine)

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        game_file = self.root / self.split / self.task_id / GAME
        engine = self.engine
        self._state = engine.start(game_file)
        self._receptacles = engine.receptacles()
        intro = self._state.feedback
        self._task = intro.rpartition(TASK_PREFIX)[2].strip()
        self._walkthrough = list(json.loads(game_file.read_text()).get("walkthrough") or [])
        self._moves = []

    def _parse(self, text: str) -> str:
        said = normalize(text)
        if said in self._state["admissible_commands"]:
            return said
        command = language.match(said)
        if command is None:
            raise ActionError(language.not_a_command(text))
        if command.recep is not None and command.recep not in self._receptacles:
            raise ActionError(language.no_such_receptacle(command.recep, self._receptacles))
        return language.command_text(command)

    def _advance(self, command: str) -> tuple[float, bool]:
        self._state = self.engine.step(command)
        self._moves.append(command)
        won = bool(self._state["won"])
        return float(won), won

    def _outcome(self) -> tuple[bool, float]:
        won = bool(self._state["won"])
        return won, float(won)

    def _state_bytes(self) -> bytes:
        facts = sorted(map(str, self._state["_facts"]))
        return "\n".join([self.task_id, *facts]).encode()

    def valid_actions(self) -> list[str]:
        return list(self._state["admissible_commands"])

    def expert_action(self) -> str:
        done = len(self._moves)
        if self._moves == self._walkthrough[:done] and done < len(self._walkthrough):
            return self._walkthrough[done]
        plan = self.engine.plan()
        if not plan:
            raise RuntimeError("ALFWorld's planner found no way to the goal from here")
        return plan[0]

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        return self._state.feedback

    def _instructions(self) -> str:
        return (
            "You are in a home in ALFWorld and must complete a household task. "
            f"Your task is to: {self._task}\n"
            f"Commands: {language.COMMANDS}. R is a receptacle such as 'fridge 1' or 'countertop 2', "
            "O an object such as 'mug 2' or 'desklamp 1', and X either.\n"
            "Go to a receptacle to see what is on it or in it; some (fridges, microwaves, cabinets, "
            "drawers, safes) must be opened first. You hold one object at a time. Heat with a "
            "microwave, cool with a fridge, clean with a sinkbasin, holding the object at it. To look "
            "at an object under a lamp, hold it and use the lamp. A command that cannot be done now is "
            "answered 'Nothing happens.'.\n"
            "Reward: 1 when the task is done (the episode ends then), else 0.\n"
            f"Reply with exactly one command, for example: <action>go to {self._receptacles[0]}</action>"
        )
