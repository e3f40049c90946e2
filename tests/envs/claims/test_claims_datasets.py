"""HoVer-v0 and ExFever-v0 on small files written in those data sets' own formats (HoVer's JSON and
its SQLite ``documents`` table, EX-FEVER's CSV), a user's JSONL corpus, and the message without data."""

import csv
import json
import sqlite3
import unicodedata

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.conformance import CHECKS
from palaestra.core.errors import UsageError
from palaestra.envs.claims import corpora

DOCUMENTS = {
    "Brightwater Road": "Brightwater Road is a 1987 film directed by Anna Kessel. It was shot in Lisbon.",
    "Anna Kessel": "Anna Kessel (born 1950) is a director born in Porto, Portugal.",
    "Porto": "Porto is a coastal city in northern Portugal.",
    "Café Noir": "Café Noir is a 2001 album by the band Lumen, recorded in Oslo.",
    "Lumen (band)": "Lumen is a Norwegian rock band formed in Bergen in 1994.",
    "Bergen": "Bergen is a city on the west coast of Norway.",
    "Oslo": "Oslo is the capital of Norway.",
}
HOVER = {
    "train": [
        {
            "uid": "0b7e0f4e-1",
            "claim": "The director of Brightwater Road was born in Porto.",
            "supporting_facts": [["Brightwater Road", 0], ["Anna Kessel", 0]],
            "label": "SUPPORTED",
            "num_hops": 2,
            "hpqa_id": "5a7a0",
        },
        {
            "uid": "0b7e0f4e-2",
            "claim": "The band that recorded Café Noir was formed in Oslo.",
            "supporting_facts": [["Café Noir", 0], ["Lumen (band)", 0]],
            "label": "NOT_SUPPORTED",
            "num_hops": 2,
            "hpqa_id": "5a7a1",
        },
    ],
    "dev": [
        {
            "uid": "9c1d-1",
            "claim": "Brightwater Road was directed by a person born in a city of northern Portugal.",
            "supporting_facts": [["Brightwater Road", 0], ["Anna Kessel", 0], ["Porto", 0]],
            "label": "SUPPORTED",
            "num_hops": 3,
            "hpqa_id": "5a7a2",
        },
        {
            "uid": "9c1d-2",
            "claim": "Café Noir was recorded by a band formed on the east coast of Norway.",
            "supporting_facts": [["Café Noir", 0], ["Lumen (band)", 0], ["Bergen", 0]],
            "label": "NOT_SUPPORTED",
            "num_hops": 3,
            "hpqa_id": "5a7a3",
        },
    ],
}
EXFEVER_HEADER = [
    "claim",
    "explanation",
    "label",
    "golden entity",
    "mention",
    "result entity",
    "discard number",
]
EXFEVER = [
    [
        "Brightwater Road was directed by a director born in Porto.",
        "Brightwater Road was directed by Anna Kessel. Anna Kessel was born in Porto.",
        "SUPPORT",
        "['Brightwater_Road', 'Anna_Kessel']",
        "['Anna Kessel']",
        "",
        "",
    ],
    [
        'The band behind "Café Noir", a 2001 album, was formed in Oslo.',
        "Café Noir is by Lumen. Lumen was formed in Bergen, not Oslo.",
        "REFUTE",
        "['Café_Noir', 'Lumen_(band)']",
        "['Lumen']",
        "['Café_Noir']",
        "1.0",
    ],
    [
        "Anna Kessel won an award for Brightwater Road.",
        "No information shows that Anna Kessel won an award for Brightwater Road.",
        "NOT ENOUGH INFO",
        "['Anna_Kessel', 'Brightwater_Road']",
        "['Brightwater Road']",
        "",
        "",
    ],
]


