"""Household homes as ALFWorld game folders, which ALFWorld's own engine plays (``ALFWorld-v0``).

An ALFWorld game is a folder of three files (ALFWorld's ``json_2.1.1/<split>/<task>/<trial>/``):

* ``traj_data.json``: the task, ``{task_id, task_type, pddl_params: {object_target, parent_target,
  toggle_target, mrecep_target, object_sliced}, turk_annotations: {anns: [{task_desc}]}}``;
* ``initial_state.pddl``: the home as a PDDL problem of ALFWorld's domain (``alfred.pddl``): objects,
  receptacles, their types and places, what each can do (``openable``, ``heatable``, ``toggleable``
  ...), ``canContain``, and the goal;
* ``game.tw-pddl``: JSON that TextWorld's PDDL engine loads, ``{pddl_domain, grammar, pddl_problem,
  solvable, walkthrough}``, where the grammar is ALFWorld's ``alfred.twl2`` with the task sentence in
  place of ``UNKNOWN GOAL``.

The domain and grammar are ALFWorld's own files, read from the installed ``alfworld`` package (the
``alfworld`` extra); the exporter writes the problem. Entity ids follow ALFWorld's mangling
(``Cabinet_bar_...``, a sink basin ``Sink_bar_..._bar_SinkBasin``), numbered so that ALFWorld's
demangler names each one as Household does (``cabinet 3``). The walkthrough is the Household
expert's plan. Only what Household models is written: its rules are those of the domain, so the
engine plays the exported game as Household plays the home.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from palaestra.core.errors import MissingExtraError
from palaestra.envs.household import language
from palaestra.envs.household.catalog import CLEAN, COOL, HEAT, LAMPS, LOOK, OBJECTS, TWO
from palaestra.envs.household.expert import next_command
from palaestra.envs.household.world import HouseholdWorld

ALFWORLD_SPLITS = ("train", "valid_seen", "valid_unseen")
TRAJ_DATA, PROBLEM, GAME = "traj_data.json", "initial_state.pddl", "game.tw-pddl"
MAX_PLAN = 50  # an episode's steps: the expert's plans are far shorter

# ALFWorld's (ALFRED's) spelling of every kind Household knows.
ALFRED_NAMES = {
    name.lower(): name
    for name in (
        "AlarmClock Apple ArmChair BathtubBasin Bed Book Bowl Box Bread ButterKnife Cabinet Candle CD "
        "CellPhone Cloth CoffeeMachine CoffeeTable CounterTop CreditCard Cup Desk DeskLamp DiningTable "
        "DishSponge Drawer Dresser Egg FloorLamp Fork Fridge GarbageCan HandTowel HandTowelHolder Kettle "
        "KeyChain Knife Ladle Laptop Lettuce Microwave Mug Newspaper Pan Pen Pencil Pillow Plate Pot "
        "Potato RemoteControl Safe Shelf SideTable SinkBasin SoapBar SoapBottle Sofa Spatula Spoon "
        "SprayBottle Statue StoveBurner TissueBox Toaster Toilet ToiletPaper ToiletPaperHanger Tomato "
        "Towel TowelHolder TVStand Vase Watch WineBottle"
    ).split()
}
# Types the domain names in its actions' preconditions: every problem declares them.
DOMAIN_TYPES = {"SinkBasinType": "rtype", "MicrowaveType": "rtype", "FridgeType": "rtype"}
DOMAIN_TYPES |= {"KnifeType": "otype", "ButterKnifeType": "otype"}
# ALFWorld names a basin after the object it is part of (its demangler then appends "basin").
_BASIN_PARENTS = {"sinkbasin": "Sink", "bathtubbasin": "Bathtub"}
_ABILITIES = ("heatable", "coolable", "cleanable")
_STATE = {CLEAN: "isClean", HEAT: "isHot", COOL: "isCool"}


def alfred_logic() -> tuple[str, str]:
    """ALFWorld's PDDL domain (``alfred.pddl``) and text grammar (``alfred.twl2``), from its package.

    Read as files, without importing ``alfworld`` (whose import sets ``ALFWORLD_DATA``).
    """
    spec = importlib.util.find_spec("alfworld")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "ALFWorld's domain and grammar come with the alfworld package: pip install 'palaestra[alfworld]'"
        )
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return (data / "alfred.pddl").read_text(), (data / "alfred.twl2").read_text()


def _ids(names: Iterable[str]) -> dict[str, str]:
    """ALFWorld-style ids of Household names (``"cabinet 3"`` of 7 -> ``"Cabinet_bar_04"``).

    ALFWorld's demangler sorts the ids of a kind and numbers them from the highest down, so the id
    of number ``k`` of ``n`` sorts at place ``n - k``.
    """
    by_kind: dict[str, list[int]] = {}
    for name in names:
        kind, number = name.rsplit(" ", 1)
        by_kind.setdefault(kind, []).append(int(number))
    ids = {}
    for kind, numbers in by_kind.items():
        top = max(numbers)
        for number in numbers:
            place = f"{top - number:02d}"
            if kind in _BASIN_PARENTS:
                ids[f"{kind} {number}"] = f"{_BASIN_PARENTS[kind]}_bar_{place}_bar_{ALFRED_NAMES[kind]}"
            else:
                ids[f"{kind} {number}"] = f"{ALFRED_NAMES[kind]}_bar_{place}"
    return ids


def _type(kind: str) -> str:
    return f"{ALFRED_NAMES[kind]}Type"


def _goal(world: HouseholdWorld) -> str:
    """The task as ALFWorld's goal formula (its goal library's, for Household's six task types)."""
    task = world.task
    obj, target = _type(task.obj), _type(task.target)
    if task.type == LOOK:
        return (
            "(and\n"
            "  (exists (?ot - object ?r - receptacle ?a - agent ?l - location)\n"
            f"    (and (objectType ?ot {target}) (toggleable ?ot) (isToggled ?ot)\n"
            "         (receptacleAtLocation ?r ?l) (atLocation ?a ?l) (inReceptacle ?ot ?r)))\n"
            f"  (exists (?o - object ?a - agent) (and (objectType ?o {obj}) (holds ?a ?o))))"
        )
    if task.type == TWO:
        return (
            "(exists (?r - receptacle ?o1 - object ?o2 - object)\n"
            f"  (and (receptacleType ?r {target}) (not (= ?o1 ?o2))\n"
            f"       (objectType ?o1 {obj}) (inReceptacle ?o1 ?r)\n"
            f"       (objectType ?o2 {obj}) (inReceptacle ?o2 ?r)))"
        )
    state = f" ({_STATE[task.type]} ?o)" if task.type in _STATE else ""
    return (
        "(exists (?r - receptacle ?o - object)\n"
        f"  (and (receptacleType ?r {target}) (objectType ?o {obj}) (inReceptacle ?o ?r){state}))"
    )


