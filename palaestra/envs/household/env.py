"""``Household-Text-v0``: ALFWorld's household tasks in procedurally generated homes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palaestra.core import TextEnv, resolve_preset
from palaestra.envs.household import language
from palaestra.envs.household.catalog import LOOK, PICK, TASK_TYPES
from palaestra.envs.household.expert import next_command
from palaestra.envs.household.generator import check_settings, generate
from palaestra.envs.household.world import Command, HouseholdWorld

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"rooms": 1, "distractors": 3, "task_types": (PICK, LOOK)},
    "medium": {"rooms": 2, "distractors": 8, "task_types": TASK_TYPES},
    "hard": {"rooms": 3, "distractors": 16, "task_types": TASK_TYPES},
}


class HouseholdEnv(TextEnv):
    """ALFWorld's six household task types in homes generated from the seed, in ALFWorld's language.

    A home folds ``rooms`` rooms (kitchen, living room, bedroom, bathroom) into one scene, as ALFWorld
    does: numbered receptacles (``fridge 1``, ``cabinet 3``, ``sinkbasin 2``, ``desk 1``; those that
    open start closed), lamps (``desklamp 1`` in a bedroom, ``floorlamp 1`` in a living room), the
    objects the task needs and ``distractors`` others. The task is one of ``task_types``
    (``pick_and_place_simple``, ``look_at_obj_in_light``, ``pick_clean_then_place_in_recep``,
    ``pick_heat_then_place_in_recep``, ``pick_cool_then_place_in_recep``, ``pick_two_obj_and_place``),
    said as ALFWorld says it: "Your task is to: put a clean mug in coffeemachine."

    Spaces: the action and the observation are text (``UnicodeText``, the contract's bounds).
    Observation: ALFWorld's text; at reset "-= Welcome to TextWorld, ALFRED! =-", the room ("You
    are in the middle of a room. Looking quickly around you, you see a cabinet 2, ...") and the task;
    then the answer to each command ("You arrive at countertop 1. On the countertop 1, you see a mug
    2.", "Nothing happens."). Action: one of ALFWorld's commands (``language.COMMANDS``);
    ``info["valid_actions"]`` lists the admissible ones. A command that cannot be done now is a
    valid step answered "Nothing happens."; text that is no command, or names a receptacle the home
    lacks, is an invalid action. Reward: 1 on the step that wins the task (the episode then ends),
    else 0. Score: 1 when won, else 0. Splits: test tasks ask for object-target pairs that train
    tasks never ask for (``catalog.is_test_goal``).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("Household-Text-v0", difficulty="easy")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>look</action>")
    """

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        rooms: int | None = None,
        distractors: int | None = None,
        task_types: Sequence[str] | None = None,
        **base: Any,
    ):
        if isinstance(task_types, str):
            task_types = (task_types,)
        self.settings = resolve_preset(
            PRESETS,
            difficulty,
            rooms=rooms,
            distractors=distractors,
            task_types=None if task_types is None else tuple(task_types),
        )
        check_settings(**self.settings)
        super().__init__(**base)
        self.world: HouseholdWorld | None = None
        self._said = ""  # the answer to the last command (the intro after reset)
        self._texts: dict[Command, str] = {}  # command -> its text, kept for the episode's home

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.world = generate(self.np_random, split=self.split, **self.settings)
        self._said = language.intro(self.world)
        self._texts = {}

    def _parse(self, text: str) -> Command:
        return language.parse(text, self.world)

    def _advance(self, action: Command) -> tuple[float, bool]:
        happened = self.world.apply(action)
        self._said = language.feedback(self.world, action, happened)
        won = self.world.won
        return float(won), won

    def _outcome(self) -> tuple[bool, float]:
        won = self.world.won
        return won, float(won)

    def _state_bytes(self) -> bytes:
        return self.world.state_bytes()

    def valid_actions(self) -> list[str]:
        texts = self._texts
        found = []
        for cmd in self.world.commands():
            text = texts.get(cmd)
            if text is None:
                text = texts[cmd] = language.command_text(cmd)
            found.append(text)
        return sorted(found)

    def expert_action(self) -> str:
        return language.command_text(next_command(self.world))

    def _extra_info(self) -> dict[str, Any]:
        return {"task_type": self.world.task.type}

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        return self._said

    def _instructions(self) -> str:
        return (
            "You are in a home, as in ALFWorld, and must complete a household task. "
            f"Your task is to: {language.task_sentence(self.world)}\n"
            f"Commands: {language.COMMANDS}. R is a receptacle such as 'fridge 1' or 'countertop 2', "
            "O an object such as 'mug 2' or 'desklamp 1', and X either.\n"
            "Rules: go to a receptacle to see what is on it or in it; fridges, microwaves, cabinets, "
            "drawers and safes start closed and must be opened to see inside, to take from them and "
            "to put into them. You hold one object at a time. Heat with a microwave, cool with a "
            "fridge, clean with a sinkbasin, while holding the object and standing at it. To look at "
            "an object under a lamp, hold the object and use the lamp where it stands. A command "
            "that cannot be done now is answered 'Nothing happens.'.\n"
            "Reward: 1 when the task is done (the episode ends then), else 0.\n"
            f"Reply with exactly one command, for example: <action>go to {self.world.room_list[0]}</action>"
        )
