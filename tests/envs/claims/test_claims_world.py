"""The generated world (size, names, distractors, what the encyclopedia states), its disk cache, and
BM25 retrieval over it."""

import multiprocessing
import pickle
import re

import numpy as np
import pytest

from palaestra.core import cache
from palaestra.envs.claims import corpora
from palaestra.envs.claims.corpora import world_corpus
from palaestra.envs.claims.search import SearchIndex
from palaestra.envs.claims.world import _SYLLABLES, RELATIONS, build_world


@pytest.fixture(scope="module")
def world():
    return world_corpus(0).world


def test_a_world_is_a_pure_function_of_its_seed_and_large_enough(world):
    again = build_world(0)
    assert again.passages == world.passages and again.facts == world.facts
    assert again.unrecorded == world.unrecorded
    assert len(world.passages) >= 5000
    other = build_world(1)
    assert other.passages != world.passages


def test_names_are_made_of_syllables(world):
    syllables = "|".join(sorted(_SYLLABLES, key=len, reverse=True))
    word = re.compile(rf"(?:{syllables})+", re.IGNORECASE)
    for person in world.of_kind("person"):
        name = world.entities[person].name
        assert all(word.fullmatch(part) for part in name.split()), name


def test_every_relation_is_total_and_functional(world):
    for entity in world.entities:
        for relation in world.relations_of(entity.kind):
            obj = world.value(entity.id, relation)
            assert world.entities[obj].kind == RELATIONS[relation][1]
    recorded = sum(not world.is_recorded(*key) for key in world.facts) / len(world.facts)
    assert 0.1 < recorded < 0.2  # about one fact in seven goes unrecorded


def test_namesakes_have_their_own_titles_and_their_own_facts(world):
    pairs = [p for p in world.of_kind("person") if world.has_namesake(p)]
    assert len(pairs) >= 100
    titles = {world.entities[p].title for p in pairs}
    assert len(titles) == len(pairs)  # every namesake has an entry of its own
    for person in pairs[:20]:
        entity = world.entities[person]
        assert entity.title == f"{entity.name} ({entity.subkind})"
        assert world.entry(entity.title)[0].title == entity.title
    differ = sum(world.value(p, "born_in") != world.value(world.namesakes(p)[0], "born_in") for p in pairs)
    assert differ > 0.9 * len(pairs)  # near-miss facts: same name, another birthplace


def test_unrecorded_facts_are_stated_nowhere(world):
    """A city appears in a person's entry only as the birthplace, a country in a city's only as its
    country: so an unrecorded birthplace or country must not appear in either entry."""
    checked = 0
    for subject, relation in world.unrecorded:
        if relation not in ("born_in", "located_in"):
            continue
        obj = world.entities[world.value(subject, relation)]
        entity = world.entities[subject]
        assert obj.name not in " ".join(p.text for p in world.entry(entity.title))
        assert entity.mention not in " ".join(p.text for p in world.entry(obj.title))
        checked += 1
    assert checked > 50
    stated = 0
    for (subject, relation), obj in world.facts.items():
        if relation == "born_in" and world.is_recorded(subject, relation):
            entry = " ".join(p.text for p in world.entry(world.entities[subject].title))
            stated += world.entities[obj].name in entry
    assert stated == sum(1 for s, r in world.facts if r == "born_in" and world.is_recorded(s, r))


# -- BM25 ---------------------------------------------------------------------------------------
QUESTIONS = {
    "born_in": "Where was {x} born?",
    "member_of": "Which organization was {x} a member of?",
    "founded_by": "Who founded {x}?",
    "based_in": "Where is {x} based?",
    "located_in": "Which country is {x} in?",
    "created_by": "Who made {x}?",
    "released_by": "Who released {x}?",
}


def test_bm25_returns_the_gold_passage_for_single_hop_questions(world):
    index = world_corpus(0).index
    recorded = sorted(key for key in world.facts if world.is_recorded(*key))
    rng = np.random.default_rng(3)
    found = 0
    chosen = rng.choice(len(recorded), size=300, replace=False)
    for i in chosen:
        subject, relation = recorded[i]
        entity, obj = world.entities[subject], world.entities[world.value(subject, relation)]
        named = f"the {entity.subkind} {entity.name}" if entity.kind == "work" else entity.mention
        hits = index.search(QUESTIONS[relation].format(x=named), 3)
        gold = {n for n, p in enumerate(world.passages) if p.title == entity.title and obj.mention in p.text}
        found += bool(gold & set(hits))
    assert found >= 0.97 * len(chosen)


def test_search_ranks_deterministically_and_ignores_unknown_words():
    index = SearchIndex([("A", "red apple"), ("B", "red apple"), ("C", "green pear"), ("D", "")])
    assert index.search("red apple", 5) == [0, 1]  # a tie keeps passage order
    assert index.search("pear red", 1) == [2]  # the rarer word weighs more
    assert index.search("zebra the of", 3) == []
    assert index.search("", 3) == []
    assert pickle.loads(pickle.dumps(index)).search("red", 2) == [0, 1]


# -- the disk cache -------------------------------------------------------------------------------
def test_the_cache_rebuilds_after_a_truncated_or_corrupted_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))
    builds = []

    def build():
        builds.append(1)
        return {"value": list(range(1000))}

    assert cache.cached("thing.pkl", build) == {"value": list(range(1000))}
    assert cache.cached("thing.pkl", build) == {"value": list(range(1000))}
    assert len(builds) == 1
    path = tmp_path / "thing.pkl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    assert cache.cached("thing.pkl", build)["value"][-1] == 999 and len(builds) == 2
    path.write_bytes(data[:-3] + b"xyz")  # corrupted payload
    assert cache.cached("thing.pkl", build)["value"][-1] == 999 and len(builds) == 3
    path.write_bytes(b"")
    assert cache.cached("thing.pkl", build)["value"][-1] == 999 and len(builds) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["thing.pkl"]  # no temporary file left


def _write_in_child(size: int) -> None:
    for _ in range(20):
        cache._write(cache.cache_dir() / "shared.pkl", list(range(size)))


def test_concurrent_writers_leave_a_whole_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))
    context = multiprocessing.get_context("fork")  # the children inherit PALAESTRA_CACHE_DIR
    writers = [context.Process(target=_write_in_child, args=(50_000 + n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    loaded = cache._read(tmp_path / "shared.pkl")
    assert loaded is not None and len(loaded) in (50_000, 50_001, 50_002)
    assert [p.name for p in tmp_path.iterdir()] == ["shared.pkl"]


def test_a_world_comes_back_from_the_disk_cache_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))
    corpora.world_corpus.cache_clear()
    try:
        built = world_corpus(2)
        files = list(tmp_path.iterdir())
        assert len(files) == 1 and files[0].name.startswith("claims-world-2-")
        corpora.world_corpus.cache_clear()
        loaded = world_corpus(2)
        assert loaded is not built and loaded.world.passages == built.world.passages
        query = "Who founded the gallery?"
        assert loaded.index.search(query, 5) == built.index.search(query, 5)
        files[0].write_bytes(files[0].read_bytes()[:100])  # a truncated cache is rebuilt
        corpora.world_corpus.cache_clear()
        assert world_corpus(2).world.passages == built.world.passages
    finally:
        corpora.world_corpus.cache_clear()
