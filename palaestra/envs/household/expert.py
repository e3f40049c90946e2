"""A Household expert that reads the world: the next command of a plan, computed afresh each step.

The expert knows where every object is, so it never searches. From any state it:

1. puts down whatever it holds that the task has no use for (on the receptacle where it stands if
   that takes it, else on the first place for it);
2. for ``look_at_obj_in_light``: takes an object of the asked kind, walks to a lamp of the asked
   kind and turns it on;
3. otherwise: picks the goal receptacle (the one of the target kind already holding the most
   finished objects), takes an object of the asked kind that is not in it, heats, cools or cleans
   it if the task says so, and moves it there; twice for ``pick_two_obj_and_place``.

Each of those is a walk (``go to``), an ``open`` where a receptacle is closed, and the act, so a
task takes at most about a dozen commands, far inside the 50 steps of an episode.
"""

from __future__ import annotations

from palaestra.envs.household.catalog import LOOK, TOOL
from palaestra.envs.household.world import (
    GOTO,
    MOVE,
    OPEN,
    TAKE,
    TREATMENTS,
    USE,
    Command,
    HouseholdWorld,
)

_TREAT = {tool: verb for verb, (tool, _) in TREATMENTS.items()}  # receptacle kind -> its verb


def _at(world: HouseholdWorld, recep: str, act: Command) -> Command:
    """``act`` at ``recep``, after walking there and opening it when it needs to be open."""
    if world.location != recep:
        return Command(GOTO, recep=recep)
    if act.verb in (TAKE, MOVE) and not world.visible(recep):
        return Command(OPEN, recep=recep)
    return act


def _goal_receptacle(world: HouseholdWorld) -> str:
    return max(world.by_kind[world.task.target], key=world.placed)  # the first among the fullest


def _wanted(world: HouseholdWorld, name: str, goal: str | None) -> bool:
    """Whether object ``name`` serves the task (and is not already done, in the goal receptacle)."""
    thing = world.things[name]
    return thing.kind == world.task.obj and (
        goal is None or thing.where != goal or not world.qualifies(thing)
    )


def next_command(world: HouseholdWorld) -> Command:
    """The expert's next command in ``world`` (whose task is not yet won)."""
    task = world.task
    goal = None if task.type == LOOK else _goal_receptacle(world)
    held = world.held
    if held is not None and not _wanted(world, held, goal):
        here = world.location
        if here is not None and world.visible(here) and world.can_contain(here, held):
            return Command(MOVE, obj=held, recep=here)
        spot = next(r for r in world.room_list if world.can_contain(r, held))
        return _at(world, spot, Command(MOVE, obj=held, recep=spot))
    if held is None:
        name = next(n for n in sorted(world.things) if _wanted(world, n, goal) and world.things[n].where)
        where = world.things[name].where
        return _at(world, where, Command(TAKE, obj=name, recep=where))
    if task.type == LOOK:
        lamp = next(n for n in sorted(world.things) if world.things[n].kind == task.target)
        where = world.things[lamp].where
        return _at(world, where, Command(USE, target=lamp))
    tool = TOOL.get(task.type)
    if tool is not None and not world.qualifies(world.things[held]):
        station = world.by_kind[tool][0]
        return _at(world, station, Command(_TREAT[tool], obj=held, recep=station))
    return _at(world, goal, Command(MOVE, obj=held, recep=goal))
