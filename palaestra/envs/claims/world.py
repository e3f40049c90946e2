"""A fictional encyclopedia: people, places, organizations and works joined by typed relations.

``build_world(seed)`` is a pure function of the seed. Every entity has a value for every relation of
its kind (the fact graph is total); about one fact in seven is *unrecorded*: true in the graph but
stated nowhere in the encyclopedia, so a claim resting on it cannot be verified from the text.
Names are made of syllables, so no entity is a real person or place. Distractors: some people share
a full name (their titles then carry the occupation, "Kovar Dalen (painter)"), some works share a
title across kinds, and entries mention neighbours' facts (a city lists people born there).

Public surface, used by the claim env and by other envs that ask questions about the same world::

    world = build_world(0)
    world.entities[i]                      # Entity(id, kind, name, title, mention, subkind, year)
    world.value(entity_id, "born_in")      # the id of the fact's object (every fact, recorded or not)
    world.is_recorded(entity_id, "born_in")  # whether the encyclopedia states it
    world.passages                         # [Passage(title, text)], in entry order
    world.entry("Kovar Dalen (painter)")   # the passages of one entry, or None
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

# relation -> (subject kind, object kind)
RELATIONS: dict[str, tuple[str, str]] = {
    "born_in": ("person", "city"),
    "member_of": ("person", "organization"),
    "founded_by": ("organization", "person"),
    "based_in": ("organization", "city"),
    "located_in": ("city", "country"),
    "created_by": ("work", "person"),
    "released_by": ("work", "organization"),
}
KINDS = ("country", "city", "organization", "person", "work")
COUNTS = {"country": 20, "city": 200, "organization": 280, "person": 1400, "work": 800}
UNRECORDED_RATE = 0.15  # the share of facts the encyclopedia does not state
NAMESAKE_RATE = 0.12  # the share of people who share their full name with another person
SHARED_TITLE_RATE = 0.1  # the share of works whose title another work of another kind also has

OCCUPATIONS = ("painter", "film director", "novelist", "singer", "architect", "physicist", "footballer")
ORGANIZATION_KINDS = ("film studio", "publisher", "record label", "gallery", "university", "orchestra")
WORK_KINDS = ("film", "novel", "album", "painting")
# what kind of organization releases each kind of work, and what its creator does
RELEASER = {"film": "film studio", "novel": "publisher", "album": "record label", "painting": "gallery"}
CREATOR = {"film": "film director", "novel": "novelist", "album": "singer", "painting": "painter"}

_SYLLABLES = (
    "ka vor dal en mir tas lo ven ri sha tor bel zan oth ul fen gra mo nel ark vel dro syl thi wen "
    "cor ba xi pel run hal ith om zer qua lin ros tev ask ur del ny fa gol ism ter yl brin kas"
).split()
_PLACE_ENDINGS = ("mora", "dun", "vik", "heim", "sted", "ara", "ovo", "wick", "anth", "ell")
_COUNTRY_ENDINGS = ("ia", "land", "onia", "istan", "ary", "ea")
_ADJECTIVES = (
    "Silent Hollow Crimson Distant Broken Golden Quiet Northern Paper Glass Winter Burning Last "
    "Lonely Iron Velvet Second Hidden Amber Wandering"
).split()
_NOUNS = (
    "Harbour Orchard Lantern Meridian Garden River Tower Season Mirror Compass Bridge Choir Field "
    "Letter Island Archive Signal Window Promise Horizon"
).split()
_TRAITS = (
    "a restless curiosity",
    "long walks along the coast",
    "an unusual patience with students",
    "a quarrel with the press",
    "a collection of old maps",
    "a late and sudden fame",
    "a strict daily routine",
    "letters to a childhood friend",
)
_CITY_NOTES = (
    "lies on a wide river",
    "is known for its covered markets",
    "grew around an old salt mine",
    "has a harbour that freezes in winter",
    "is built on seven low hills",
    "hosts a yearly lantern festival",
)
_WORK_NOTES = (
    "Critics praised its pacing.",
    "It sold poorly at first and found its audience later.",
    "It was restored decades after its first appearance.",
    "Its ending divided reviewers.",
    "It is often taught in schools.",
    "It won a regional prize.",
)


@dataclass(frozen=True)
class Entity:
    """One thing the encyclopedia has an entry on. ``title`` is unique; ``mention`` is how text
    refers to it (it tells namesakes apart: "the painter Kovar Dalen")."""

    id: int
    kind: str
    name: str
    title: str
    mention: str
    subkind: str  # occupation, organization kind or work kind; the kind itself for places
    year: int


@dataclass(frozen=True)
class Passage:
    title: str
    text: str


@dataclass
class World:
    """The fact graph and the encyclopedia written from it. Build with ``build_world``."""

    seed: int
    entities: list[Entity]
    facts: dict[tuple[int, str], int]  # (subject id, relation) -> object id
    unrecorded: frozenset[tuple[int, str]]  # facts the encyclopedia does not state
    passages: list[Passage] = field(default_factory=list)
    _entries: dict[str, list[int]] = field(default_factory=dict, repr=False)  # lower title -> passages
    _by_kind: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def value(self, entity_id: int, relation: str) -> int:
        """The object of ``relation`` for ``entity_id`` (``KeyError`` where the kind lacks it)."""
        return self.facts[(entity_id, relation)]

    def is_recorded(self, entity_id: int, relation: str) -> bool:
        return (entity_id, relation) in self.facts and (entity_id, relation) not in self.unrecorded

    def of_kind(self, kind: str) -> list[int]:
        return self._by_kind[kind]

    def entry(self, title: str) -> list[Passage] | None:
        """The passages of the entry titled ``title`` (any case and spacing), or ``None``."""
        found = self._entries.get(" ".join(title.lower().split()))
        return None if found is None else [self.passages[i] for i in found]

    def namesakes(self, entity_id: int) -> list[int]:
        """Other entities of the same kind with the same name."""
        entity = self.entities[entity_id]
        return [other for other in self._by_name[entity.name] if other != entity_id]

    def has_namesake(self, entity_id: int) -> bool:
        return len(self._by_name[self.entities[entity_id].name]) > 1

    def relations_of(self, kind: str) -> list[str]:
        return [name for name, (subject, _) in RELATIONS.items() if subject == kind]


def build_world(seed: int) -> World:
    """The world of ``seed``: the same seed always gives the same entities, facts and passages."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    namer = _Namer(rng)
    entities: list[Entity] = []
    by_kind: dict[str, list[int]] = {kind: [] for kind in KINDS}

    def add(kind: str, name: str, subkind: str, year: int, qualifier: str | None = None) -> int:
        title = f"{name} ({qualifier})" if qualifier else name
        mention = f"the {qualifier} {name}" if qualifier else name
        entity = Entity(len(entities), kind, name, title, mention, subkind, year)
        entities.append(entity)
        by_kind[kind].append(entity.id)
        return entity.id

    for _ in range(COUNTS["country"]):
        add("country", namer.country(), "country", 0)
    for _ in range(COUNTS["city"]):
        add("city", namer.place(), "city", int(rng.integers(800, 1700)))
    for _ in range(COUNTS["organization"]):
        subkind = ORGANIZATION_KINDS[int(rng.integers(len(ORGANIZATION_KINDS)))]
        add("organization", namer.organization(subkind), subkind, int(rng.integers(1850, 2000)))
    _add_people(rng, namer, add)
    _add_works(rng, namer, add)

    by_name: dict[str, list[int]] = {}
    for entity in entities:
        by_name.setdefault(entity.name, []).append(entity.id)
    world = World(seed, entities, {}, frozenset(), _by_kind=by_kind, _by_name=by_name)
    _draw_facts(rng, world)
    _write_encyclopedia(rng, world)
    return world


