"""Household's language: ALFWorld's command grammar and its observation texts (``alfred.twl2``).

Commands (case and runs of whitespace do not matter)::

    go to R | open R | close R | take O from R | move O to R | put O in R | put O on R | put O in/on R
    heat O with R | cool O with R | clean O with R | use O | examine X | inventory | look

``R`` must name a receptacle of this home (``fridge 1``); ``O`` and ``X`` are names of the same
shape (a word and a number), objects or, for ``examine``, receptacles too. Text of no such form, or
naming a receptacle the home does not have, is not a command (``ActionError``). A command that
parses but cannot be done now (a closed fridge, an object that is elsewhere or does not exist) is
answered ``Nothing happens.``, as ALFWorld answers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from palaestra.core import ActionError, normalize, quote
from palaestra.envs.household.catalog import CLEAN, COOL, HEAT, LOOK, PICK, TWO
from palaestra.envs.household.world import (
    CLEAN_WITH,
    CLOSE,
    COOL_WITH,
    EXAMINE,
    GOTO,
    HEAT_WITH,
    INVENTORY,
    LOOK_AROUND,
    MOVE,
    OPEN,
    TAKE,
    USE,
    Command,
    HouseholdWorld,
    sort_key,
)

NOTHING_HAPPENS = "Nothing happens."
WELCOME = "-= Welcome to TextWorld, ALFRED! =-"
COMMANDS = (
    "go to R, open R, close R, take O from R, move O to R (or put O in/on R), heat O with R, "
    "cool O with R, clean O with R, use O, examine X, inventory, look"
)

# ALFWorld's two wordings of each task type.
TEMPLATES = {
    PICK: ("put a {o} in {t}.", "put some {o} on {t}."),
    LOOK: ("look at {o} under the {t}.", "examine the {o} with the {t}."),
    CLEAN: ("put a clean {o} in {t}.", "clean some {o} and put it in {t}."),
    HEAT: ("put a hot {o} in {t}.", "heat some {o} and put it in {t}."),
    COOL: ("put a cool {o} in {t}.", "cool some {o} and put it in {t}."),
    TWO: ("put two {o} in {t}.", "find two {o} and put them in {t}."),
}

_NAME = r"([a-z]+ \d+)"
# (pattern, verb, the Command fields its groups fill)
_FORMS = [
    (re.compile(rf"go to {_NAME}"), GOTO, ("recep",)),
    (re.compile(rf"open {_NAME}"), OPEN, ("recep",)),
    (re.compile(rf"close {_NAME}"), CLOSE, ("recep",)),
    (re.compile(rf"take {_NAME} from {_NAME}"), TAKE, ("obj", "recep")),
    (re.compile(rf"move {_NAME} to {_NAME}"), MOVE, ("obj", "recep")),
    (re.compile(rf"put {_NAME} (?:in|on|in/on) {_NAME}"), MOVE, ("obj", "recep")),
    (re.compile(rf"heat {_NAME} with {_NAME}"), HEAT_WITH, ("obj", "recep")),
    (re.compile(rf"cool {_NAME} with {_NAME}"), COOL_WITH, ("obj", "recep")),
    (re.compile(rf"clean {_NAME} with {_NAME}"), CLEAN_WITH, ("obj", "recep")),
    (re.compile(rf"use {_NAME}"), USE, ("target",)),
    (re.compile(rf"examine {_NAME}"), EXAMINE, ("target",)),
    (re.compile("inventory"), INVENTORY, ()),
    (re.compile("look"), LOOK_AROUND, ()),
]


def parse(text: str, world: HouseholdWorld) -> Command:
    """The command ``text`` names; ``ActionError`` if it is none (see the module docstring).

    ``"  Take MUG 2 from   countertop 1"`` is ``Command("take", obj="mug 2", recep="countertop 1")``.
    """
    cmd = match(text)
    if cmd is None:
        raise ActionError(not_a_command(text))
    if cmd.recep is not None and cmd.recep not in world.receptacles:
        raise ActionError(no_such_receptacle(cmd.recep, world.room_list))
    return cmd


def match(text: str) -> Command | None:
    """The command whose form ``text`` has, whatever it names (``None`` if it has no command's form)."""
    said = normalize(text)
    for pattern, verb, fields in _FORMS:
        found = pattern.fullmatch(said)
        if found is not None:
            return Command(verb, **dict(zip(fields, found.groups(), strict=True)))
    return None


def not_a_command(text: str) -> str:
    """The error for text of no command's form: the commands, with what R, O and X stand for."""
    return (
        f"{quote(text)} is not a command. The commands are: {COMMANDS}, where R is a receptacle such "
        "as 'countertop 1', O an object such as 'mug 2', and X either."
    )


def no_such_receptacle(name: str, receptacles: list[str]) -> str:
    """The error for a command naming a receptacle the home lacks: the receptacles it has."""
    return f"there is no receptacle called {quote(name)} here; the receptacles are: {', '.join(receptacles)}"


def command_text(cmd: Command) -> str:
    """The canonical text of ``cmd``, as ALFWorld lists admissible commands."""
    verb = cmd.verb
    if verb in (INVENTORY, LOOK_AROUND):
        return verb
    if verb in (GOTO, OPEN, CLOSE):
        return f"{verb} {cmd.recep}"
    if verb in (USE, EXAMINE):
        return f"{verb} {cmd.target}"
    joint = {TAKE: "from", MOVE: "to"}.get(verb, "with")
    return f"{verb} {cmd.obj} {joint} {cmd.recep}"


def listing(names: Iterable[str]) -> str:
    """ALFWorld's lists: ``nothing``, ``a mug 1``, ``a cup 1, and a mug 1``, ``a a, a b, and a c``."""
    items = [f"a {name}" for name in sorted(names, key=sort_key)]
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ", and " + items[-1]


def task_sentence(world: HouseholdWorld) -> str:
    task = world.task
    return TEMPLATES[task.type][task.wording].format(o=task.obj, t=task.target)


def look(world: HouseholdWorld) -> str:
    if world.location is None:
        seen = listing(world.room_list)
        return f"You are in the middle of a room. Looking quickly around you, you see {seen}."
    return f"You are facing the {world.location}. Next to it, you see nothing."


def intro(world: HouseholdWorld) -> str:
    """The first observation: ALFWorld's welcome, the room, and the task."""
    return f"{WELCOME}\n\n{look(world)}\n\nYour task is to: {task_sentence(world)}"


def examine_receptacle(world: HouseholdWorld, recep: str) -> str:
    r = world.receptacles[recep]
    if r.openable and r.is_open:
        return f"The {recep} is open. In it, you see {listing(world.contents[recep])}."
    if r.openable:
        return f"The {recep} is closed."
    return f"On the {recep}, you see {listing(world.contents[recep])}."


def examine_object(world: HouseholdWorld, name: str) -> str:
    t = world.things[name]
    if t.clean and t.hot:
        return f"This is a hot and clean {name}."
    if t.clean and t.cool:
        return f"This is a cool and clean {name}."
    if t.hot:
        return f"This is a hot {name}."
    if t.clean:
        return f"This is a clean {name}."
    if t.cool:
        return f"This is a cold {name}."
    if t.is_lamp:
        return f"This {name} is {'on' if t.on else 'off'}."
    return f"There's nothing special about {name}."


def feedback(world: HouseholdWorld, cmd: Command, happened: bool) -> str:
    """What ALFWorld answers to ``cmd`` once the world has applied it (``happened``) or not."""
    if not happened:
        return NOTHING_HAPPENS
    verb, obj, recep = cmd.verb, cmd.obj, cmd.recep
    if verb == GOTO:
        return f"You arrive at {recep}. {examine_receptacle(world, recep)}"
    if verb == OPEN:
        return f"You open the {recep}. {examine_receptacle(world, recep)}"
    if verb == CLOSE:
        return f"You close the {recep}."
    if verb == TAKE:
        return f"You pick up the {obj} from the {recep}."
    if verb == MOVE:
        return f"You move the {obj} to the {recep}."
    if verb in (HEAT_WITH, COOL_WITH, CLEAN_WITH):
        return f"You {verb} the {obj} using the {recep}."
    if verb == USE:
        return f"You turn on the {cmd.target}."
    if verb == EXAMINE:
        if cmd.target in world.receptacles:
            return examine_receptacle(world, cmd.target)
        return examine_object(world, cmd.target)
    if verb == INVENTORY:
        return (
            f"You are carrying: {listing([world.held])}." if world.held else "You are not carrying anything."
        )
    return look(world)
