"""Household's generator: a home and a task, a pure function of the random generator and the settings.

1. The task type is drawn from the allowed ones, then a goal, an ``(object kind, target)`` pair of
   the split (``catalog.goals``: the test split's pairs are never asked for in train), among the
   goals that ``rooms`` rooms can serve.
2. Rooms are drawn among the sets of ``rooms`` room types that serve the goal (they hold the target,
   the microwave, fridge or sinkbasin the task needs, and a place for the object other than the
   target), and folded into one scene as ALFWorld does: receptacles of one kind are numbered across
   rooms (``cabinet 1`` to ``cabinet 7``). Each receptacle count is drawn from its room's range;
   the kinds the task needs are raised to at least one.
3. Every bedroom has a desklamp and every living room a floorlamp, standing on a receptacle.
4. One or two objects of the asked kind (two or three for ``pick_two_obj_and_place``) start on
   receptacles that are places for their kind but not of the target kind, so no task is won at the
   start; then ``distractors`` objects of other kinds go on places for them.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations

import numpy as np

from palaestra.envs.household.catalog import (
    OBJECTS,
    ROOM_NAMES,
    ROOMS,
    TASK_TYPES,
    TOOL,
    TWO,
    goals,
)
from palaestra.envs.household.world import HouseholdWorld, Receptacle, Task, Thing

MAX_ROOMS = len(ROOM_NAMES)
MAX_DISTRACTORS = 40


def _offered(rooms: tuple[str, ...]) -> set[str]:
    """The receptacle kinds (and lamp kinds) that some room of ``rooms`` can have."""
    kinds = {kind for room in rooms for kind, _, _ in ROOMS[room].receptacles}
    return kinds | {ROOMS[room].lamp for room in rooms if ROOMS[room].lamp}


def _serves(rooms: tuple[str, ...], task_type: str, obj: str, target: str) -> bool:
    offered = _offered(rooms)
    tool = TOOL.get(task_type)
    return target in offered and (tool is None or tool in offered) and bool(_starts(obj, target) & offered)


def _starts(obj: str, target: str) -> frozenset[str]:
    """Receptacle kinds an object of kind ``obj`` may start on in a task that targets ``target``."""
    return OBJECTS[obj].places - {target}


@cache
def feasible_goals(task_type: str, split: str, rooms: int) -> tuple[tuple[str, str], ...]:
    """The goals of ``split`` for ``task_type`` that some home of ``rooms`` rooms can serve."""
    sets = list(combinations(ROOM_NAMES, rooms))
    return tuple(g for g in goals(task_type, split) if any(_serves(s, task_type, *g) for s in sets))


def check_settings(rooms: int, distractors: int, task_types: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless homes can be generated with these settings (in both splits)."""
    if not 1 <= rooms <= MAX_ROOMS:
        raise ValueError(f"rooms must be 1 to {MAX_ROOMS}, got {rooms}")
    if not 0 <= distractors <= MAX_DISTRACTORS:
        raise ValueError(f"distractors must be 0 to {MAX_DISTRACTORS}, got {distractors}")
    if not task_types:
        raise ValueError("task_types must name at least one task type")
    for task_type in task_types:
        if task_type not in TASK_TYPES:
            raise ValueError(f"unknown task type {task_type!r}; the task types are {', '.join(TASK_TYPES)}")
        for split in ("train", "test"):
            if not feasible_goals(task_type, split, rooms):
                raise ValueError(f"no {task_type} task fits in {rooms} room(s) in the {split} split")


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def generate(
    rng: np.random.Generator, *, rooms: int, distractors: int, task_types: tuple[str, ...], split: str
) -> HouseholdWorld:
    """A fresh home and task drawn from ``rng`` alone (see the module docstring)."""
    task_type = _pick(rng, task_types)
    obj, target = _pick(rng, feasible_goals(task_type, split, rooms))
    room_sets = [s for s in combinations(ROOM_NAMES, rooms) if _serves(s, task_type, obj, target)]
    chosen = [str(room) for room in rng.permutation(_pick(rng, room_sets))]

    counts = {
        room: {kind: int(rng.integers(lo, hi + 1)) for kind, lo, hi in ROOMS[room].receptacles}
        for room in chosen
    }
    offered = _offered(tuple(chosen))
    start = _pick(rng, sorted(_starts(obj, target) & offered))
    for kind in (target, TOOL.get(task_type), start):
        if kind is None or any(counts[room].get(kind) for room in chosen):
            continue
        holders = [room for room in chosen if kind in counts[room]]
        if holders:  # lamps are not receptacles: every room with a lamp has it
            counts[_pick(rng, holders)][kind] = 1

    receptacles: list[Receptacle] = []
    numbers: dict[str, int] = {}
    by_room: dict[str, list[Receptacle]] = {}
    for room in chosen:
        here = by_room[room] = []
        for kind, count in counts[room].items():
            for _ in range(count):
                numbers[kind] = numbers.get(kind, 0) + 1
                here.append(Receptacle(f"{kind} {numbers[kind]}"))
        receptacles += here

    def spots(pool: list[Receptacle], kinds: frozenset[str] | tuple[str, ...]) -> list[str]:
        return [r.name for r in pool if r.kind in kinds]

    things: list[Thing] = []

    def place(kind: str, where: list[str]) -> None:
        numbers[kind] = numbers.get(kind, 0) + 1
        things.append(Thing(f"{kind} {numbers[kind]}", _pick(rng, where)))

    for room in chosen:
        spec = ROOMS[room]
        if spec.lamp:
            place(spec.lamp, spots(by_room[room], spec.lamp_on))

    homes = spots(receptacles, _starts(obj, target))
    for _ in range((2 if task_type == TWO else 1) + int(rng.integers(2))):
        place(obj, homes)

    kinds_present = {r.kind for r in receptacles}
    others = [kind for kind, spec in OBJECTS.items() if kind != obj and spec.places & kinds_present]
    places: dict[str, list[str]] = {}
    for _ in range(distractors):
        kind = _pick(rng, others)
        if kind not in places:
            places[kind] = spots(receptacles, OBJECTS[kind].places)
        place(kind, places[kind])

    task = Task(task_type, obj, target, int(rng.integers(2)))
    return HouseholdWorld(receptacles, things, task)
