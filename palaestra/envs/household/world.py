"""Household's world: receptacles, objects, the agent, ALFWorld's rules and the goal, with no text.

The rules are those of ALFWorld's PDDL domain (``alfred.pddl``):

- ``go to R`` moves the agent to receptacle ``R`` (every receptacle is its own place; going where
  the agent already stands does nothing).
- ``open R`` / ``close R``: an openable receptacle where the agent stands, closed / open.
- ``take O from R``: hands empty, ``O`` in ``R`` where the agent stands, ``R`` open if it opens.
  Lamps are fixed in place and cannot be taken.
- ``move O to R``: holding ``O``, at ``R``, ``R`` open if it opens, and ``R`` a place for ``O``'s kind
  (its kind's ``places`` in ``catalog.OBJECTS``, ALFWorld's ``canContain``).
- ``heat O with R`` / ``cool O with R`` / ``clean O with R``: holding ``O`` (a heatable, coolable,
  cleanable kind), at ``R``, a microwave / fridge / sinkbasin (open or not). Heating makes ``O`` hot
  and not cool; cooling makes it cool and not hot; cleaning makes it clean.
- ``use O``: a lamp in a receptacle where the agent stands; it is on from then on.
- ``examine R`` where the agent stands; ``examine O`` for an object held or seen where the agent
  stands; ``look``; ``inventory``: they change nothing.

A command whose preconditions fail changes nothing (ALFWorld answers "Nothing happens.").

Goals (ALFWorld's): an object of the asked kind, in the asked state, in a receptacle of the asked
kind (two distinct ones in the same receptacle for ``pick_two_obj_and_place``); for
``look_at_obj_in_light``, an object of the asked kind held while a lamp of the asked kind is on
where the agent stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from palaestra.envs.household.catalog import (
    CLEAN,
    CLEANER,
    COOL,
    COOLER,
    HEAT,
    HEATER,
    LAMPS,
    LOOK,
    OBJECTS,
    OPENABLE,
    TWO,
)

# Verbs of structured commands.
GOTO, OPEN, CLOSE, TAKE, MOVE = "go to", "open", "close", "take", "move"
HEAT_WITH, COOL_WITH, CLEAN_WITH = "heat", "cool", "clean"
USE, EXAMINE, INVENTORY, LOOK_AROUND = "use", "examine", "inventory", "look"
# verb -> (the receptacle kind it needs, the ability of ``catalog.ObjectKind`` it needs)
TREATMENTS = {
    HEAT_WITH: (HEATER, "heatable"),
    COOL_WITH: (COOLER, "coolable"),
    CLEAN_WITH: (CLEANER, "cleanable"),
}
_CHANGES_OBJECTS = frozenset({TAKE, MOVE, HEAT_WITH, COOL_WITH, CLEAN_WITH, USE})


class Command(NamedTuple):
    """A structured command: ``verb`` with an object and/or a receptacle (names like ``mug 2``).

    ``examine`` and ``use`` put their one argument in ``target``; the others name an object ``obj``
    and a receptacle ``recep`` as their grammar does.
    """

    verb: str
    obj: str | None = None
    recep: str | None = None
    target: str | None = None


def kind_of(name: str) -> str:
    """``"cabinet"`` for ``"cabinet 3"``."""
    return name.rsplit(" ", 1)[0]


def sort_key(name: str) -> tuple[str, int]:
    """ALFWorld lists things by kind, then by number from the highest: cabinet 2, cabinet 1, cup 1."""
    kind, number = name.rsplit(" ", 1)
    return kind, -int(number)


@dataclass
class Receptacle:
    """A receptacle; the openable ones (fridge, microwave, cabinet, drawer, safe) may be open."""

    name: str
    is_open: bool = False

    def __post_init__(self) -> None:
        self.kind = kind_of(self.name)
        self.openable = self.kind in OPENABLE


@dataclass
class Thing:
    """An object: where it is (a receptacle's name, or None while held) and its state."""

    name: str
    where: str | None
    clean: bool = False
    hot: bool = False
    cool: bool = False
    on: bool = False  # lamps only

    def __post_init__(self) -> None:
        self.kind = kind_of(self.name)
        self.is_lamp = self.kind in LAMPS


@dataclass(frozen=True)
class Task:
    """What the episode asks: a task type, an object kind, a target kind (receptacle or lamp), and
    which of the type's two sentence templates words it."""

    type: str
    obj: str
    target: str
    wording: int = 0


class HouseholdWorld:
    """One home in play. Build a fresh one with ``generator.generate``; the constructor takes a
    home as given: its receptacles, its objects (each on a receptacle, or held if ``where`` is
    None) and the task. The agent starts in the middle of the room."""

    def __init__(self, receptacles: list[Receptacle], things: list[Thing], task: Task):
        self.receptacles = {r.name: r for r in receptacles}
        self.things = {t.name: t for t in things}
        self.task = task
        self.location: str | None = None  # None: the middle of the room, where every episode starts
        self.held: str | None = None
        self.contents: dict[str, list[str]] = {name: [] for name in self.receptacles}
        for thing in things:
            if thing.where is None:
                self.held = thing.name
            else:
                self.contents[thing.where].append(thing.name)
        self.room_list = sorted(self.receptacles, key=sort_key)
        self.by_kind: dict[str, list[str]] = {}  # receptacle kind -> its receptacles, as listed
        for name in self.room_list:
            self.by_kind.setdefault(self.receptacles[name].kind, []).append(name)
        self._walks = [(name, Command(GOTO, recep=name)) for name in self.room_list]
        self._canonical = (sorted(self.receptacles), sorted(self.things))
        self._objects_state: bytes | None = None  # the objects' part of state_bytes, until one changes

    # -- what the agent can see ------------------------------------------------------------------
    def visible(self, recep: str) -> bool:
        """Whether the inside of ``recep`` can be seen (and reached): it does not open, or it is open."""
        r = self.receptacles[recep]
        return not r.openable or r.is_open

    def in_reach(self, name: str) -> bool:
        """Whether object ``name`` is held, or seen in a receptacle where the agent stands."""
        thing = self.things.get(name)
        if thing is None:
            return False
        return thing.where is None or (thing.where == self.location and self.visible(thing.where))

    def can_contain(self, recep: str, obj: str) -> bool:
        return self.receptacles[recep].kind in OBJECTS[self.things[obj].kind].places

    # -- rules -----------------------------------------------------------------------------------
    def admissible(self, cmd: Command) -> bool:
        """Whether ``cmd``'s preconditions hold now (names that are not in the home never do)."""
        verb, here, held = cmd.verb, self.location, self.held
        if verb in (INVENTORY, LOOK_AROUND):
            return True
        if verb == GOTO:
            return cmd.recep in self.receptacles and cmd.recep != here
        if verb in (OPEN, CLOSE):
            r = self.receptacles.get(cmd.recep)
            return r is not None and cmd.recep == here and r.openable and r.is_open == (verb == CLOSE)
        if verb == EXAMINE:
            return cmd.target == here or self.in_reach(cmd.target)
        if verb == USE:
            thing = self.things.get(cmd.target)
            return thing is not None and thing.is_lamp and thing.where == here
        if verb == TAKE:
            thing = self.things.get(cmd.obj)
            return (
                held is None
                and thing is not None
                and not thing.is_lamp
                and thing.where == cmd.recep == here
                and self.visible(here)
            )
        if cmd.obj != held or held is None or cmd.recep != here or cmd.recep not in self.receptacles:
            return False
        if verb == MOVE:
            return self.visible(here) and self.can_contain(here, held)
        tool, ability = TREATMENTS[verb]
        return self.receptacles[here].kind == tool and getattr(OBJECTS[self.things[held].kind], ability)

    def apply(self, cmd: Command) -> bool:
        """Carry out ``cmd`` if it is admissible; returns whether it was (else nothing changes)."""
        if not self.admissible(cmd):
            return False
        verb = cmd.verb
        if verb in _CHANGES_OBJECTS:
            self._objects_state = None
        if verb == GOTO:
            self.location = cmd.recep
        elif verb in (OPEN, CLOSE):
            self.receptacles[cmd.recep].is_open = verb == OPEN
        elif verb == TAKE:
            self.contents[cmd.recep].remove(cmd.obj)
            self.things[cmd.obj].where = None
            self.held = cmd.obj
        elif verb == MOVE:
            self.contents[cmd.recep].append(cmd.obj)
            self.things[cmd.obj].where = cmd.recep
            self.held = None
        elif verb == HEAT_WITH:
            thing = self.things[cmd.obj]
            thing.hot, thing.cool = True, False
        elif verb == COOL_WITH:
            thing = self.things[cmd.obj]
            thing.cool, thing.hot = True, False
        elif verb == CLEAN_WITH:
            self.things[cmd.obj].clean = True
        elif verb == USE:
            self.things[cmd.target].on = True
        return True

    def commands(self) -> list[Command]:
        """Every admissible command now (ALFWorld's admissible commands), in no particular order."""
        here, held = self.location, self.held
        found = [Command(INVENTORY), Command(LOOK_AROUND)]
        found += [walk for name, walk in self._walks if name != here]
        if held is not None:
            found.append(Command(EXAMINE, target=held))
        if here is None:
            return found
        r = self.receptacles[here]
        found.append(Command(EXAMINE, target=here))
        if r.openable:
            found.append(Command(CLOSE if r.is_open else OPEN, recep=here))
        if self.visible(here):
            for name in self.contents[here]:
                found.append(Command(EXAMINE, target=name))
                if self.things[name].is_lamp:
                    found.append(Command(USE, target=name))
                elif held is None:
                    found.append(Command(TAKE, obj=name, recep=here))
        if held is not None:
            for verb in (MOVE, HEAT_WITH, COOL_WITH, CLEAN_WITH):
                cmd = Command(verb, obj=held, recep=here)
                if self.admissible(cmd):
                    found.append(cmd)
        return found

    # -- the goal --------------------------------------------------------------------------------
    def qualifies(self, thing: Thing) -> bool:
        """Whether ``thing`` is of the task's object kind and in the state the task asks for."""
        task = self.task
        if thing.kind != task.obj:
            return False
        if task.type == CLEAN:
            return thing.clean
        if task.type == HEAT:
            return thing.hot
        if task.type == COOL:
            return thing.cool
        return True

    def placed(self, recep: str) -> int:
        """How many qualifying objects ``recep`` holds."""
        things = self.things
        return sum(self.qualifies(things[name]) for name in self.contents[recep])

    @property
    def won(self) -> bool:
        task = self.task
        if task.type == LOOK:
            return (
                self.held is not None
                and self.qualifies(self.things[self.held])
                and self.location is not None
                and any(
                    self.things[n].kind == task.target and self.things[n].on
                    for n in self.contents[self.location]
                )
            )
        needed = 2 if task.type == TWO else 1
        return any(self.placed(r) >= needed for r in self.by_kind.get(task.target, ()))

    def state_bytes(self) -> bytes:
        """Everything that decides what happens next: the task, where the agent is and what it holds,
        which receptacles are open, and each object's place and state, in a canonical order."""
        task = self.task
        receptacles, things = self._canonical
        if self._objects_state is None:
            objects = (self.things[name] for name in things)
            self._objects_state = "\n".join(
                f"{t.name}@{t.where or ''}:{t.clean:d}{t.hot:d}{t.cool:d}{t.on:d}" for t in objects
            ).encode()
        parts = [f"{task.type}|{task.obj}|{task.target}|{task.wording}", self.location or "", self.held or ""]
        parts += [name for name in receptacles if self.receptacles[name].is_open]
        return "\n".join(parts).encode() + b"\n\n" + self._objects_state