def _add_people(rng: np.random.Generator, namer: _Namer, add) -> None:
    count = COUNTS["person"]
    pairs = int(count * NAMESAKE_RATE / 2)
    for _ in range(pairs):  # two people with one name, told apart by occupation
        name = namer.person()
        first, second = rng.choice(len(OCCUPATIONS), size=2, replace=False)
        for occupation in (OCCUPATIONS[int(first)], OCCUPATIONS[int(second)]):
            add("person", name, occupation, int(rng.integers(1840, 1990)), occupation)
    for _ in range(count - 2 * pairs):
        occupation = OCCUPATIONS[int(rng.integers(len(OCCUPATIONS)))]
        add("person", namer.person(), occupation, int(rng.integers(1840, 1990)))


def _add_works(rng: np.random.Generator, namer: _Namer, add) -> None:
    count = COUNTS["work"]
    shared = int(count * SHARED_TITLE_RATE / 2)
    for _ in range(shared):  # one title, two kinds of work
        title = namer.work()
        first, second = rng.choice(len(WORK_KINDS), size=2, replace=False)
        for kind in (WORK_KINDS[int(first)], WORK_KINDS[int(second)]):
            add("work", title, kind, int(rng.integers(1900, 2020)), kind)
    for _ in range(count - 2 * shared):
        kind = WORK_KINDS[int(rng.integers(len(WORK_KINDS)))]
        add("work", namer.work(), kind, int(rng.integers(1900, 2020)))


