"""ScienceWorld's simulator (the ``scienceworld`` package, a Scala program on the machine's Java) as a
palaestra env: 30 elementary-science tasks, each in many variations, played in its own command
language."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from palaestra.core import ActionError, TextEnv
from palaestra.core.cache import cache_dir
from palaestra.core.registry import missing_extra

SPLITS = ("train", "dev", "test")
NO_MATCH = "No known action matches that input."
MAX_COMMAND_LENGTH = 200  # the longest command of the language is far shorter
COMMAND_CHARACTERS = re.compile(r"[a-z0-9 ]+")  # all its vocabulary uses, lowered
STARTUP_TIMEOUT = 120.0  # seconds for the JVM to start and load a task (a slow machine takes tens)


class Simulator:
    """One JVM running ScienceWorld, driven through ``scienceworld.ScienceWorldEnv``; a resource.

    ``call`` runs a function of the simulator under a watchdog: past its timeout the JVM is killed,
    so the call fails at once instead of hanging the env.
    """

    def __init__(self) -> None:
        from scienceworld import ScienceWorldEnv

        # Its own step limit is off: the registered id's TimeLimit and the env's truncation count.
        self.world = ScienceWorldEnv("", envStepLimit=1 << 30)
        self._process = self.world._gateway.java_process  # the only handle to the JVM it starts
        self.closed = False

    def call(self, timeout: float, function: str, *args: Any) -> Any:
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            self.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            return getattr(self.world, function)(*args)
        except Exception as error:
            if expired.is_set():
                raise RuntimeError(
                    f"ScienceWorld's {function} took too long: the JVM was killed past {timeout:g} s"
                ) from error
            if self._process.poll() is not None:
                raise RuntimeError(f"the ScienceWorld JVM ended during {function}") from error
            raise
        finally:
            timer.cancel()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.world._gateway.shutdown()
        finally:
            self.kill()


def _cache_file() -> Path:
    from scienceworld.version import __version__

    return cache_dir() / f"scienceworld-{__version__}-splits.json"


@cache
def split_sizes() -> dict[str, tuple[int, int, int]]:
    """Per task, how many variations its train, dev and test splits hold. ScienceWorld gives them in
    that order as contiguous ranges, but only for a loaded task: loading all thirty takes seconds, so
    the table is kept on disk per simulator version."""
    path = _cache_file()
    try:
        table = json.loads(path.read_text())
        return {task: tuple(sizes) for task, sizes in table.items()}
    except (OSError, ValueError, TypeError):
        pass  # not made yet, or damaged: make it again
    simulator = Simulator()
    try:
        table = {}
        for task in simulator.world.get_task_names():
            simulator.call(STARTUP_TIMEOUT, "load", task, 0, "", False)
            parts = [simulator.world.get_variations_train(), simulator.world.get_variations_dev()]
            parts.append(simulator.world.get_variations_test())
            flat = [index for part in parts for index in part]
            if flat != list(range(len(flat))):
                raise RuntimeError(f"ScienceWorld's splits of {task!r} are not contiguous ranges")
            table[task] = tuple(map(len, parts))
    finally:
        simulator.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(table))
    partial.replace(path)  # atomic: a concurrent reader sees the whole table or none
    return table


@cache
def tasks_of(split: str) -> tuple[str, ...]:
    """The split's task ids, ``<task name>/<variation>``."""
    which = SPLITS.index(split)
    ids = []
    for task, sizes in split_sizes().items():
        start = sum(sizes[:which])
        ids += [f"{task}/{variation}" for variation in range(start, start + sizes[which])]
    return tuple(ids)