def problem_text(world: HouseholdWorld, name: str = "household") -> str:
    """``world`` (a home where nothing has been done yet) as a PDDL problem of ALFWorld's domain."""
    if world.location is not None or world.held is not None:
        raise ValueError("only a home where nothing has been done yet can be exported: the agent has moved")
    receptacles, things = world.room_list, sorted(world.things, key=language.sort_key)
    ids = _ids([*receptacles, *things])
    places = {r: f"loc_bar_{i + 1:02d}" for i, r in enumerate(receptacles)}  # every receptacle its own place
    object_kinds = sorted({world.things[t].kind for t in things})
    receptacle_kinds = sorted({world.receptacles[r].kind for r in receptacles})
    types = {_type(k): "otype" for k in object_kinds} | {_type(k): "rtype" for k in receptacle_kinds}
    types |= DOMAIN_TYPES

    objects = ["agent1 - agent", "loc_bar_00 - location"]
    objects += [f"{places[r]} - location" for r in receptacles]
    objects += [f"{t} - {kind}" for t, kind in sorted(types.items())]
    objects += [f"{ids[r]} - receptacle" for r in receptacles]
    objects += [f"{ids[t]} - object" for t in things]

    facts = ["(atLocation agent1 loc_bar_00)"]
    for r in receptacles:
        receptacle = world.receptacles[r]
        facts.append(f"(receptacleType {ids[r]} {_type(receptacle.kind)})")
        facts.append(f"(receptacleAtLocation {ids[r]} {places[r]})")
        if receptacle.openable:
            facts.append(f"(openable {ids[r]})")
    for t in things:
        thing = world.things[t]
        facts.append(f"(objectType {ids[t]} {_type(thing.kind)})")
        facts.append(f"(inReceptacle {ids[t]} {ids[thing.where]})")
        facts.append(f"(objectAtLocation {ids[t]} {places[thing.where]})")
        if thing.kind in LAMPS:
            facts.append(f"(toggleable {ids[t]})")
            continue
        facts.append(f"(pickupable {ids[t]})")
        kind = OBJECTS[thing.kind]
        facts += [f"({ability} {ids[t]})" for ability in _ABILITIES if getattr(kind, ability)]
    for rkind in receptacle_kinds:
        for okind in object_kinds:
            if okind not in LAMPS and rkind in OBJECTS[okind].places:
                facts.append(f"(canContain {_type(rkind)} {_type(okind)})")

    def block(lines: list[str]) -> str:
        return "\n".join(f"        {line}" for line in lines)

    goal = "\n".join(f"        {line}" for line in _goal(world).splitlines())
    return (
        f"(define (problem {name})\n"
        "    (:domain alfred)\n"
        f"    (:objects\n{block(objects)}\n    )\n"
        f"    (:init\n{block(facts)}\n    )\n"
        f"    (:goal\n{goal}\n    )\n"
        ")\n"
    )


