"""The shared conformance tests: every registered id gets them by being registered."""

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import palaestra
from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.conformance import CHECKS

ENV_IDS = [entry.id for entry in palaestra.registered_envs()]


def skip_if_missing(env_id: str) -> None:
    """Skip an id whose extra, or whose data set, is not on this machine (as ``run_checks`` does)."""
    missing = env_entry(env_id).missing_requirement()
    if missing:
        pytest.skip(f"{env_id}: {missing}")


@pytest.mark.parametrize("check", list(CHECKS), ids=list(CHECKS))
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_conformance(env_id, check, written_data):
    written_data(env_id)  # data-set ids whose data the tests write (conftest.WRITTEN_DATA) run on it
    skip_if_missing(env_id)
    CHECKS[check](env_id)


def test_both_import_styles_resolve():
    for env_id in ENV_IDS:
        if env_entry(env_id).missing_requirement():
            continue  # made, it would say what is missing (a test of its own family checks that)
        env = gym.make(f"palaestra:{env_id}")
        assert env.spec.id == env_id
        env.close()


# Replies an LLM might write: any Unicode, stray tags, code and format strings, very long text.
_TAGS = st.sampled_from(["<action>", "</action>", "<think>", "</think>", "<answer>", "{", "}", "%s"])
_REPLIES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=20).map("".join),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(1, 200_000)),
)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_fuzzed_replies_never_raise(env_id, written_data):
    written_data(env_id)
    skip_if_missing(env_id)
    env = gym.make(env_id)
    base = env.unwrapped

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(reply=_REPLIES)
    def fuzz(reply):
        env.reset(seed=11)
        obs, reward, terminated, truncated, info = env.step(reply)
        assert env.observation_space.contains(obs)
        if not info[keys.ACTION_VALID]:
            assert info[keys.ACTION_ERROR]
            assert reward == base.invalid_action_reward

    fuzz()
    env.close()
