"""Which tasks a training step plays: uniform, an easy-to-hard schedule (E2H), difficulty targeting (DOTS).

A task is one env id, its constructor arguments and an episode seed of the training split; a step plays
``group_size`` episodes of each task it draws. Samplers draw from the trainer's numpy generator, keep
what they learn (solve rates) in ``state_dict`` for exact resume, and are told every group's solve rate
through ``observe``. ``ReplayBuffer`` keeps recent groups for DOTS's rollout replay.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from palaestra.core.errors import UsageError

SEED_RANGE = 2**31  # episode seeds are drawn below this


@dataclass
class Task:
    """One training instance: env id, constructor arguments and episode seed."""

    env_id: str
    seed: int
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The instance, as text (solve rates are kept by it)."""
        return json.dumps([self.env_id, self.kwargs, self.seed], sort_keys=True)

    @property
    def env_key(self) -> str:
        """The env it is played on, as text (envs are reused by it)."""
        return json.dumps([self.env_id, self.kwargs], sort_keys=True)


class UniformSampler:
    """Fresh seeds every step; groups take the env ids in turn (``env_id``)."""

    def __init__(self, env_ids: list[str], env_kwargs: dict[str, Any]):
        self.env_ids = env_ids
        self.env_kwargs = env_kwargs

    def env_id(self, step: int, count: int, index: int) -> str:
        """The env of group ``index`` of ``count`` in ``step``: the ids in turn, carried over from step
        to step, so every id is played even when a step has fewer groups than there are ids."""
        return self.env_ids[((step - 1) * count + index) % len(self.env_ids)]

    def sample(self, rng: np.random.Generator, step: int, count: int) -> list[Task]:
        return [
            Task(self.env_id(step, count, i), int(rng.integers(SEED_RANGE)), dict(self.env_kwargs))
            for i in range(count)
        ]

    def observe(self, task: Task, solve_rate: float) -> None:
        """Uniform sampling learns nothing."""

    def weights(self, step: int) -> dict[str, float]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing to restore."""


def e2h_weights(step: int, total_steps: int, presets: int, sigma: float) -> np.ndarray:
    """E2H's Gaussian schedule: preset k (0 easiest) has weight ``exp(-(x_k - t)^2 / (2 sigma^2))``,
    normalized, with ``x_k = k / (presets - 1)`` and ``t = step / (total_steps - 1)`` the progress."""
    if presets == 1:
        return np.ones(1)
    progress = step / max(total_steps - 1, 1)
    x = np.arange(presets) / (presets - 1)
    w = np.exp(-((x - progress) ** 2) / (2 * sigma**2))
    return w / w.sum()


class E2HSampler(UniformSampler):
    """Easy to hard: each group's difficulty preset drawn by ``e2h_weights``, so easy tasks fade out."""

    def __init__(
        self,
        env_ids: list[str],
        env_kwargs: dict[str, Any],
        presets: list[str],
        sigma: float,
        total_steps: int,
    ):
        super().__init__(env_ids, env_kwargs)
        if not presets:
            raise UsageError(
                "the e2h sampler needs sampler.presets, the difficulty presets from easy to hard"
            )
        if sigma <= 0:
            raise UsageError(f"sampler.e2h_sigma must be positive, got {sigma}")
        if "difficulty" in env_kwargs:
            raise UsageError("the e2h sampler sets env difficulty itself: drop difficulty from env.kwargs")
        self.presets = presets
        self.sigma = sigma
        self.total_steps = total_steps

    def sample(self, rng: np.random.Generator, step: int, count: int) -> list[Task]:
        w = e2h_weights(step, self.total_steps, len(self.presets), self.sigma)
        tasks = []
        for i in range(count):
            preset = self.presets[int(rng.choice(len(self.presets), p=w))]
            kwargs = {**self.env_kwargs, "difficulty": preset}
            tasks.append(Task(self.env_id(step, count, i), int(rng.integers(SEED_RANGE)), kwargs))
        return tasks

    def weights(self, step: int) -> dict[str, float]:
        w = e2h_weights(step, self.total_steps, len(self.presets), self.sigma)
        return {preset: float(x) for preset, x in zip(self.presets, w)}


class DOTSSampler(UniformSampler):
    """Difficulty-targeted selection from a fixed pool of tasks: prefer those whose solve rate is near
    ``target`` (0.5), estimated per task as an exponential moving average of its groups' solve rates.

    A task not yet played counts at ``prior``, so with the default prior of 0.5 every task is tried
    once before the estimates steer; ties are broken at random.
    """

    def __init__(
        self,
        env_ids: list[str],
        env_kwargs: dict[str, Any],
        pool_size: int,
        target: float,
        ema: float,
        prior: float,
    ):
        super().__init__(env_ids, env_kwargs)
        if pool_size < 1:
            raise UsageError(f"sampler.pool_size must be at least 1, got {pool_size}")
        if not 0 < ema <= 1:
            raise UsageError(f"sampler.ema must be in (0, 1], got {ema}")
        self.pool = [
            Task(env_ids[i % len(env_ids)], i // len(env_ids), dict(env_kwargs)) for i in range(pool_size)
        ]
        self.target = target
        self.ema = ema
        self.prior = prior
        self.solve_rates: dict[str, float] = {}

    def estimate(self, task: Task) -> float:
        return self.solve_rates.get(task.key, self.prior)

    def sample(self, rng: np.random.Generator, step: int, count: int) -> list[Task]:
        if count > len(self.pool):
            raise UsageError(
                f"sampler.pool_size ({len(self.pool)}) is smaller than the groups of a step ({count})"
            )
        distance = np.array([abs(self.estimate(task) - self.target) for task in self.pool])
        tie_break = rng.random(len(self.pool))
        order = np.lexsort((tie_break, distance))
        return [self.pool[i] for i in order[:count]]

    def observe(self, task: Task, solve_rate: float) -> None:
        old = self.solve_rates.get(task.key)
        self.solve_rates[task.key] = (
            solve_rate if old is None else (1 - self.ema) * old + self.ema * solve_rate
        )

    def state_dict(self) -> dict[str, Any]:
        return {"solve_rates": dict(self.solve_rates)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.solve_rates = dict(state["solve_rates"])


class ReplayBuffer:
    """The most recent ``capacity`` groups (DOTS's rollout replay), with the step that played them.

    Replayed groups keep the log-probabilities of the policy that played them, so the loss weighs them
    by the importance ratio of the current policy to that one (and clips it like any ratio).
    """

    def __init__(self, capacity: int, max_age: int):
        self.capacity = capacity
        self.max_age = max_age
        self.groups: deque[tuple[int, Any]] = deque(maxlen=max(capacity, 1))

    def add(self, step: int, group: Any) -> None:
        if self.capacity:
            self.groups.append((step, group))

    def draw(self, rng: np.random.Generator, step: int, count: int) -> list[Any]:
        """Up to ``count`` distinct groups played within ``max_age`` steps before ``step``."""
        recent = [group for played, group in self.groups if 0 < step - played <= self.max_age]
        if not recent or count <= 0:
            return []
        picks = rng.choice(len(recent), size=min(count, len(recent)), replace=False)
        return [recent[int(i)] for i in sorted(picks)]

    def state_dict(self) -> dict[str, Any]:
        return {"groups": list(self.groups)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.groups.clear()
        self.groups.extend(state["groups"])


def replay_split(groups: int, fraction: float) -> tuple[int, int]:
    """(fresh, replayed) groups of a step when ``fraction`` of it may be replayed."""
    replayed = math.floor(groups * fraction)
    return groups - replayed, replayed
