"""The conformance checks catch envs that break the contract (so a passing check means something)."""

import random

import gymnasium as gym
import pytest

from palaestra.core import ActionError, TextEnv, register_env
from palaestra.core.conformance import check_contract, check_determinism, check_invalid_actions
from palaestra.core.registry import _CATALOGUE


class CounterEnv(TextEnv):
    """Count three steps up from a random start with 'inc'. Flags make it break one rule each."""

    def __init__(
        self,
        *,
        global_random=False,
        ignore_seed=False,
        score_over_one=False,
        invalid_changes_world=False,
        **base,
    ):
        super().__init__(**base)
        self.global_random, self.ignore_seed, self.score_over_one, self.invalid_changes_world = (
            global_random,
            ignore_seed,
            score_over_one,
            invalid_changes_world,
        )
        self.start = self.count = 0

    def _new_episode(self, options):
        source = (
            random.random() if self.global_random else 0.5 if self.ignore_seed else self.np_random.random()
        )
        self.start = self.count = int(source * 1000)

    def _parse(self, text):
        if text != "inc":
            if self.invalid_changes_world:
                self.count += 1
            raise ActionError("say inc")
        return 1

    def _advance(self, action):
        self.count += action
        return 1.0, self.count >= self.start + 3

    def _describe(self):
        return f"count {self.count}"

    def _instructions(self):
        return "Send 'inc' to add one to the counter; the episode ends when it reaches three."

    def _state_bytes(self):
        return self.count.to_bytes(2, "little")

    def _outcome(self):
        done = self.count - self.start
        return done >= 3, 2.0 if self.score_over_one else min(1.0, done / 3)

    def valid_actions(self):
        return ["inc"]


@pytest.fixture
def register():
    ids = []

    def make(name, **kwargs):
        env_id = f"Broken{name}-Text-v0"
        register_env(env_id, CounterEnv, family="test", summary="broken", max_episode_steps=10, kwargs=kwargs)
        ids.append(env_id)
        return env_id

    yield make
    for env_id in ids:
        gym.registry.pop(env_id)
        _CATALOGUE.pop(env_id)


def test_a_well_behaved_env_passes(register):
    env_id = register("None")
    for check in (check_contract, check_determinism, check_invalid_actions):
        check(env_id)


def test_global_randomness_fails_determinism(register):
    with pytest.raises(AssertionError, match="trajectory with seed 7"):
        check_determinism(register("Random", global_random=True))


def test_an_env_that_ignores_its_seed_fails_determinism(register):
    with pytest.raises(AssertionError, match="seeding has no effect"):
        check_determinism(register("Unseeded", ignore_seed=True))


def test_a_score_over_one_fails_the_contract(register):
    with pytest.raises(AssertionError, match="outside"):
        check_contract(register("Score", score_over_one=True))


def test_an_invalid_action_that_changes_the_world_fails(register):
    with pytest.raises(AssertionError, match="changed the world"):
        check_invalid_actions(register("Mutating", invalid_changes_world=True))
