"""EHRQuery-Code-v0: the generated database, answers from the env's own SQL, the value grader, the expert."""

import sqlite3

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.core import info as keys
from palaestra.envs.medical.ehr_data import TABLES, TEMPLATES, database_bytes, generate_database
from palaestra.envs.medical.ehr_grading import ExpectedAnswer, grade
from palaestra.sandboxes import available_backends

needs_sandbox = pytest.mark.skipif(not available_backends(), reason="no sandbox backend works here")


def expect(*values, ordered=False, decimals=None, tolerance=None):
    return ExpectedAnswer(tuple(values), ordered, decimals, tolerance)


# -- the grader ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["3", "3.0", " 3 ", "[3]", "['3']", "(3,)", '"3"', "[(3,)]", "3.000"])
def test_a_count_written_any_right_way_passes(answer):
    assert grade(expect(3), answer)


@pytest.mark.parametrize(
    "answer",
    [
        "The answer is 3",  # padded: MedAgentGym's substring check would take it
        "3 patients",
        "1, 2, 3, 4, 5",  # every small count at once
        "[3, 4]",
        "3.01",
        "2",
        "33",
        "none",
        "",
        "{3: 1}",
    ],
)
def test_padded_supersets_and_near_misses_of_a_count_fail(answer):
    assert not grade(expect(3), answer)


def test_exact_floats_match_up_to_float_noise_and_no_further():
    assert grade(expect(1.2), "1.2")
    assert grade(expect(1.2), "1.20")
    assert grade(expect(0.1 + 0.2), "0.3")
    assert grade(expect(28.0), "28")
    for near_miss in ("1.24", "1.3", "1.19", "12", "1.2 mg/dL"):  # units are not part of the answer
        assert not grade(expect(1.2), near_miss), near_miss
    assert not grade(expect(28.0), "28.02")


def test_a_value_asked_to_n_decimals_matches_any_right_rounding_and_nothing_else():
    average = expect(22 / 3, decimals=2)  # 7.3333...
    for right in ("7.33", "7.3333", "7.333333333"):
        assert grade(average, right), right
    for wrong in ("7.34", "7.3", "7", "7.32"):
        assert not grade(average, wrong), wrong
    half = expect(0.625, decimals=2)  # SQLite rounds it up, Python's round() down: both are right
    assert grade(half, "0.63") and grade(half, "0.62")
    assert not grade(half, "0.6") and not grade(half, "0.64")


def test_a_set_passes_in_any_order_and_fails_with_a_value_missing_or_extra():
    codes = expect("4019", "42731", "5849")
    for answer in (
        "4019, 42731, 5849",
        "5849,4019,42731",
        "['42731', '4019', '5849']",
        "(5849, 4019, 42731)",
    ):
        assert grade(codes, answer), answer
    assert grade(codes, "4019, 4019, 42731, 5849")  # a repeat counts once
    assert grade(codes, "4019\n42731\n5849")
    for answer in ("4019, 42731", "4019, 42731, 5849, 2724", "4019 42731 5849", "40194273158 49", "4019"):
        assert not grade(codes, answer), answer


def test_values_holding_commas_are_read_whole_or_from_a_list():
    assert grade(expect("hematocrit, pleural"), "hematocrit, pleural")
    labs = expect("hematocrit, pleural", "sodium")
    assert grade(labs, '["sodium", "hematocrit, pleural"]')
    assert not grade(labs, "hematocrit, pleural")


def test_an_ordered_list_must_keep_its_order():
    values = expect(1.2, 0.9, 1.4, ordered=True)
    assert grade(values, "1.2, 0.9, 1.4")
    assert grade(values, "[1.2, 0.9, 1.4]")
    assert not grade(values, "0.9, 1.2, 1.4")
    assert not grade(values, "1.2, 0.9")


def test_none_answers_only_questions_whose_query_finds_nothing():
    for answer in ("none", "None", "NULL", "[]", "[None]", "['none']", "no answer"):
        assert grade(expect(), answer), answer
    for answer in ("0", "0.0", "nothing was found", "none, 3"):
        assert not grade(expect(), answer), answer
    assert not grade(expect(0), "none")  # a count of zero is a count
    assert not grade(expect("heparin"), "none")


def test_text_and_time_stamps_are_compared_as_what_they_are():
    assert grade(expect("heparin"), "Heparin")
    assert grade(expect("potassium chloride"), "'potassium  chloride'")
    assert not grade(expect("heparin"), "heparin sodium")
    stamp = expect("2105-03-04 10:00:00")
    assert grade(stamp, "2105-03-04T10:00:00")
    assert grade(stamp, "2105-03-04 10:00")
    assert grade(stamp, "['2105-03-04 10:00:00']")
    assert not grade(stamp, "2105-03-04")
    assert not grade(stamp, "2105-03-04 10:01:00")


def test_answers_from_a_real_data_set_are_strings_and_still_compared_by_value():
    assert grade(expect("10386"), "10386.0")
    assert grade(expect("10.75"), "10.750")
    assert not grade(expect("10386"), "10387")
    assert not grade(expect("10386"), "id 10386")


