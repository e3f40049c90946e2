"""ResultStore: durable appends, torn-tail repair on resume, precise errors for corrupt lines."""

from __future__ import annotations

import json

import pytest

from palaestra.core.records import EpisodeRecord, RecordError, StepRecord
from palaestra.core.runs import CorruptRecordError, RunDirError, read_episodes
from palaestra.evaluation.store import ResultStore
from palaestra.evaluation.suites import EpisodeTask, pending

META = {"suite": {"id": "s"}, "agent": {"spec": "expert"}, "settings": {}}


def record(episode: int, error: str | None = None, task_id: str | None = None) -> EpisodeRecord:
    return EpisodeRecord(
        suite="s",
        suite_version="1.x",
        env_id="Snake-Text-v0",
        seed=episode,
        episode=episode,
        success=error is None,
        score=1.0 if error is None else 0.0,
        return_=2.5,
        steps=1,
        invalid_actions=0,
        tokens={"prompt_tokens": 3, "completion_tokens": 4},
        seconds=0.1,
        error=error,
        trajectory=[StepRecord("obs ✓", "<action>up</action>", 2.5, True)],
        task_id=task_id,
    )


def test_round_trip_and_what_a_resume_still_plays(tmp_path):
    with ResultStore.create(tmp_path / "run", META) as store:
        store.append(record(0))
        store.append(record(1, error="RuntimeError: boom"))
        store.append(record(2, task_id="valid_seen/7"))
    assert json.loads((tmp_path / "run" / "meta.json").read_text()) == META
    written = [record(0), record(1, "RuntimeError: boom"), record(2, task_id="valid_seen/7")]
    assert read_episodes(tmp_path / "run" / "episodes.jsonl") == written
    tasks = [EpisodeTask("Snake-Text-v0", {}, seed, seed) for seed in range(3)]
    listed = [
        EpisodeTask("Snake-Text-v0", {}, 2, 2, "valid_seen/7"),
        EpisodeTask("Snake-Text-v0", {}, 2, 2, "x/1"),
    ]
    with ResultStore.open(tmp_path / "run") as store:
        assert pending(tasks + listed, store.records()) == [tasks[1], listed[1]]


def test_records_without_the_newer_fields_still_read():
    data = record(0).to_json()
    del data["task_id"], data["role_scores"]
    assert EpisodeRecord.from_json(data) == record(0)
    with pytest.raises(RecordError, match="role_scores must lie in"):
        EpisodeRecord.from_json({**data, "role_scores": {"persuader": 1.5}})


def test_create_refuses_an_existing_run_and_a_second_writer(tmp_path):
    store = ResultStore.create(tmp_path / "run", META)
    with pytest.raises(RunDirError, match="already holds a run"):
        ResultStore.create(tmp_path / "run", META)
    with pytest.raises(RunDirError, match="another process"):
        ResultStore.open(tmp_path / "run")
    store.close()
    ResultStore.open(tmp_path / "run").close()


def test_torn_last_line_is_an_error_to_readers_and_repaired_by_resume(tmp_path):
    run = tmp_path / "run"
    with ResultStore.create(run, META) as store:
        store.append(record(0))
        store.append(record(1))
    path = run / "episodes.jsonl"
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 40])  # a kill in the middle of the second write
    with pytest.raises(CorruptRecordError, match=r"episodes\.jsonl:2: truncated last line") as caught:
        read_episodes(path)
    assert caught.value.line == 2
    with ResultStore.open(run) as store:
        assert store.records() == [record(0)]
        store.append(record(1))
    assert read_episodes(path) == [record(0), record(1)]
    assert (run / "episodes.jsonl.torn").read_bytes() == whole.splitlines()[1][:-39] + b"\n"


def test_a_whole_last_record_missing_only_its_newline_is_kept(tmp_path):
    run = tmp_path / "run"
    with ResultStore.create(run, META) as store:
        store.append(record(0))
    path = run / "episodes.jsonl"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with ResultStore.open(run) as store:
        assert store.records() == [record(0)]
        store.append(record(1))
    assert read_episodes(path) == [record(0), record(1)]


@pytest.mark.parametrize(
    "bad_line, reason",
    [(b"{not json", "not valid JSON"), (b'{"suite": "s"}', "missing fields"), (b"[1, 2]", "JSON object")],
)
def test_a_corrupt_middle_line_names_file_and_line_and_nothing_is_lost(tmp_path, bad_line, reason):
    run = tmp_path / "run"
    with ResultStore.create(run, META) as store:
        for episode in range(3):
            store.append(record(episode))
    path = run / "episodes.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = bad_line + b"\n"
    path.write_bytes(b"".join(lines))
    before = path.read_bytes()
    for action in (lambda: read_episodes(path), lambda: ResultStore.open(run)):
        with pytest.raises(CorruptRecordError, match=rf"{path}:2: .*{reason}"):
            action()
    assert path.read_bytes() == before  # resume refused; it changed nothing


def test_record_values_are_checked(tmp_path):
    data = record(0).to_json()
    data["score"] = 1.5
    with pytest.raises(ValueError, match=r"score must lie in \[0, 1\]"):
        EpisodeRecord.from_json(data)
    data = record(0).to_json()
    data["steps"] = True
    with pytest.raises(ValueError, match="steps must be int"):
        EpisodeRecord.from_json(data)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"[1, 2]", "not a JSON object"),
        (b'{"suite": {}}', "lacks agent, settings"),
        (b"\xff\xfe not text", "not valid JSON"),
    ],
)
def test_a_damaged_meta_file_is_named_in_the_error(tmp_path, content, message):
    run = tmp_path / "run"
    with ResultStore.create(run, META):
        pass
    (run / "meta.json").write_bytes(content)
    with pytest.raises(RunDirError, match=f"meta.json: {message}"):
        ResultStore.open(run)
