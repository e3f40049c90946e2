"""The conformance checks every registered env must pass, shared by ``palaestra check`` and the tests.

Each check takes an env id and raises ``AssertionError`` with a readable message when the env breaks
the contract of DESIGN.md. ``run_checks`` runs them all and reports each one's outcome.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env

from palaestra.core import info as keys
from palaestra.core.env import TextEnv

# Replies an agent might send that no env's grammar accepts.
NASTY_ACTIONS: tuple[str, ...] = (
    "",
    " ",
    "\x00\x01\x02",
    "<action></action>",
    "<action>",
    "</action>",
    "<think>never closed",
    "</think></think>",
    "{0}{1}%s%d{{}}",
    "'; DROP TABLE episodes; --",
    "import os; os.system('rm -rf /')",
    "\ud800 lone surrogate",
    "🐍" * 1000,
    "é" * 100_000,
    "x" * (1 << 20),
    "<action>" + "a" * 5000 + "</action>",
    "Ω≈ç√∫˜µ≤≥÷ 田中さん ﷽",
)


def require(condition: Any, message: str) -> None:
    """Fail the check with ``message``. Not ``assert``: ``python -O`` would drop the checks."""
    if not condition:
        raise AssertionError(message)


def assert_equal(a: Any, b: Any, what: str) -> None:
    """Deep equality of observations, rewards and infos (numpy arrays compared by value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        require(a.keys() == b.keys(), f"{what}: keys differ: {sorted(a)} vs {sorted(b)}")
        for k in a:
            assert_equal(a[k], b[k], f"{what}[{k!r}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        require(np.array_equal(a, b), f"{what}: arrays differ")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        require(len(a) == len(b), f"{what}: lengths differ")
        for i, (x, y) in enumerate(zip(a, b)):
            assert_equal(x, y, f"{what}[{i}]")
    else:
        require(a == b, f"{what}: {a!r} != {b!r}")


def _equal(a: Any, b: Any) -> bool:
    try:
        assert_equal(a, b, "")
    except AssertionError:
        return False
    return True


def check_gymnasium_api(env_id: str) -> None:
    """Gymnasium's own ``check_env`` on the unwrapped env."""
    env = gym.make(env_id, render_mode="ansi")
    try:
        check_env(env.unwrapped, skip_render_check=False)
    finally:
        env.close()


def check_contract(env_id: str) -> None:
    """A TextEnv subclass with the text spaces, the standard info keys and in-bounds scores."""
    env = gym.make(env_id)
    try:
        base = env.unwrapped
        require(isinstance(base, TextEnv), f"{type(base).__name__} is not a palaestra TextEnv")
        require(env.spec.max_episode_steps, "registered without max_episode_steps")
        obs, info = env.reset(seed=0)
        require(env.observation_space.contains(obs), "reset observation outside observation_space")
        for key in (keys.INSTRUCTIONS, keys.TURN, keys.STATE_KEY, keys.SUCCESS, keys.SCORE):
            require(key in info, f"reset info lacks {key!r}")
        instructions = info[keys.INSTRUCTIONS]
        require(
            isinstance(instructions, str) and len(instructions) > 40,
            "instructions must state the task and action syntax",
        )
        is_vision = "-Vision-" in env_id
        require(isinstance(obs, dict) == is_vision, "-Vision- ids observe a dict, -Text- ids a string")
        for _ in range(env.spec.max_episode_steps):
            actions = info.get(keys.VALID_ACTIONS)
            action = actions[0] if actions else base.expert_action()
            obs, reward, terminated, truncated, info = env.step(action)
            require(env.observation_space.contains(obs), "step observation outside observation_space")
            require(isinstance(reward, float), "reward must be a float")
            for key in (keys.TURN, keys.ACTION_VALID, keys.ACTION_ERROR, keys.STATE_KEY):
                require(key in info, f"step info lacks {key!r}")
            require(0.0 <= info[keys.SCORE] <= 1.0, f"score {info[keys.SCORE]} outside [0, 1]")
            if terminated or truncated:
                break
    finally:
        env.close()


def check_determinism(env_id: str, steps: int = 30) -> None:
    """Same seed and same actions give identical observations, rewards and infos; another seed does not."""

    def rollout(seed: int) -> list[Any]:
        env = gym.make(env_id)
        rng = np.random.default_rng(1234)
        obs, info = env.reset(seed=seed)
        trace: list[Any] = [(obs, info)]
        for _ in range(steps):
            actions = info.get(keys.VALID_ACTIONS)
            action = actions[int(rng.integers(len(actions)))] if actions else env.unwrapped.expert_action()
            obs, reward, terminated, truncated, info = env.step(action)
            trace.append((obs, reward, terminated, truncated, info))
            if terminated or truncated:
                obs, info = env.reset()
                trace.append((obs, info))
        env.close()
        return trace

    first, second = rollout(7), rollout(7)
    assert_equal(first, second, "trajectory with seed 7")
    # Some envs start every episode in one state and draw later (Minesweeper places its mines at the
    # first reveal), so it is the trajectories, not the first observations, that seeds must change.
    require(not _equal(first, rollout(8)), "seeds 7 and 8 give identical trajectories: seeding has no effect")


def check_invalid_actions(env_id: str) -> None:
    """Nasty replies never raise, never change the world, and truncate after ``max_invalid_actions``."""
    env = gym.make(env_id)
    try:
        base = env.unwrapped
        for action in NASTY_ACTIONS:
            obs, info = env.reset(seed=3)
            key = info[keys.STATE_KEY]
            obs, reward, terminated, truncated, info = env.step(action)
            require(info[keys.ACTION_VALID] is False, f"{action[:30]!r} was accepted as an action")
            require(isinstance(info[keys.ACTION_ERROR], str) and info[keys.ACTION_ERROR], "no action_error")
            require(info[keys.STATE_KEY] == key, "an invalid action changed the world")
            require(
                reward == base.invalid_action_reward,
                f"an invalid action's reward was {reward}, not invalid_action_reward",
            )
            require(not terminated, "an invalid action ended the episode")
            require(
                env.observation_space.contains(obs),
                "observation after an invalid action outside observation_space",
            )
        env.reset(seed=3)
        for i in range(1, base.max_invalid_actions + 1):
            *_, truncated, info = env.step("\x00 not an action \x00")
            require(truncated == (i == base.max_invalid_actions), f"truncated={truncated} after {i} invalid")
        require(
            info.get(keys.TRUNCATION_REASON) == "invalid_actions",
            "truncation_reason is not 'invalid_actions'",
        )
    finally:
        env.close()


def check_vector(env_id: str) -> None:
    """``gym.make_vec`` works with 4 envs, synchronously and in subprocesses."""
    for mode in ("sync", "async"):
        envs = gym.make_vec(env_id, num_envs=4, vectorization_mode=mode)
        try:
            obs, infos = envs.reset(seed=0)
            for _ in range(3):
                actions = [envs.single_action_space.sample() for _ in range(4)]
                obs, rewards, terminated, truncated, infos = envs.step(tuple(actions))
            require(len(rewards) == 4, f"{mode} vector env returned {len(rewards)} rewards for 4 envs")
        finally:
            envs.close()


def check_expert(env_id: str, episodes: int = 3) -> None:
    """The expert finishes episodes with in-bounds scores."""
    env = gym.make(env_id)
    try:
        for seed in range(episodes):
            obs, info = env.reset(seed=seed)
            done = False
            while not done:
                obs, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
                require(
                    info[keys.ACTION_VALID], f"the expert's action was invalid: {info[keys.ACTION_ERROR]}"
                )
                done = terminated or truncated
            require(0.0 <= info[keys.SCORE] <= 1.0, f"score {info[keys.SCORE]} outside [0, 1]")
    finally:
        env.close()


CHECKS: dict[str, Callable[[str], None]] = {
    "gymnasium check_env": check_gymnasium_api,
    "contract and info keys": check_contract,
    "determinism": check_determinism,
    "invalid actions": check_invalid_actions,
    "vector envs (sync, async)": check_vector,
    "expert plays": check_expert,
}


@dataclass
class CheckResult:
    name: str
    passed: bool
    seconds: float
    message: str = ""


def run_checks(env_id: str) -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        start = time.perf_counter()
        try:
            check(env_id)
        except Exception as err:  # noqa: BLE001 - the report shows every failure
            message = str(err) if isinstance(err, AssertionError) else traceback.format_exc(limit=3)
            results.append(CheckResult(name, False, time.perf_counter() - start, message))
        else:
            results.append(CheckResult(name, True, time.perf_counter() - start))
    return results
