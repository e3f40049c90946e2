"""The conformance checks catch envs that break the contract (so a passing check means something)."""

import random
import subprocess
import sys

import gymnasium as gym
import pytest

from palaestra.core import ActionError, TextEnv, register_env
from palaestra.core.conformance import (
    CHECKS,
    check_close,
    check_contract,
    check_determinism,
    check_garbage_is_rejected,
    check_garbage_scores_zero,
    check_reset_options,
    run_checks,
)
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
        world_raises=False,
        leaks_process=False,
        tasks=None,
        ignore_task=False,
        alive_bonus=False,
        **base,
    ):
        super().__init__(**base)
        self.global_random, self.ignore_seed, self.score_over_one, self.invalid_changes_world = (
            global_random,
            ignore_seed,
            score_over_one,
            invalid_changes_world,
        )
        self.world_raises, self.leaks_process, self.alive_bonus = world_raises, leaks_process, alive_bonus
        self.tasks = None if tasks is None else [f"{self.split}-{i}" for i in range(tasks)]
        self.ignore_task = ignore_task
        self.start = self.count = 0

    def task_ids(self):
        return self.tasks

    def _new_episode(self, options):
        if self.leaks_process:
            # Started as a resource but never closed: the kind of leak check_close looks for.
            self.sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        if self.task_id is not None and not self.ignore_task:
            self.start = self.count = 10 * self.tasks.index(self.task_id)
            return
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
        if self.world_raises and self.count > self.start:
            raise OSError("the prover process died")
        self.count += action
        return 1.0, self.count >= self.start + 3

    def _describe(self):
        return f"count {self.count}"

    def _instructions(self):
        return "Send <action>inc</action> to add one to the counter; the episode ends when it reaches three."

    def _state_bytes(self):
        return self.count.to_bytes(2, "little")

    def _outcome(self):
        done = self.count - self.start
        if self.alive_bonus:  # what Snake did: a share of the score for merely not dying
            return done >= 3, 0.2 + 0.8 * min(1.0, done / 3)
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


def test_a_well_behaved_env_passes_every_check(register):
    for env_id in (register("None"), register("Tasks", tasks=4)):
        for check in CHECKS.values():
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
        check_garbage_is_rejected(register("Mutating", invalid_changes_world=True))


def test_an_env_that_leaks_a_process_on_close_fails(register):
    with pytest.raises(AssertionError, match="left child process"):
        check_close(register("Leaky", leaks_process=True))


def test_a_world_that_raises_fails_the_contract_with_its_error(register):
    with pytest.raises(
        AssertionError, match="world failed in ordinary play: OSError: the prover process died"
    ):
        check_contract(register("Crashing", world_raises=True))


def test_an_env_that_ignores_task_id_fails(register):
    with pytest.raises(AssertionError, match="ignores task_id"):
        check_reset_options(register("Taskless", tasks=3, ignore_task=True))


def test_a_score_for_surviving_garbage_fails(register):
    # Without the forfeit rule, sending garbage until truncation kept the 0.2 for being alive.
    check_garbage_scores_zero(register("Alive", alive_bonus=True))


def test_an_id_whose_extra_is_missing_is_skipped_with_the_install_command(register, monkeypatch):
    env_id = register("Extra")
    monkeypatch.setitem(
        _CATALOGUE, env_id, _CATALOGUE[env_id].__class__(**{**vars(_CATALOGUE[env_id]), "extra": "babyai"})
    )
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    results = run_checks(env_id)
    assert all(r.skipped and r.message == "skipped: pip install 'palaestra[babyai]'" for r in results)


class Parrot(TextEnv):
    """A free-text env with no action list and no expert (like a dialogue turn): any text is a legal
    action; the episode is won by a reply that says please, after three turns at most."""

    free_text_actions = True

    def _new_episode(self, options):
        self.name = ("Polly", "Kiwi", "Mango", "Rio")[int(self.np_random.integers(4))]
        self.heard = []

    def _parse(self, text):
        if not text.strip():
            raise ActionError("say something")
        return text

    def _advance(self, action):
        self.heard.append(action[:50])
        return float("please" in action.lower()), "please" in action.lower() or len(self.heard) >= 3

    def _describe(self):
        return f"{self.name} the parrot heard: {self.heard[-1] if self.heard else 'nothing yet'}"

    def _instructions(self):
        return "Talk to the parrot; it answers a polite request. Example: <action>please, a cracker</action>"

    def _state_bytes(self):
        return "\x00".join([self.name, *self.heard]).encode("utf-8", "surrogatepass")

    def _outcome(self):
        won = any("please" in h.lower() for h in self.heard)
        return won, float(won)


def test_a_free_text_env_without_actions_or_expert_passes_every_check():
    register_env("Parrot-Text-v0", Parrot, family="test", summary="talk", max_episode_steps=10)
    try:
        for check in CHECKS.values():
            check("Parrot-Text-v0")
    finally:
        gym.registry.pop("Parrot-Text-v0")
        _CATALOGUE.pop("Parrot-Text-v0")