class ScienceWorldEnv(TextEnv):
    """ScienceWorld (Wang et al., 2022): elementary-science tasks in a text simulator.

        Tasks: one of the 30 tasks in one variation, named ``<task>/<variation>`` (``boil/3``); the seed
        picks one from the split when no ``task_id`` is given. Splits: ScienceWorld's own train, dev and
        test variations. Observation: the simulator's reply to the last command (the first is its
        ``look around``), with the score so far. Actions: ScienceWorld's commands, free text that its own
        parser reads (``open door to kitchen``, ``go to kitchen``, ``pick up thermometer``,
        ``focus on water``, ``use thermometer on water``, ``wait``); a command the parser matches to
        nothing is an invalid action. ``valid_actions`` lists the simulator's valid action-object
        combinations, a hint of what it understands. Reward: the score's change, scaled to [0, 1];
        a failed task (ScienceWorld's score of -100) ends the episode with score 0. Success: the
        simulator's own completion. ``expert_action``: the simulator's gold path, replayed from the start;
    asked for at an episode's start, it reloads the task with that path worked out (seconds), which for
    the tasks ScienceWorld draws anew at each load is a fresh draw of the world.

        The JVM starts with the first episode and serves every later one (a contract resource); a call
        past ``step_timeout`` kills it and ends the episode as a world error.

        Example:
            >>> import gymnasium as gym, palaestra
            >>> env = gym.make("ScienceWorld-v0")
            >>> obs, info = env.reset(seed=0, options={"task_id": "boil/0"})
            >>> obs, reward, terminated, truncated, info = env.step("<action>open door to kitchen</action>")
    """

    splits = SPLITS
    default_step_timeout = 30.0

    def __init__(self, *, simplifications: str = "", **base: Any):
        missing = missing_extra("scienceworld")
        if missing:
            raise ImportError(f"ScienceWorld-v0 needs the scienceworld package and Java: {missing}")
        super().__init__(**base)
        if not isinstance(simplifications, str):
            raise ValueError(f"simplifications must be a comma-separated str, not {simplifications!r}")
        self.simplifications = simplifications
        self.score = 0  # ScienceWorld's, -100 to 100
        self.completed = False
        self._reply = ""
        self._look = self._inventory = self._task = ""
        self._valid: list[str] = []
        self._moves: list[str] = []
        self._gold: list[str] | None = None

    def task_ids(self) -> Sequence[str]:
        return tasks_of(self.split)

    @property
    def simulator(self) -> Simulator:
        return self.resource("jvm", Simulator)

    def _run(self, function: str, *args: Any, timeout: float | None = None) -> Any:
        return self.simulator.call(timeout or self.step_timeout, function, *args)

    # -- world ----------------------------------------------------------------------------------
    def _load(self, gold: bool) -> None:
        task, variation = self.task_id.rsplit("/", 1)
        self._run("load", task, int(variation), self.simplifications, gold, timeout=STARTUP_TIMEOUT)
        reply, info = self._run("reset")
        self._update(reply, info, done=False)
        self._task = self._run("get_task_description")

    def _new_episode(self, options: dict[str, Any]) -> None:
        self._moves, self._gold = [], None
        self._load(gold=False)

    def _update(self, reply: str, info: dict[str, Any], done: bool) -> None:
        self._reply, self.score = reply.strip(), int(info["score"])
        self.completed = done and self.score >= 0  # done with a negative score: the task failed
        self._look, self._inventory = info["look"], info["inv"]
        self._valid = list(info["valid"])

    def _parse(self, text: str) -> str:
        command = " ".join(text.split()).lower().rstrip(".")
        if not command:
            raise ActionError("no command: send one ScienceWorld command, e.g. <action>look around</action>")
        if len(command) > MAX_COMMAND_LENGTH:
            raise ActionError(f"a command is at most {MAX_COMMAND_LENGTH} characters")
        if not COMMAND_CHARACTERS.fullmatch(command):
            raise ActionError("ScienceWorld's commands are words of plain letters and digits")
        return command

    def _advance(self, command: str) -> tuple[float, bool]:
        before = max(self.score, 0)
        reply, _, done, info = self._run("step", command)
        if reply.strip() == NO_MATCH:
            raise ActionError(f"ScienceWorld understands no command {command!r}; valid_actions gives hints")
        self._moves.append(command)
        self._update(reply, info, done)
        return (max(self.score, 0) - before) / 100, self.completed or self.score < 0

    def _outcome(self) -> tuple[bool, float]:
        return self.completed and self.score >= 100, max(self.score, 0) / 100

    def _state_bytes(self) -> bytes:
        return "\n".join([self.task_id, str(self.score), self._look, self._inventory]).encode()

    def valid_actions(self) -> list[str]:
        return list(self._valid)

    def expert_action(self) -> str:
        """The next command of ScienceWorld's gold path, while the episode has followed it."""
        if self._gold is None:
            if self._moves:
                raise RuntimeError("ScienceWorld's gold path is only known from an episode's start")
            self._load(gold=True)  # the same start, with the gold path worked out (seconds)
            self._gold = [command.lower() for command in self._run("get_gold_action_sequence")]
        done = len(self._moves)
        if self._moves != self._gold[:done] or done >= len(self._gold):
            raise RuntimeError("the episode has left ScienceWorld's gold path, so no expert action is known")
        return self._gold[done]

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        return f"{self._reply}\n\nScore: {max(self.score, 0)}/100"

    def _instructions(self) -> str:
        return (
            "You are in ScienceWorld, a text simulation of a house with rooms, objects, substances, "
            "living things and devices, where physics, chemistry and biology work as in the real "
            f"world.\nTask: {self._task}\n"
            "Act with one command at a time in ScienceWorld's language: look around, look at OBJ, "
            "look in OBJ, go to LOCATION, open OBJ, close OBJ, pick up OBJ, put down OBJ, move OBJ to "
            "OBJ, pour OBJ in OBJ, dunk OBJ in OBJ, mix OBJ, activate OBJ, deactivate OBJ, use OBJ on "
            "OBJ, read OBJ, eat OBJ, flush OBJ, connect OBJ to OBJ, disconnect OBJ, focus on OBJ "
            "(marks the object the task is about: focusing on the wrong one fails the task), "
            "inventory, wait, wait1. When the simulator asks which of several things you meant, answer "
            "with its number.\nAnswer with one command, e.g. <action>look around</action>."
        )
