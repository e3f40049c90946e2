"""Suites are built from the registry: every runnable text id with an expert in quick, every runnable
id in core, one suite per family."""

from __future__ import annotations

import gymnasium as gym
import pytest

from palaestra.core import register_env, registered_envs
from palaestra.core.errors import UsageError
from palaestra.core.registry import _CATALOGUE
from palaestra.evaluation.suites import custom_suite, families, load_suite, suite_names


def runnable() -> list:
    return [e for e in registered_envs() if e.missing_requirement() is None]


def test_quick_has_every_runnable_text_id_with_an_expert():
    quick = load_suite("quick")
    expected = [e.id for e in runnable() if e.modality == "text" and e.expert]
    assert [env.env_id for env in quick.envs] == expected
    assert {"arcade", "babyai", "household"} <= {env.family for env in quick.envs}
    for env in quick.envs:
        assert "-Vision-" not in env.env_id
        assert len(env.seeds) == 5


def test_core_has_every_runnable_id_on_the_test_split():
    core = load_suite("core")
    assert [env.env_id for env in core.envs] == [e.id for e in runnable()]
    assert all(env.kwargs == {"split": "test"} for env in core.envs)
    assert all(env.seeds == tuple(range(30)) for env in core.envs)
    assert len(core.tasks()) == 30 * len(core.envs)


def test_an_id_joins_quick_and_core_once_what_it_needs_is_here(monkeypatch):
    register_env(
        "EvalSuiteData-Text-v0",
        "palaestra.envs.arcade.snake.decision:SnakeDecisionEnv",
        family="zz-probe",
        summary="probe",
        max_episode_steps=3,
        expert=True,
        data=("PALAESTRA_SUITE_PROBE", "a probe's files"),
    )
    try:
        monkeypatch.delenv("PALAESTRA_SUITE_PROBE", raising=False)
        assert "EvalSuiteData-Text-v0" not in load_suite("core").families
        assert "EvalSuiteData-Text-v0" not in load_suite("quick").families
        monkeypatch.setenv("PALAESTRA_SUITE_PROBE", "/somewhere")
        assert "EvalSuiteData-Text-v0" in load_suite("core").families
        assert "EvalSuiteData-Text-v0" in load_suite("quick").families
    finally:
        del _CATALOGUE["EvalSuiteData-Text-v0"]
        del gym.registry["EvalSuiteData-Text-v0"]


def test_one_suite_per_family_and_the_list():
    names = suite_names()
    assert names[:2] == ["quick", "core"]
    for family in families():
        suite = load_suite(family)
        assert {env.env_id for env in suite.envs} == {e.id for e in registered_envs(family)}
    with pytest.raises(KeyError, match="known suites: quick, core"):
        load_suite("nope")


def test_a_new_registration_joins_core_and_changes_its_version():
    before = load_suite("core")
    register_env(
        "EvalSuiteProbe-Text-v0",
        "palaestra.envs.arcade.snake.decision:SnakeDecisionEnv",
        family="zz-probe",
        summary="probe",
        max_episode_steps=3,
        expert=True,
    )
    try:
        after = load_suite("core")
        assert set(after.families) == set(before.families) | {"EvalSuiteProbe-Text-v0"}
        assert after.version != before.version and after.version.split(".")[0] == before.version.split(".")[0]
        assert load_suite("quick").families["EvalSuiteProbe-Text-v0"] == "zz-probe"
        assert "zz-probe" in suite_names()
    finally:
        del _CATALOGUE["EvalSuiteProbe-Text-v0"]
        del gym.registry["EvalSuiteProbe-Text-v0"]
    assert load_suite("core").version == before.version


def test_custom_suite_checks_its_input():
    suite = custom_suite(["Snake-Text-v0"], 3)
    assert [(t.env_id, t.seed, t.episode) for t in suite.tasks()] == [
        ("Snake-Text-v0", i, i) for i in range(3)
    ]
    with pytest.raises(UsageError, match="unknown env ids"):
        custom_suite(["Nope-v0"], 3)
    with pytest.raises(ValueError, match="given twice"):
        custom_suite(["Snake-Text-v0", "Snake-Text-v0"], 3)
    with pytest.raises(ValueError, match="at least 1"):
        custom_suite(["Snake-Text-v0"], 0)


def test_an_env_without_a_test_split_is_scored_on_its_held_out_one():
    suite = custom_suite(["Snake-Text-v0", "HoVer-v0"], 1)
    splits = {env.env_id: env.kwargs.get("split") for env in suite.envs}
    assert splits == {"Snake-Text-v0": "test", "HoVer-v0": "dev"}
    assert custom_suite(["ALFWorld-v0"], 1).envs[0].kwargs == {"split": "valid_unseen"}