def _draw_facts(rng: np.random.Generator, world: World) -> None:
    """Every entity gets a value for each relation of its kind; some facts go unrecorded."""
    people_by_job: dict[str, list[int]] = {job: [] for job in OCCUPATIONS}
    for pid in world.of_kind("person"):
        people_by_job[world.entities[pid].subkind].append(pid)
    orgs_by_kind: dict[str, list[int]] = {kind: [] for kind in ORGANIZATION_KINDS}
    for oid in world.of_kind("organization"):
        orgs_by_kind[world.entities[oid].subkind].append(oid)

    def pick(pool: list[int]) -> int:
        return pool[int(rng.integers(len(pool)))]

    facts: dict[tuple[int, str], int] = {}
    for entity in world.entities:
        for relation in world.relations_of(entity.kind):
            _, object_kind = RELATIONS[relation]
            if relation == "created_by":
                pool = people_by_job[CREATOR[entity.subkind]]
            elif relation == "released_by":
                pool = orgs_by_kind[RELEASER[entity.subkind]]
            else:
                pool = world.of_kind(object_kind)
            facts[(entity.id, relation)] = pick(pool)
    unrecorded = [key for key in facts if rng.random() < UNRECORDED_RATE]
    world.facts = facts
    world.unrecorded = frozenset(unrecorded)