def expert_plan(world: HouseholdWorld) -> list[str]:
    """The Household expert's commands that win ``world``'s task (played on a copy)."""
    scratch = copy.deepcopy(world)
    plan = []
    while not scratch.won:
        if len(plan) == MAX_PLAN:
            raise RuntimeError(f"the Household expert did not win within {MAX_PLAN} commands")
        command = next_command(scratch)
        if not scratch.apply(command):
            raise RuntimeError(f"the Household expert chose an impossible command: {command}")
        plan.append(language.command_text(command))
    return plan


def traj_data(world: HouseholdWorld, trial: str) -> dict[str, Any]:
    """ALFWorld's ``traj_data.json`` of ``world``'s task (the parts ALFWorld's text games read)."""
    task = world.task
    look = task.type == LOOK
    return {
        "task_id": trial,
        "task_type": task.type,
        "pddl_params": {
            "object_target": ALFRED_NAMES[task.obj],
            "parent_target": "" if look else ALFRED_NAMES[task.target],
            "toggle_target": ALFRED_NAMES[task.target] if look else "",
            "mrecep_target": "",
            "object_sliced": False,
        },
        "turk_annotations": {"anns": [{"task_desc": language.task_sentence(world)}]},
    }


def game_folder_name(world: HouseholdWorld, scene: str, trial: str) -> str:
    """ALFWorld's relative path of a game: ``<task_type>-<Object>-None-<Target>-<scene>/<trial>``."""
    task = world.task
    return f"{task.type}-{ALFRED_NAMES[task.obj]}-None-{ALFRED_NAMES[task.target]}-{scene}/{trial}"


def export_game(
    world: HouseholdWorld,
    folder: str | os.PathLike,
    *,
    trial: str | None = None,
    walkthrough: Sequence[str] | None = None,
) -> Path:
    """Write ``world`` (a fresh home) into ``folder`` as an ALFWorld game; returns the folder.

    ``walkthrough`` defaults to the Household expert's plan; ``trial`` (the task id in
    ``traj_data.json``) to the folder's name.
    """
    folder = Path(folder)
    domain, grammar = alfred_logic()
    problem = problem_text(world)
    plan = expert_plan(world) if walkthrough is None else list(walkthrough)
    sentence = language.task_sentence(world).removesuffix(".")  # the grammar adds the full stop
    if "UNKNOWN GOAL" not in grammar:
        raise RuntimeError("ALFWorld's grammar has no UNKNOWN GOAL to put the task sentence in")
    game = {
        "pddl_domain": domain,
        "grammar": grammar.replace("UNKNOWN GOAL", sentence),
        "pddl_problem": problem,
        "solvable": True,
        "walkthrough": plan,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TRAJ_DATA).write_text(json.dumps(traj_data(world, trial or folder.name), indent=2))
    (folder / PROBLEM).write_text(problem)
    (folder / GAME).write_text(json.dumps(game))
    return folder


def export_household_games(
    root: str | os.PathLike, counts: dict[str, int], *, difficulty: str = "easy", **settings: Any
) -> dict[str, list[str]]:
    """Write Household homes as an ALFWorld data set under ``root`` (``root/<split>/<task>/<trial>/``).

    ``counts`` maps ALFWorld's splits to how many games each gets: ``train`` and ``valid_seen`` take
    Household train homes (disjoint seeds: ``valid_seen`` seeds follow ``train``'s), ``valid_unseen``
    Household test homes, whose object-target pairs no train home asks for. Game ``i`` of a split is
    ``Household-Text-v0``'s episode of that Household split and seed, made with ``difficulty`` and
    ``settings``. Returns each split's relative game paths, the ``ALFWorld-v0`` task ids.
    """
    from palaestra.envs.household.env import HouseholdEnv

    unknown = sorted(set(counts) - set(ALFWORLD_SPLITS))
    if unknown:
        raise ValueError(f"unknown ALFWorld split(s) {unknown}; the splits are {', '.join(ALFWORLD_SPLITS)}")
    first_seed = {"train": 0, "valid_seen": counts.get("train", 0), "valid_unseen": 0}
    written: dict[str, list[str]] = {}
    for split, count in counts.items():
        household_split = "test" if split == "valid_unseen" else "train"
        env = HouseholdEnv(difficulty=difficulty, split=household_split, **settings)
        written[split] = []
        for seed in range(first_seed[split], first_seed[split] + count):
            env.reset(seed=seed)
            scene, trial = f"{household_split}{seed}", f"trial_household_{household_split}_{seed}"
            relative = game_folder_name(env.world, scene, trial)
            export_game(env.world, Path(root) / split / relative)
            written[split].append(relative)
        env.close()
    return written
