"""The runner with envs that fail: a world that raises, a step that hangs on a process, a data set.

An env's failure is not the agent's: the episode is played again from the start, then recorded with
the error (so a resume retries it); a hung step is ended by closing its env from another thread.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import gymnasium as gym
import pytest

from palaestra.core import ActionError, TextEnv, register_env
from palaestra.core.registry import _CATALOGUE
from palaestra.evaluation import RunSettings, evaluate, read_episodes, resume
from palaestra.evaluation.suites import Suite, SuiteEnv

FAST = RunSettings(step_timeout=1.0, episode_timeout=30, max_retries=2, retry_backoff=0.01, concurrency=4)


class Countdown(TextEnv):
    """Say 'tick' three times. ``fail_first`` episodes' worlds raise at the second tick (counted across
    instances, as retries make new envs); ``hang`` makes every tick wait on a child process."""

    failures_left = 0
    children: list[subprocess.Popen] = []

    def __init__(self, *, hang=False, **base):
        super().__init__(**base)
        self.hang = hang

    def task_ids(self):
        return [f"{self.split}/{name}" for name in ("alpha", "beta", "gamma")]

    def _new_episode(self, options):
        self.left = 3 + self.task_ids().index(self.task_id)

    def _parse(self, text):
        if text != "tick":
            raise ActionError("say tick")
        return 1

    def _advance(self, action):
        if self.hang:
            process = self.resource("worker", self._start_worker)
            if process.wait() != 0:  # killed by close(): the world's work is gone
                raise ChildProcessError(f"the worker exited with {process.returncode}")
        if self.left == 2 and Countdown.failures_left > 0:
            Countdown.failures_left -= 1
            raise OSError("the simulator crashed")
        self.left -= 1
        return 1.0, self.left == 0

    def _start_worker(self):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        Countdown.children.append(process)
        return _Killable(process)

    def _describe(self):
        return f"{self.left} ticks to go"

    def _instructions(self):
        return "Reply <action>tick</action> until the countdown ends."

    def _state_bytes(self):
        return bytes([self.left])

    def _outcome(self):
        return self.left == 0, float(self.left == 0)

    def valid_actions(self):
        return ["tick"]

    def expert_action(self):
        return "tick"


class _Killable:
    def __init__(self, process):
        self.process = process

    def wait(self):
        return self.process.wait()

    @property
    def returncode(self):
        return self.process.returncode

    def close(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def countdown():
    register_env(
        "Countdown-Text-v0", Countdown, family="test", summary="count", max_episode_steps=20, expert=True
    )
    yield "Countdown-Text-v0"
    gym.registry.pop("Countdown-Text-v0")
    _CATALOGUE.pop("Countdown-Text-v0")


def _suite(env_id, kwargs=None, task_ids=("test/beta", "test/alpha")):
    seeds = tuple(range(len(task_ids)))
    env = SuiteEnv(env_id, "test", {"split": "test", **(kwargs or {})}, seeds, tuple(task_ids))
    return Suite("failures", "1.test", "envs that fail", (env,))


def test_task_ids_of_a_suite_are_played_and_recorded(tmp_path, countdown):
    outcome = evaluate(
        tmp_path / "run", suite=_suite(countdown), spec="expert", settings=FAST, show_progress=False
    )
    records = read_episodes(tmp_path / "run" / "episodes.jsonl")
    assert {(r.task_id, r.steps, r.success) for r in records} == {
        ("test/beta", 4, True),
        ("test/alpha", 3, True),
    }
    assert outcome.remaining == 0


def test_a_world_that_fails_once_is_played_again_and_leaves_no_error(tmp_path, countdown):
    Countdown.failures_left = 1
    outcome = evaluate(
        tmp_path / "run", suite=_suite(countdown), spec="expert", settings=FAST, show_progress=False
    )
    assert Countdown.failures_left == 0
    assert outcome.metrics.errors == 0 and outcome.remaining == 0


def test_a_world_that_keeps_failing_is_recorded_as_an_env_error_and_retried_on_resume(tmp_path, countdown):
    Countdown.failures_left = 3  # the first episode's three attempts
    suite = _suite(countdown, task_ids=("test/alpha",))
    outcome = evaluate(tmp_path / "run", suite=suite, spec="expert", settings=FAST, show_progress=False)
    (record,) = read_episodes(tmp_path / "run" / "episodes.jsonl")
    assert record.error == "EnvFailure: the env's world failed: OSError: the simulator crashed"
    assert record.score == 0.0 and not record.success and record.task_id == "test/alpha"
    assert outcome.remaining == 1
    resumed = resume(tmp_path / "run", show_progress=False)
    assert resumed.remaining == 0 and resumed.metrics.errors == 0


def test_a_step_that_hangs_is_ended_by_closing_its_env_and_leaves_no_process(tmp_path, countdown):
    Countdown.children = []
    suite = _suite(countdown, {"hang": True}, task_ids=("test/alpha",))
    started = time.monotonic()
    settings = dataclasses.replace(FAST, step_timeout=0.5, max_retries=1)
    outcome = evaluate(tmp_path / "run", suite=suite, spec="expert", settings=settings, show_progress=False)
    (record,) = read_episodes(tmp_path / "run" / "episodes.jsonl")
    assert (
        record.error == "EnvFailure: an env call took longer than the step limit of 0.5 s; its env was closed"
    )
    assert outcome.remaining == 1 and time.monotonic() - started < 15
    assert len(Countdown.children) == 2 and all(p.poll() is not None for p in Countdown.children)