class _Namer:
    """Unique syllable names (people may share one only when ``person`` is asked to repeat it)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: set[str] = set()

    def _syllables(self, low: int, high: int) -> str:
        count = int(self.rng.integers(low, high + 1))
        return "".join(_SYLLABLES[int(i)] for i in self.rng.integers(len(_SYLLABLES), size=count))

    def _unique(self, make) -> str:
        while True:
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name

    def person(self) -> str:
        return self._unique(
            lambda: f"{self._syllables(1, 2).capitalize()} {self._syllables(2, 3).capitalize()}"
        )

    def place(self) -> str:
        ending = _PLACE_ENDINGS[int(self.rng.integers(len(_PLACE_ENDINGS)))]
        return self._unique(lambda: (self._syllables(1, 2) + ending).capitalize())

    def country(self) -> str:
        ending = _COUNTRY_ENDINGS[int(self.rng.integers(len(_COUNTRY_ENDINGS)))]
        return self._unique(lambda: (self._syllables(1, 2) + ending).capitalize())

    def organization(self, kind: str) -> str:
        patterns = {
            "film studio": "{} Pictures",
            "publisher": "{} Press",
            "record label": "{} Records",
            "gallery": "{} Gallery",
            "university": "University of {}",
            "orchestra": "{} Philharmonic",
        }
        return self._unique(lambda: patterns[kind].format(self._syllables(2, 3).capitalize()))

    def work(self) -> str:
        def make() -> str:
            adjective = _ADJECTIVES[int(self.rng.integers(len(_ADJECTIVES)))]
            noun = _NOUNS[int(self.rng.integers(len(_NOUNS)))]
            form = int(self.rng.integers(3))
            if form == 0:
                return f"The {adjective} {noun}"
            if form == 1:
                return f"{adjective} {noun} of {self._syllables(2, 2).capitalize()}"
            return f"{noun} at {self._syllables(2, 3).capitalize()}"

        return self._unique(make)


# -- the encyclopedia -----------------------------------------------------------------------------
CREATED_VERB = {"film": "directed", "novel": "written", "album": "recorded", "painting": "painted"}
RELEASED_VERB = {"film": "released", "novel": "published", "album": "released", "painting": "held"}


def _write_encyclopedia(rng: np.random.Generator, world: World) -> None:
    """Write each entity's entry as passages; only recorded facts are stated, in varied sentences."""
    inverse: dict[tuple[int, str], list[int]] = {}  # (object, relation) -> recorded subjects
    for (subject, relation), obj in world.facts.items():
        if (subject, relation) not in world.unrecorded:
            inverse.setdefault((obj, relation), []).append(subject)
    writer = _Writer(rng, world, inverse)
    passages: list[Passage] = []
    entries: dict[str, list[int]] = {}
    for entity in world.entities:
        start = len(passages)
        passages.extend(Passage(entity.title, text) for text in writer.entry(entity) if text)
        entries[entity.title.lower()] = list(range(start, len(passages)))
    world.passages = passages
    world._entries = entries