def write_documents(path):
    """A FEVER/HoVer-style wiki database: ``documents(id PRIMARY KEY, text)``, titles in NFD."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE documents (id PRIMARY KEY, text)")
    connection.executemany(
        "INSERT INTO documents VALUES (?, ?)",
        [(unicodedata.normalize("NFD", title), text) for title, text in DOCUMENTS.items()],
    )
    connection.commit()
    connection.close()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def hover_dir(tmp_path, monkeypatch, cache_dir):
    folder = tmp_path / "hover"
    folder.mkdir()
    for split, items in HOVER.items():
        (folder / f"hover_{split}_release_v1.1.json").write_text(json.dumps(items, indent=2))
    write_documents(folder / "wiki_wo_links.db")
    monkeypatch.setenv("PALAESTRA_HOVER_DIR", str(folder))
    return folder


@pytest.fixture
def exfever_dir(tmp_path, monkeypatch, cache_dir):
    folder = tmp_path / "exfever"
    folder.mkdir()
    for split in ("train", "dev", "test"):
        with open(folder / f"{split}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXFEVER_HEADER)
            writer.writerows(EXFEVER)
    write_documents(folder / "wiki_wo_links.db")
    monkeypatch.setenv("PALAESTRA_EXFEVER_DIR", str(folder))
    return folder


def test_without_data_the_envs_say_how_to_get_it(monkeypatch):
    for env_id, variable in (("HoVer-v0", "PALAESTRA_HOVER_DIR"), ("ExFever-v0", "PALAESTRA_EXFEVER_DIR")):
        monkeypatch.delenv(variable, raising=False)
        with pytest.raises(UsageError, match=f"data_path=FOLDER or set {variable}"):
            gym.make(env_id)
        assert variable in env_entry(env_id).missing_requirement()  # conformance skips it with this
    with pytest.raises(UsageError, match="not a folder"):
        gym.make("HoVer-v0", data_path="/no/such/folder")


def play(env, *actions):
    for action in actions:
        step = env.step(action)
        assert step[4][keys.ACTION_VALID], step[4][keys.ACTION_ERROR]
    return step


def test_hover_reads_its_json_and_searches_its_wikipedia(hover_dir):
    env = gym.make("HoVer-v0", split="dev")
    assert list(env.unwrapped.task_ids()) == ["9c1d-1", "9c1d-2"]
    obs, info = env.reset(seed=0, options={"task_id": "9c1d-2"})
    assert obs == "Claim: " + HOVER["dev"][1]["claim"] and info["hops"] == 3
    assert "SUPPORTED, NOT_SUPPORTED" in info[keys.INSTRUCTIONS]
    obs, *_ = play(env, "search[Lumen band formed]")
    assert obs.splitlines()[1].startswith("[1] Lumen (band): Lumen is a Norwegian rock band")
    obs, *_ = play(env, "open[Café Noir]")  # typed in NFC, stored in NFD
    assert obs.startswith("Café Noir\n\nCafé Noir is a 2001 album")
    obs, *_ = play(env, "open[Lumen]")
    assert "no entry titled 'Lumen'" in obs and "Lumen (band)" in obs
    *_, reward, terminated, _, info = play(env, "answer[REFUTED]")  # HoVer's NOT_SUPPORTED
    assert terminated and reward == 1.0 and info["label"] == "NOT_SUPPORTED"
    assert (info["searches"], info["opens"]) == (1, 2)
    env.close()
    assert list(gym.make("HoVer-v0", split="dev", hops=3).unwrapped.task_ids()) == ["9c1d-1", "9c1d-2"]
    assert list(gym.make("HoVer-v0", split="train", hops=3).unwrapped.task_ids()) == []


def test_exfever_reads_its_csv_with_three_labels(exfever_dir):
    env = gym.make("ExFever-v0", split="test")
    assert list(env.unwrapped.task_ids()) == ["test-0", "test-1", "test-2"]
    golds = []
    for task in env.unwrapped.task_ids():
        env.reset(seed=0, options={"task_id": task})
        golds.append(env.unwrapped.gold)
        assert env.unwrapped.claim.evidence_titles[0] in DOCUMENTS
    assert golds == ["SUPPORTED", "REFUTED", "NOT ENOUGH INFO"]
    env.reset(seed=0, options={"task_id": "test-1"})
    obs, *_ = play(env, "open[Lumen_(band)]")  # EX-FEVER's own way of writing titles
    assert obs.startswith("Lumen (band)\n\n")
    *_, reward, _, _, _ = play(env, "answer[refutes]")
    assert reward == 1.0


@pytest.mark.parametrize("env_id", ["HoVer-v0", "ExFever-v0"])
def test_the_experts_open_the_gold_evidence_and_win(env_id, hover_dir, exfever_dir):
    for split in gym.make(env_id).unwrapped.splits:
        env = gym.make(env_id, split=split)
        for task in env.unwrapped.task_ids():
            env.reset(seed=0, options={"task_id": task})
            done = False
            while not done:
                obs, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
                assert info[keys.ACTION_VALID] and "There is no entry" not in obs
                done = terminated or truncated
            assert reward == 1.0 and info["opens"] >= 2


@pytest.mark.parametrize("env_id", ["HoVer-v0", "ExFever-v0"])
def test_the_shared_conformance_checks_pass_with_data(env_id, hover_dir, exfever_dir):
    assert env_entry(env_id).missing_requirement() is None
    for check in CHECKS.values():
        check(env_id)


def test_the_index_is_cached_on_disk_and_survives_a_bad_file(hover_dir, cache_dir):
    corpora._sqlite_index.cache_clear()
    env = gym.make("HoVer-v0", split="train")
    env.reset(seed=0)
    first = env.step("search[band Norway]")[0]
    cached = [p for p in cache_dir.iterdir() if p.name.startswith("claims-sqlite-")]
    assert len(cached) == 1
    cached[0].write_bytes(b"PALCACH1 garbage")
    corpora._sqlite_index.cache_clear()
    env = gym.make("HoVer-v0", split="train")
    env.reset(seed=0)
    assert env.step("search[band Norway]")[0] == first
    env.close()


def test_a_user_jsonl_corpus(tmp_path, hover_dir):
    corpus = tmp_path / "corpus.jsonl"
    lines = [{"title": t, "text": x} for t, x in DOCUMENTS.items()]
    lines.append({"title": "Porto", "text": "Porto is known for port wine."})  # a second passage
    corpus.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    env = gym.make("HoVer-v0", split="train", corpus_path=str(corpus))
    env.reset(seed=0)
    obs, *_ = play(env, "open[porto]")
    assert obs.startswith("Porto\n\nPorto is a coastal city in northern Portugal.\n\nPorto is known for port")
    obs, *_ = play(env, "search[port wine]")
    assert "[1] Porto: Porto is known for port wine." in obs
    env.close()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\n')
    with pytest.raises(Exception, match="each line must be"):
        env = gym.make("HoVer-v0", split="train", corpus_path=str(bad))
        env.reset(seed=0)
        env.step("search[x]")


def test_malformed_data_files_are_refused_clearly(tmp_path, monkeypatch, cache_dir):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "hover_train_release_v1.1.json").write_text('[{"uid": "a", "claim": "c", "label": "MAYBE"}]')
    write_documents(folder / "wiki_wo_links.db")
    with pytest.raises(UsageError, match="claim 0 is malformed"):
        gym.make("HoVer-v0", data_path=str(folder))
    with pytest.raises(UsageError, match="no hover_dev_release_v1.1.json"):
        gym.make("HoVer-v0", data_path=str(folder), split="dev")
    (folder / "train.csv").write_text("claim,label\nSomething,PERHAPS\n")
    with pytest.raises(UsageError, match="unknown label 'PERHAPS'"):
        gym.make("ExFever-v0", data_path=str(folder))
    not_a_db = folder / "other.db"
    not_a_db.write_text("not sqlite")
    (folder / "train.csv").write_text("claim,label\nSomething,SUPPORT\n")
    env = gym.make("ExFever-v0", data_path=str(folder), corpus_path=str(not_a_db))
    with pytest.raises(Exception, match="no documents\\(id, text\\) database"):
        env.reset(seed=0)