def test_garbage_never_raises():
    huge = "1" + "0" * 400
    garbage = (
        "[" * 5000,
        "-" * 5000 + "1",
        "1e999",
        huge,
        f"[{huge}]",
        "x" * 50_000,
        "\x00",
        "\ud800",
        "{'a': [1]}",
    )
    for answer in garbage:
        for expected in (
            expect(1),
            expect(7.33, decimals=2),
            expect(1.5, tolerance=0.01),
            expect("a"),
            expect(),
        ):
            assert grade(expected, answer) is False


# -- the database and its questions -----------------------------------------------------------------
def test_the_database_is_mimic_like_and_a_pure_function_of_the_seed():
    first = generate_database(np.random.default_rng(5), 8)
    second = generate_database(np.random.default_rng(5), 8)
    other = generate_database(np.random.default_rng(6), 8)
    assert database_bytes(first) == database_bytes(second) != database_bytes(other)
    assert [row[0] for row in first.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == list(
        TABLES
    )
    assert first.execute("SELECT COUNT(*) FROM patients").fetchone()[0] == 8
    # every event lies within its admission
    outside = first.execute(
        "SELECT COUNT(*) FROM labevents l JOIN admissions a ON l.hadm_id = a.hadm_id "
        "WHERE l.charttime < a.admittime OR l.charttime > a.dischtime"
    ).fetchone()[0]
    assert outside == 0
    units = dict(first.execute("SELECT DISTINCT itemid, valueuom FROM labevents").fetchall())
    assert units.get(50912, "mg/dL") == "mg/dL" and units.get(50971, "mEq/L") == "mEq/L"
    codes = {row[0] for row in first.execute("SELECT icd9_code FROM diagnoses_icd")}
    titles = {row[0] for row in first.execute("SELECT icd9_code FROM d_icd_diagnoses")}
    assert codes <= titles


def test_every_template_is_answered_by_its_sql_and_some_answers_are_none():
    rng = np.random.default_rng(0)
    db = generate_database(rng, 12)
    nones = 0
    for name, template in TEMPLATES.items():
        for _ in range(20):
            question = template(rng, db)
            assert question.template == name
            answer = question.answer(db)
            assert answer.values == tuple(r[0] for r in db.execute(question.sql) if r[0] is not None)
            nones += answer.is_none
    assert 0 < nones < 0.25 * 20 * len(TEMPLATES)


# -- the env ----------------------------------------------------------------------------------------
@needs_sandbox
def test_the_expert_queries_through_the_sandbox_and_is_always_right():
    env = gym.make("EHRQuery-Code-v0")
    templates = set()
    try:
        for seed in range(16):
            env.reset(seed=seed)
            first = env.unwrapped.expert_action()
            assert first.startswith("run_python[") and env.unwrapped.question.sql in first
            *_, info = env.step(first)
            assert info[keys.ACTION_VALID]
            second = env.unwrapped.expert_action()
            assert second.startswith("answer[")
            _, reward, terminated, _, info = env.step(second)
            assert (reward, terminated, info[keys.SUCCESS]) == (1.0, True, True), (seed, second)
            templates.add(env.unwrapped.question.template)
    finally:
        env.close()
    assert len(templates) >= 6


@needs_sandbox
def test_the_database_file_is_in_the_work_directory_and_schema_describes_it():
    env = gym.make("EHRQuery-Code-v0", patients=5)
    try:
        obs, info = env.reset(seed=2)
        assert "ehr.db" in obs and "schema" in [tool["function"]["name"] for tool in info[keys.TOOLS]]
        obs, *_ = env.step(
            "run_python[import sqlite3; db = sqlite3.connect('ehr.db')\n"
            "print(db.execute('SELECT COUNT(*) FROM patients').fetchone()[0])]"
        )
        assert obs.splitlines()[0] == "5"
        obs, *_ = env.step("schema[]")
        for table in TABLES:
            assert table in obs
        obs, reward, terminated, truncated, info = env.step("answer[The answer is 1, 2, 3, 4, 5 or none]")
        assert (reward, terminated, info[keys.SUCCESS]) == (0.0, True, False)
    finally:
        env.close()


def test_the_env_answer_is_what_the_sql_gives_on_the_file_the_agent_gets():
    env = gym.make("EHRQuery-Code-v0")
    try:
        for seed in range(5):
            env.reset(seed=seed)
            task = env.unwrapped.task
            db = sqlite3.connect(":memory:")
            db.deserialize(task.files["ehr.db"])
            assert env.unwrapped.question.answer(db) == env.unwrapped.expected
            assert task.grade(env.unwrapped.expected.text()) == 1.0
    finally:
        env.close()


def test_lazy_answers_score_little():
    env = gym.make("EHRQuery-Code-v0")
    right = {"none": 0, "0": 0, "1": 0}
    try:
        for seed in range(60):
            env.reset(seed=seed)
            for answer in right:
                right[answer] += env.unwrapped.task.grade(answer)
    finally:
        env.close()
    assert max(right.values()) < 0.3 * 60, right


def test_settings_are_checked():
    with pytest.raises(ValueError, match="template"):
        gym.make("EHRQuery-Code-v0", templates=("no_such_template",))
    with pytest.raises(ValueError, match="patients"):
        gym.make("EHRQuery-Code-v0", patients=0)
    with pytest.raises(ValueError, match="difficulty"):
        gym.make("EHRQuery-Code-v0", difficulty="extreme")