class _Writer:
    def __init__(self, rng: np.random.Generator, world: World, inverse: dict[tuple[int, str], list[int]]):
        self.rng, self.world, self.inverse = rng, world, inverse

    def choose(self, options: tuple[str, ...] | list[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def m(self, entity_id: int) -> str:
        return self.world.entities[entity_id].mention

    def fact(self, entity: Entity, relation: str) -> int | None:
        """The object of a recorded fact, ``None`` for one the encyclopedia keeps silent on."""
        return self.world.value(entity.id, relation) if self.world.is_recorded(entity.id, relation) else None

    def listed(self, entity: Entity, relation: str, limit: int = 4) -> list[str]:
        subjects = self.inverse.get((entity.id, relation), [])
        return [self.m(s) for s in subjects[:limit]]

    def entry(self, entity: Entity) -> Iterator[str]:
        return getattr(self, entity.kind)(entity)

    def person(self, e: Entity) -> Iterator[str]:
        n = e.name
        job = e.subkind
        yield self.choose(
            (
                f"{n} (born {e.year}) is a {job}. {n} is remembered for {self.choose(_TRAITS)}.",
                f"{n} is a {job} born in {e.year}, known for {self.choose(_TRAITS)}.",
                f"Born in {e.year}, {n} worked as a {job} and became known for {self.choose(_TRAITS)}.",
            )
        )
        sentences = []
        city = self.fact(e, "born_in")
        if city is not None:
            sentences.append(
                self.choose(
                    (
                        f"{n} was born in {self.m(city)}.",
                        f"{n}'s birthplace is {self.m(city)}.",
                        f"{n} is a native of {self.m(city)}.",
                        f"{n} grew up in {self.m(city)}, the city of {n}'s birth.",
                    )
                )
            )
        else:
            sentences.append(f"Little is known about the early life of {n}.")
        org = self.fact(e, "member_of")
        if org is not None:
            sentences.append(
                self.choose(
                    (
                        f"{n} was a member of {self.m(org)}.",
                        f"Later, {n} joined {self.m(org)}.",
                        f"{n} belonged to {self.m(org)} for many years.",
                    )
                )
            )
        yield " ".join(sentences)
        works = self.listed(e, "created_by")
        founded = self.listed(e, "founded_by")
        sentences = []
        if works:
            sentences.append(f"The works of {n} include {_join(works)}.")
        if founded:
            sentences.append(f"{n} founded {_join(founded)}.")
        if sentences:
            yield " ".join(sentences)

    def work(self, e: Entity) -> Iterator[str]:
        n, kind = e.name, e.subkind
        creator = self.fact(e, "created_by")
        if creator is not None:
            yield self.choose(
                (
                    f"{n} is a {e.year} {kind} {CREATED_VERB[kind]} by {self.m(creator)}.",
                    f"{self.m(creator)[0].upper()}{self.m(creator)[1:]} {CREATED_VERB[kind]} the {kind} "
                    f"{n}, which appeared in {e.year}.",
                    f"The {kind} {n} ({e.year}) was {CREATED_VERB[kind]} by {self.m(creator)}.",
                )
            )
        else:
            yield f"{n} is a {kind} that appeared in {e.year}; who made it is disputed."
        releaser = self.fact(e, "released_by")
        note = self.choose(_WORK_NOTES)
        if releaser is not None:
            verb = RELEASED_VERB[kind]
            yield self.choose(
                (
                    f"{n} was {verb} by {self.m(releaser)}. {note}",
                    f"{note} The {kind} was {verb} by {self.m(releaser)}.",
                )
            )
        else:
            yield note

    def organization(self, e: Entity) -> Iterator[str]:
        n, kind = e.name, e.subkind
        founder = self.fact(e, "founded_by")
        if founder is not None:
            yield self.choose(
                (
                    f"{n} is a {kind} founded in {e.year} by {self.m(founder)}.",
                    f"{self.m(founder)[0].upper()}{self.m(founder)[1:]} founded the {kind} {n} in {e.year}.",
                    f"{n}, a {kind}, was established in {e.year}. Its founder was {self.m(founder)}.",
                )
            )
        else:
            yield f"{n} is a {kind} established in {e.year}."
        city = self.fact(e, "based_in")
        if city is not None:
            yield self.choose(
                (
                    f"{n} is based in {self.m(city)}.",
                    f"The headquarters of {n} are in {self.m(city)}.",
                    f"{n} has its seat in {self.m(city)}.",
                )
            )
        members = self.listed(e, "member_of")
        released = self.listed(e, "released_by", limit=3)
        sentences = []
        if members:
            sentences.append(f"Members of {n} have included {_join(members)}.")
        if released:
            sentences.append(f"Its catalogue includes {_join(released)}.")
        if sentences:
            yield " ".join(sentences)

    def city(self, e: Entity) -> Iterator[str]:
        n = e.name
        country = self.fact(e, "located_in")
        note = self.choose(_CITY_NOTES)
        if country is not None:
            yield self.choose(
                (
                    f"{n} is a city in {self.m(country)}, founded around {e.year}. It {note}.",
                    f"{n}, a city of {self.m(country)}, {note}.",
                    f"Founded around {e.year}, {n} is located in {self.m(country)} and {note}.",
                )
            )
        else:
            yield f"{n} is a city founded around {e.year}. It {note}."
        people = self.listed(e, "born_in")
        based = self.listed(e, "based_in", limit=3)
        sentences = []
        if people:
            sentences.append(f"People born in {n} include {_join(people)}.")
        if based:
            sentences.append(f"{_join(based)} {'is' if len(based) == 1 else 'are'} based in {n}.")
        if sentences:
            yield " ".join(sentences)

    def country(self, e: Entity) -> Iterator[str]:
        n = e.name
        cities = self.listed(e, "located_in", limit=6)
        yield f"{n} is a country." + (f" Its cities include {_join(cities)}." if cities else "")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
