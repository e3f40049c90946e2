"""Multi-hop claims over a world's fact graph, labelled by construction.

A claim starts at an anchor entity, follows ``hops`` relations (a work's director, that director's
birthplace, the country of that city) and asserts a value for the last one:

    "The city where the director of the film The Silent Harbour was born lies in Xivoria."

Its label comes from how it is built:

* SUPPORTED: every fact on the chain is recorded and the value is the true one;
* REFUTED: every fact is recorded and the value is another one of the same type (a film director
  for a film's director), which may be the namesake of the true one;
* NOT ENOUGH INFO: some fact on the chain is unrecorded, so the encyclopedia cannot settle it.

Claims of the train and test splits start from disjoint sets of anchors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palaestra.envs.claims.world import RELATIONS, World

SUPPORTED, REFUTED, NEI = "SUPPORTED", "REFUTED", "NOT ENOUGH INFO"
LABELS = (SUPPORTED, REFUTED, NEI)
ANCHOR_KINDS = ("work", "organization", "person", "city")
_TEST_SHARE = 5  # one anchor in this many belongs to the test split


@dataclass(frozen=True)
class Claim:
    """A claim: ``anchor`` followed along ``relations`` should reach ``value`` (entity ids)."""

    anchor: int
    relations: tuple[str, ...]
    value: int
    label: str
    text: str

    @property
    def hops(self) -> int:
        return len(self.relations)


def chain(world: World, anchor: int, relations: tuple[str, ...]) -> list[int]:
    """The entities along the chain: the anchor, then each relation's object."""
    entities = [anchor]
    for relation in relations:
        entities.append(world.value(entities[-1], relation))
    return entities


def in_split(entity_id: int, split: str) -> bool:
    """Whether ``entity_id`` may anchor claims of ``split`` (``train`` or ``test``)."""
    return (entity_id % _TEST_SHARE == 0) == (split == "test")


def relation_paths(hops: int) -> list[tuple[str, ...]]:
    """Every chain of ``hops`` relations whose kinds connect (each one's object is the next subject)."""
    paths: list[tuple[str, ...]] = [(name,) for name in RELATIONS]
    for _ in range(hops - 1):
        paths = [
            path + (name,)
            for path in paths
            for name, (subject, _) in RELATIONS.items()
            if subject == RELATIONS[path[-1]][1]
        ]
    return [path for path in paths if RELATIONS[path[0]][0] in ANCHOR_KINDS]


def generate_claim(world: World, rng: np.random.Generator, *, hops: int, split: str, label: str) -> Claim:
    """A claim of ``hops`` hops with ``label``, drawn from ``rng``.

    The claimed value is drawn the same way for every label (the end of another chain of the same
    relations), so that the value alone says nothing about the label: a model that has memorized
    which values tend to be true on the train split does no better than chance on the test split.
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, got {label!r}")
    paths = relation_paths(hops)
    relations = paths[int(rng.integers(len(paths)))]
    pool = [e for e in world.of_kind(RELATIONS[relations[0]][0]) if in_split(e, split)]
    while True:
        anchor = pool[int(rng.integers(len(pool)))]
        entities = chain(world, anchor, relations)
        if _recorded(world, entities, relations) != (label == NEI):
            break
    truth = entities[-1]
    value = truth
    if label != SUPPORTED:
        while True:
            value = _typical_value(world, rng, pool, relations)
            if label == NEI or value != truth:
                break
    return Claim(anchor, relations, value, label, claim_text(world, rng, anchor, relations, value))


def _recorded(world: World, entities: list[int], relations: tuple[str, ...]) -> bool:
    return all(world.is_recorded(s, r) for s, r in zip(entities, relations))


def _typical_value(
    world: World, rng: np.random.Generator, pool: list[int], relations: tuple[str, ...]
) -> int:
    """The end of a random fully recorded chain of ``relations``: distributed as true values are."""
    while True:
        entities = chain(world, pool[int(rng.integers(len(pool)))], relations)
        if _recorded(world, entities, relations):
            return entities[-1]


def describe(world: World, entity_id: int) -> str:
    """How a claim names an entity: a work with its kind ("the film X"), anything else by its mention."""
    entity = world.entities[entity_id]
    if entity.kind == "work":
        return f"the {entity.subkind} {entity.name}"
    return entity.mention


# A relation as a noun phrase about its subject ("the birthplace of X") ...
_NOUNS: dict[str, tuple[str, ...]] = {
    "born_in": ("the birthplace of {x}", "the city where {x} was born"),
    "member_of": ("the organization {x} belonged to", "the institution that {x} was a member of"),
    "founded_by": ("the founder of {x}", "the person who founded {x}"),
    "based_in": ("the city where {x} is based", "the home city of {x}"),
    "located_in": ("the country {x} lies in", "the country where {x} is located"),
}
_CREATOR_NOUNS = {
    "film": "the director of {x}",
    "novel": "the author of {x}",
    "album": "the singer who recorded {x}",
    "painting": "the painter of {x}",
}
_RELEASER_NOUNS = {
    "film": "the studio that released {x}",
    "novel": "the publisher of {x}",
    "album": "the label that released {x}",
    "painting": "the gallery that holds {x}",
}
# ... and as the claim's predicate ("X was born in V").
_PREDICATES: dict[str, tuple[str, ...]] = {
    "born_in": ("{x} was born in {v}", "{x} is a native of {v}"),
    "member_of": ("{x} was a member of {v}", "{x} belonged to {v}"),
    "founded_by": ("{x} was founded by {v}", "{v} founded {x}"),
    "based_in": ("{x} is based in {v}", "{x} has its headquarters in {v}"),
    "located_in": ("{x} is located in {v}", "{x} lies in {v}"),
}
_CREATOR_VERBS = {"film": "directed", "novel": "written", "album": "recorded", "painting": "painted"}
_RELEASER_VERBS = {"film": "released", "novel": "published", "album": "released", "painting": "held"}


def claim_text(
    world: World, rng: np.random.Generator, anchor: int, relations: tuple[str, ...], value: int
) -> str:
    def choose(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(len(options)))]

    subject = describe(world, anchor)
    for relation in relations[:-1]:  # only the anchor can be a work, so work phrases come first
        kind = world.entities[anchor].subkind
        if relation == "created_by":
            subject = _CREATOR_NOUNS[kind].format(x=subject)
        elif relation == "released_by":
            subject = _RELEASER_NOUNS[kind].format(x=subject)
        else:
            subject = choose(_NOUNS[relation]).format(x=subject)
    last, v = relations[-1], describe(world, value)
    if last in ("created_by", "released_by"):
        kind = world.entities[anchor].subkind
        verb = (_CREATOR_VERBS if last == "created_by" else _RELEASER_VERBS)[kind]
        sentence = f"{subject} was {verb} by {v}"
    else:
        sentence = choose(_PREDICATES[last]).format(x=subject, v=v)
    return sentence[0].upper() + sentence[1:] + "."
