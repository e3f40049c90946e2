"""What a Household home is made of: rooms, receptacle kinds, object kinds, and the six task types.

Names are ALFWorld's (``sinkbasin``, ``diningtable``, ``garbagecan``, ``desklamp`` ...). An object
kind's ``places`` are ALFWorld's ``canContain`` relation: objects of the kind start only on
receptacles of those kinds, and ``move`` puts them only there. The tables are plain data; the rules
live in ``world.py``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

# Receptacle kinds that open and close (they start closed).
OPENABLE = frozenset({"cabinet", "drawer", "fridge", "microwave", "safe"})
HEATER, COOLER, CLEANER = "microwave", "fridge", "sinkbasin"
LAMPS = ("desklamp", "floorlamp")


class RoomSpec(NamedTuple):
    """A room type: ``(kind, fewest, most)`` receptacle counts, and its lamp (or None)."""

    receptacles: tuple[tuple[str, int, int], ...]
    lamp: str | None
    lamp_on: tuple[str, ...]  # receptacle kinds the lamp may stand on


ROOMS: dict[str, RoomSpec] = {
    "kitchen": RoomSpec(
        (
            ("cabinet", 2, 6),
            ("coffeemachine", 1, 1),
            ("countertop", 1, 3),
            ("diningtable", 0, 1),
            ("drawer", 1, 3),
            ("fridge", 1, 1),
            ("garbagecan", 1, 1),
            ("microwave", 1, 1),
            ("shelf", 0, 2),
            ("sinkbasin", 1, 1),
            ("stoveburner", 2, 4),
            ("toaster", 0, 1),
        ),
        None,
        (),
    ),
    "livingroom": RoomSpec(
        (
            ("armchair", 0, 1),
            ("cabinet", 0, 2),
            ("coffeetable", 1, 1),
            ("diningtable", 0, 1),
            ("drawer", 1, 2),
            ("garbagecan", 1, 1),
            ("shelf", 1, 2),
            ("sidetable", 1, 2),
            ("sofa", 1, 1),
            ("tvstand", 0, 1),
        ),
        "floorlamp",
        ("sidetable",),
    ),
    "bedroom": RoomSpec(
        (
            ("bed", 1, 1),
            ("desk", 0, 1),
            ("drawer", 1, 4),
            ("dresser", 0, 1),
            ("garbagecan", 1, 1),
            ("safe", 0, 1),
            ("shelf", 1, 3),
            ("sidetable", 1, 2),
        ),
        "desklamp",
        ("desk", "sidetable", "dresser"),
    ),
    "bathroom": RoomSpec(
        (
            ("bathtubbasin", 0, 1),
            ("cabinet", 1, 4),
            ("countertop", 1, 1),
            ("drawer", 0, 2),
            ("garbagecan", 1, 1),
            ("handtowelholder", 1, 1),
            ("sinkbasin", 1, 2),
            ("toilet", 1, 1),
            ("toiletpaperhanger", 1, 1),
            ("towelholder", 0, 1),
        ),
        None,
        (),
    ),
}
ROOM_NAMES = tuple(ROOMS)


class ObjectKind(NamedTuple):
    """What can be done to objects of one kind, and where they may be."""

    places: frozenset[str]
    heatable: bool = False
    coolable: bool = False
    cleanable: bool = False
    lookable: bool = False  # an "examine in light" task may ask for it


def _kind(places: str, flags: str = "") -> ObjectKind:
    return ObjectKind(
        frozenset(places.split()), "heat" in flags, "cool" in flags, "clean" in flags, "look" in flags
    )


_FOOD = "countertop diningtable fridge microwave sinkbasin garbagecan"
_DISH = "countertop diningtable cabinet shelf fridge microwave sinkbasin"
_CUTLERY = "countertop diningtable drawer sinkbasin"
_SMALL = "desk drawer sidetable shelf dresser safe coffeetable"

OBJECTS: dict[str, ObjectKind] = {
    "apple": _kind(_FOOD, "heat cool clean"),
    "bread": _kind("countertop diningtable fridge microwave cabinet", "heat cool"),
    "egg": _kind(_FOOD, "heat cool clean"),
    "potato": _kind(_FOOD, "heat cool clean"),
    "tomato": _kind(_FOOD, "heat cool clean"),
    "lettuce": _kind("countertop diningtable fridge sinkbasin garbagecan", "cool clean"),
    "mug": _kind(_DISH + " coffeemachine desk", "heat cool clean look"),
    "cup": _kind(_DISH, "heat cool clean"),
    "plate": _kind(_DISH, "heat cool clean"),
    "bowl": _kind(_DISH + " desk", "cool clean look"),
    "pan": _kind("countertop diningtable stoveburner cabinet sinkbasin fridge", "cool clean"),
    "pot": _kind("countertop diningtable stoveburner cabinet sinkbasin fridge", "cool clean"),
    "kettle": _kind("countertop stoveburner cabinet sinkbasin", "clean"),
    "winebottle": _kind("countertop diningtable fridge cabinet shelf garbagecan", "cool"),
    "fork": _kind(_CUTLERY, "clean"),
    "spoon": _kind(_CUTLERY, "clean"),
    "knife": _kind(_CUTLERY, "clean"),
    "butterknife": _kind(_CUTLERY, "clean"),
    "spatula": _kind(_CUTLERY, "clean"),
    "ladle": _kind(_CUTLERY, "clean"),
    "dishsponge": _kind("countertop sinkbasin cabinet drawer bathtubbasin", "clean"),
    "soapbar": _kind("countertop sinkbasin bathtubbasin toilet cabinet", "clean"),
    "cloth": _kind("countertop cabinet drawer bathtubbasin sinkbasin", "clean"),
    "soapbottle": _kind("countertop cabinet toilet shelf garbagecan"),
    "spraybottle": _kind("countertop cabinet toilet garbagecan"),
    "candle": _kind("countertop cabinet toilet shelf"),
    "toiletpaper": _kind("toiletpaperhanger toilet cabinet countertop garbagecan"),
    "handtowel": _kind("handtowelholder countertop cabinet"),
    "towel": _kind("towelholder bathtubbasin cabinet"),
    "book": _kind("desk bed shelf sidetable drawer dresser sofa coffeetable", "look"),
    "cd": _kind(_SMALL + " garbagecan", "look"),
    "cellphone": _kind(_SMALL + " bed sofa", "look"),
    "creditcard": _kind(_SMALL + " sofa armchair", "look"),
    "keychain": _kind(_SMALL, "look"),
    "pen": _kind("desk drawer sidetable shelf dresser garbagecan", "look"),
    "pencil": _kind("desk drawer sidetable shelf dresser garbagecan", "look"),
    "alarmclock": _kind("desk sidetable shelf dresser", "look"),
    "laptop": _kind("desk bed sofa coffeetable diningtable", "look"),
    "pillow": _kind("bed sofa armchair", "look"),
    "remotecontrol": _kind("sofa coffeetable sidetable armchair tvstand dresser", "look"),
    "newspaper": _kind("sofa coffeetable sidetable armchair diningtable garbagecan", "look"),
    "statue": _kind("shelf coffeetable sidetable dresser tvstand diningtable", "look"),
    "vase": _kind("shelf coffeetable sidetable tvstand cabinet diningtable", "look"),
    "watch": _kind("dresser sidetable drawer coffeetable safe", "look"),
    "box": _kind("coffeetable sofa shelf dresser sidetable armchair", "look"),
    "tissuebox": _kind("coffeetable sidetable dresser toilet shelf"),
}

# ALFWorld's six task types, by ALFWorld's names.
PICK, LOOK, CLEAN, HEAT, COOL, TWO = (
    "pick_and_place_simple",
    "look_at_obj_in_light",
    "pick_clean_then_place_in_recep",
    "pick_heat_then_place_in_recep",
    "pick_cool_then_place_in_recep",
    "pick_two_obj_and_place",
)
TASK_TYPES = (PICK, LOOK, CLEAN, HEAT, COOL, TWO)
TOOL = {CLEAN: CLEANER, HEAT: HEATER, COOL: COOLER}  # the receptacle each transformation needs
_FLAG = {CLEAN: "cleanable", HEAT: "heatable", COOL: "coolable", LOOK: "lookable"}
# Never a goal receptacle: a garbage can, or the receptacle that does the task's transformation.
_NOT_TARGETS = frozenset({"garbagecan"})


def is_test_goal(obj: str, target: str) -> bool:
    """Whether tasks asking for ``obj`` in (or under) ``target`` belong to the test split.

    About one object-target pair in four, by a stable hash: a test task always asks for a pairing
    that no train task asks for.
    """
    return hashlib.blake2b(f"{obj}|{target}".encode(), digest_size=1).digest()[0] % 4 == 0


def goals(task_type: str, split: str) -> list[tuple[str, str]]:
    """The ``(object kind, target)`` pairs tasks of ``task_type`` ask for in ``split``, sorted.

    The target is a receptacle kind, or a lamp kind for ``look_at_obj_in_light``.
    """
    flag = _FLAG.get(task_type)
    pairs = []
    for obj, kind in OBJECTS.items():
        if flag is not None and not getattr(kind, flag):
            continue
        targets = LAMPS if task_type == LOOK else kind.places - _NOT_TARGETS - {TOOL.get(task_type)}
        pairs += [(obj, target) for target in targets]
    return sorted(p for p in pairs if is_test_goal(*p) == (split == "test"))
