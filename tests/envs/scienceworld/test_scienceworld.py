"""ScienceWorld-v0 on the real simulator: its splits, a gold path to a full score, commands its parser
refuses, and a JVM that dies or hangs within an episode. The shared conformance tests run too."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import palaestra  # noqa: F401  (registers the ids)
from palaestra.core.registry import env_entry

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        env_entry("ScienceWorld-v0").missing_requirement() is not None,
        reason=str(env_entry("ScienceWorld-v0").missing_requirement()),
    ),
]

SHORT_TASK = "lifespan-longest-lived/0"  # a gold path of five commands


@pytest.fixture(scope="module")
def env():
    made = gym.make("ScienceWorld-v0")
    yield made.unwrapped
    made.close()


def test_the_splits_are_scienceworlds_own_variations(env):
    from palaestra.envs.scienceworld.env import tasks_of

    train, dev, test = (set(tasks_of(split)) for split in ("train", "dev", "test"))
    assert not train & dev and not train & test and not dev & test
    assert len(train | dev | test) == 7207  # ScienceWorld's variations across its 30 tasks
    # "boil" has 30 variations: ScienceWorld puts 0-13 in train, 14-20 in dev, 21-29 in test.
    assert {t for t in train if t.startswith("boil/")} == {f"boil/{v}" for v in range(14)}
    assert "boil/14" in dev and "boil/21" in test and "boil/30" not in train | dev | test
    with pytest.raises(ValueError, match="unknown task_id 'boil/21' for split 'train'"):
        env.reset(options={"task_id": "boil/21"})


def test_the_gold_path_reaches_a_full_score(env):
    obs, info = env.reset(seed=3, options={"task_id": SHORT_TASK})
    assert "longest life span" in info["instructions"] and "Score: 0/100" in obs
    rewards = []
    while True:
        obs, reward, terminated, truncated, info = env.step(f"<action>{env.expert_action()}</action>")
        assert info["action_valid"], info["action_error"]
        rewards.append(reward)
        if terminated or truncated:
            break
    assert terminated and info["success"] and info["score"] == 1.0
    assert sum(rewards) == pytest.approx(1.0) and info["task_id"] == SHORT_TASK


def test_the_same_commands_give_the_same_trajectory(env):
    def play():
        env.reset(options={"task_id": SHORT_TASK})
        return [env.step(command)[:2] for command in ("open door to kitchen", "go to kitchen", "look around")]

    first = play()
    assert first == play()
    assert "This room is called the kitchen" in first[2][0]


def test_a_command_the_parser_refuses_is_invalid_and_changes_nothing(env):
    obs, info = env.reset(options={"task_id": SHORT_TASK})
    key = info["state_key"]
    for reply in ("xyzzy the frobozz", "<action></action>", "go " + "very " * 60 + "far"):
        obs, reward, terminated, truncated, info = env.step(reply)
        assert not info["action_valid"] and info["action_error"]
        assert reward == env.invalid_action_reward and not terminated and info["state_key"] == key
    assert "understands no command 'xyzzy the frobozz'" in env.step("xyzzy the frobozz")[4]["action_error"]


def test_focusing_on_the_wrong_thing_fails_the_task_with_score_zero(env):
    env.reset(options={"task_id": SHORT_TASK})  # find the longest-lived animal, and focus on it
    obs, reward, terminated, truncated, info = env.step("focus on air")
    assert terminated and not info["success"] and info["score"] == 0.0 and reward == 0.0


def test_a_killed_jvm_ends_the_episode_as_a_world_error_and_the_next_starts_afresh(env):
    env.reset(options={"task_id": SHORT_TASK})
    env.simulator.kill()
    obs, reward, terminated, truncated, info = env.step("look around")
    assert truncated and info["truncation_reason"] == "env_error" and "JVM ended" in info["env_error"]
    obs, info = env.reset(options={"task_id": SHORT_TASK})
    assert env.step("look around")[4]["action_valid"]


def test_a_call_past_the_step_timeout_is_killed():
    made = gym.make("ScienceWorld-v0")
    try:
        made.reset(options={"task_id": SHORT_TASK})
        made.unwrapped.step_timeout = 0.01
        obs, reward, terminated, truncated, info = made.step("look around")
        assert truncated and "the JVM was killed past 0.01 s" in info["env_error"]
    finally:
        made.close()


def test_a_damaged_split_table_is_made_again(tmp_path, monkeypatch):
    from palaestra.envs.scienceworld import env as module

    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))
    path = module._cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"boil": [14, 7')
    module.split_sizes.cache_clear()
    try:
        assert module.split_sizes()["boil"] == (14, 7, 9)
        assert json.loads(path.read_text())["boil"] == [14, 7, 9]
    finally:
        module.split_sizes.cache_clear()
