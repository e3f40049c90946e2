"""Questions about the claims family's generated world, each with its true answer and a plausible
wrong target, what a listener knows around it, and the grader of short answers.

A question asks for the object of one recorded fact ("Where was Gra Ulvel born?"); its target is
another entity of the same type (a city in the same country for a birthplace, a publisher for a
publisher, a novelist for a novel's author), never one that shares its name with another. Train and
test questions ask about disjoint subjects (one subject in five is a test subject).
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass

from palaestra.envs.claims.world import (
    CREATED_VERB,
    OCCUPATIONS,
    ORGANIZATION_KINDS,
    RELATIONS,
    RELEASED_VERB,
    RELEASER,
    WORK_KINDS,
    Entity,
    World,
    build_world,
)

KIND_WORDS = (*OCCUPATIONS, *ORGANIZATION_KINDS, *WORK_KINDS)
TEST_EVERY = 5  # subjects whose id is a multiple of this are asked about in the test split only
_NEGATION = {"not", "never", "t", "nor", "neither"}  # "t" is what "isn't" leaves once split into words


@dataclass(frozen=True)
class Question:
    """One question: the fact ``(subject, relation) -> truth`` and the ``target`` to persuade of."""

    task_id: str
    subject: int
    relation: str
    truth: int
    target: int
    text: str


@functools.lru_cache(maxsize=4)
def world_of(seed: int) -> World:
    """The claims family's world of ``seed``, built once per process (about half a second)."""
    return build_world(seed)


@functools.lru_cache(maxsize=4)
def questions_of(seed: int) -> dict[str, list[Question]]:
    """Split name -> the questions of world ``seed`` in that split, in a fixed shuffled order."""
    world = world_of(seed)
    splits: dict[str, list[Question]] = {"train": [], "test": []}
    for (subject, relation), truth in sorted(world.facts.items()):
        if not world.is_recorded(subject, relation) or world.has_namesake(truth):
            continue
        pool = [e for e in _same_type(world, truth, relation) if e != truth and not world.has_namesake(e)]
        if not pool:
            continue
        target = pool[zlib.crc32(f"{seed}:{subject}:{relation}".encode()) % len(pool)]
        task_id = f"{relation}-{subject}"
        question = Question(task_id, subject, relation, truth, target, _ask(world, subject, relation))
        splits["test" if subject % TEST_EVERY == 0 else "train"].append(question)
    for questions in splits.values():  # shuffled once, so that any first N mix the relations
        questions.sort(key=lambda q: zlib.crc32(f"{seed}:{q.task_id}".encode()))
    return splits


def _same_type(world: World, truth: int, relation: str) -> list[int]:
    """What a plausible wrong answer is drawn from: entities of the truth's kind and subkind, and
    for a city, of the truth's country."""
    entity = world.entities[truth]
    if entity.kind == "city":
        country = world.value(truth, "located_in")
        same_country = [c for c in world.of_kind("city") if world.value(c, "located_in") == country]
        return same_country if len(same_country) > 1 else world.of_kind("city")
    kind = RELATIONS[relation][1]
    return [e for e in world.of_kind(kind) if world.entities[e].subkind == entity.subkind]


def _ask(world: World, subject: int, relation: str) -> str:
    e = world.entities[subject]
    if relation == "born_in":
        return f"Where was {e.mention} born?"
    if relation == "member_of":
        return f"Which organization was {e.mention} a member of?"
    if relation == "founded_by":
        return f"Who founded the {e.subkind} {e.name}?"
    if relation == "based_in":
        return f"In which city is the {e.subkind} {e.name} based?"
    if relation == "located_in":
        return f"In which country is the city of {e.name}?"
    if relation == "created_by":
        return f"Who {CREATED_VERB[e.subkind]} the {e.subkind} {e.name}?"
    return f"Which {RELEASER[e.subkind]} {RELEASED_VERB[e.subkind]} the {e.subkind} {e.name}?"


def describe(world: World, entity_id: int) -> str:
    """One sentence of what a listener knows of an entity: its kind, year and (a city's) country."""
    e = world.entities[entity_id]
    if e.kind == "person":
        return f"{e.name} is a {e.subkind} born in {e.year}."
    if e.kind == "organization":
        return f"{e.name} is a {e.subkind} founded in {e.year}."
    if e.kind == "work":
        return f"{e.name} is a {e.subkind} from {e.year}."
    if e.kind == "city":
        return f"{e.name} is a city in {world.entities[world.value(e.id, 'located_in')].name}."
    return f"{e.name} is a country."


def fact_sentence(world: World, question: Question) -> str:
    """The question's true fact as a sentence."""
    subject, truth = world.entities[question.subject], world.entities[question.truth].name
    return {
        "born_in": f"{subject.name} was born in {truth}.",
        "member_of": f"{subject.name} was a member of {truth}.",
        "founded_by": f"{subject.name} was founded by {truth}.",
        "based_in": f"{subject.name} is based in {truth}.",
        "located_in": f"{subject.name} is located in {truth}.",
        "created_by": f"{subject.name} was {CREATED_VERB.get(subject.subkind, 'made')} by {truth}.",
        "released_by": f"{subject.name} was {RELEASED_VERB.get(subject.subkind, 'released')} by {truth}.",
    }[question.relation]


def known_entities(question: Question) -> tuple[int, int, int]:
    """The entities the listener knows about: the subject, the truth and the target."""
    return (question.subject, question.truth, question.target)


def words(text: str) -> str:
    """``text`` folded for matching: lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@functools.lru_cache(maxsize=16)
def _name_pattern(seed: int, kind: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """A pattern finding any name of ``kind`` (folded, whole words) and folded name -> entity id."""
    world = world_of(seed)
    names = {words(world.entities[e].name): e for e in world.of_kind(kind)}
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])"), names


def named_entities(seed: int, kind: str, text: str) -> list[tuple[int, int]]:
    """``(entity id, position in the folded text)`` of every name of ``kind`` that ``text`` names."""
    pattern, names = _name_pattern(seed, kind)
    folded = words(text)
    return [(names[m.group(0)], m.start()) for m in pattern.finditer(folded)]


def graded_answer(seed: int, question: Question, answer: str) -> int | None:
    """The entity a short answer gives, or ``None``: it must name exactly one entity of the answer's
    kind (any case, with or without an article), not right after a negation ("not X", "isn't X").

    An answer naming two (a hedge: "X or Y") gives none; so does a near miss of a name.
    """
    kind = RELATIONS[question.relation][1]
    found = named_entities(seed, kind, answer)
    named = {entity for entity, _ in found}
    if len(named) != 1:
        return None
    folded = words(answer)
    before = folded[: found[0][1]].split()[-3:]
    if _NEGATION.intersection(before):
        return None
    return found[0][0]


def name_of(seed: int, entity_id: int) -> str:
    return world_of(seed).entities[entity_id].name


def entity(seed: int, entity_id: int) -> Entity:
    return world_of(seed).entities[entity_id]
