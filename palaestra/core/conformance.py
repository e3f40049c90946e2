"""The conformance checks every registered env must pass, shared by ``palaestra check`` and the tests.

Each check takes an env id and raises ``AssertionError`` with a readable message when the env breaks
the contract of DESIGN.md; a check that does not apply to the id (no expert, not deterministic, not a
data-set env) passes at once. ``run_checks`` runs them all and reports each one's outcome, or skips
them all, with the install command as the reason, for an id whose extra is missing here.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import gymnasium as gym
import numpy as np
from gymnasium.utils import env_checker

from palaestra.core import info as keys
from palaestra.core.env import TextEnv
from palaestra.core.registry import EnvEntry, env_entry

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
    """Gymnasium's own ``check_env`` on the unwrapped env; for an id that declares no determinism,
    without its two determinism checks (the ``determinism`` check skips such an id too)."""
    env = gym.make(env_id, render_mode="ansi")
    skipped = ("check_reset_seed_determinism", "check_step_determinism")
    try:
        with contextlib.ExitStack() as patches:
            if not env_entry(env_id).deterministic:
                for name in skipped:
                    patches.enter_context(mock.patch.object(env_checker, name, lambda env: None))
            env_checker.check_env(env.unwrapped, skip_render_check=False)
    finally:
        env.close()


def _policy(env: gym.Env, entry: EnvEntry, rng: np.random.Generator) -> Callable[[dict[str, Any]], str]:
    """Legal-looking play: a random listed action, else the expert's, else text from the action space."""
    base = env.unwrapped
    env.action_space.seed(int(rng.integers(1 << 31)))

    def act(info: dict[str, Any]) -> str:
        actions = info.get(keys.VALID_ACTIONS)
        if actions:
            return actions[int(rng.integers(len(actions)))]
        if entry.expert:
            return base.expert_action()
        return env.action_space.sample()

    return act


def check_contract(env_id: str) -> None:
    """A TextEnv subclass with the text spaces, the standard info keys, in-bounds scores, declared
    tools, and no world failure in ordinary play."""
    entry = env_entry(env_id)
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
        require(
            "<action>" in instructions or base.free_text_actions,
            "instructions must show an example reply in <action>...</action> tags",
        )
        is_vision = "-Vision-" in env_id
        require(isinstance(obs, dict) == is_vision, "-Vision- ids observe a dict, -Text- ids a string")
        _check_tools(base, info)
        act = _policy(env, entry, np.random.default_rng(0))
        for _ in range(env.spec.max_episode_steps):
            obs, reward, terminated, truncated, info = env.step(act(info))
            require(env.observation_space.contains(obs), "step observation outside observation_space")
            require(isinstance(reward, float), "reward must be a float")
            for key in (keys.TURN, keys.ACTION_VALID, keys.ACTION_ERROR, keys.STATE_KEY):
                require(key in info, f"step info lacks {key!r}")
            require(0.0 <= info[keys.SCORE] <= 1.0, f"score {info[keys.SCORE]} outside [0, 1]")
            require(
                info.get(keys.TRUNCATION_REASON) != "env_error",
                f"the world failed in ordinary play: {info.get(keys.ENV_ERROR)}",
            )
            if terminated or truncated:
                break
    finally:
        env.close()


def _check_tools(base: TextEnv, info: dict[str, Any]) -> None:
    schemas = base.tools()
    if schemas is None:
        require(keys.TOOLS not in info, "info has tools but the env's tools() is None")
        return
    require(info.get(keys.TOOLS) == schemas, "reset info must hold the env's tools() as 'tools'")
    names = set()
    for schema in schemas:
        function = schema.get("function") if isinstance(schema, dict) else None
        require(
            schema.get("type") == "function" and isinstance(function, dict), f"not a function tool: {schema}"
        )
        require(isinstance(function.get("name"), str) and function["name"], "a tool without a name")
        require(isinstance(function.get("description"), str), f"tool {function['name']} has no description")
        parameters = function.get("parameters", {})
        require(parameters.get("type") == "object", f"tool {function['name']}'s parameters must be an object")
        names.add(function["name"])
    require(len(names) == len(schemas), "two tools share a name")


def check_determinism(env_id: str, steps: int = 30) -> None:
    """Same seed and same actions give identical observations, rewards and infos; another seed does not."""
    entry = env_entry(env_id)
    if not entry.deterministic:
        return

    def rollout(seed: int) -> list[Any]:
        env = gym.make(env_id)
        act = _policy(env, entry, np.random.default_rng(1234))
        obs, info = env.reset(seed=seed)
        trace: list[Any] = [(obs, info)]
        for _ in range(steps):
            obs, reward, terminated, truncated, info = env.step(act(info))
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


def check_garbage_is_safe(env_id: str) -> None:
    """Nasty replies never raise, and the observations stay in the observation space (every env)."""
    env = gym.make(env_id)
    try:
        for action in NASTY_ACTIONS:
            env.reset(seed=3)
            obs, reward, terminated, truncated, info = env.step(action)
            require(
                env.observation_space.contains(obs), f"observation after {action[:30]!r} outside the space"
            )
            require(isinstance(reward, float), "reward must be a float")
            require(isinstance(info.get(keys.ACTION_VALID), bool), "step info lacks action_valid")
    finally:
        env.close()


def check_garbage_is_rejected(env_id: str) -> None:
    """Envs with a closed grammar reject nasty replies: no world change, ``invalid_action_reward``, and
    truncation after ``max_invalid_actions`` in a row."""
    env = gym.make(env_id)
    try:
        base = env.unwrapped
        if base.free_text_actions:
            return
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


def check_garbage_scores_zero(env_id: str) -> None:
    """An agent that sends only garbage fails and scores 0, whatever the episode."""
    env = gym.make(env_id)
    try:
        for seed in range(3):
            env.reset(seed=seed)
            for step in range(env.spec.max_episode_steps):
                *_, terminated, truncated, info = env.step(NASTY_ACTIONS[step % len(NASTY_ACTIONS)])
                if terminated or truncated:
                    break
            require(
                info[keys.SCORE] == 0.0 and not info[keys.SUCCESS],
                f"garbage-only play ended with score {info[keys.SCORE]} and success {info[keys.SUCCESS]}",
            )
    finally:
        env.close()


def check_reset_options(env_id: str) -> None:
    """Unknown ``reset`` options are refused; data-set envs pick instances by ``task_id``, report it in
    every info, refuse unknown ids, and keep their splits' ids disjoint."""
    env = gym.make(env_id)
    try:
        base = env.unwrapped
        # A good reset first: Gymnasium's passive checker breaks on a step after a failed first reset.
        env.reset(seed=0)
        try:
            env.reset(seed=0, options={"no_such_option": 1})
        except ValueError:
            pass
        else:
            raise AssertionError("reset accepted the unknown option 'no_such_option'")
        tasks = base.task_ids()
        if tasks is None:
            return
        require(len(tasks) > 0, f"split {base.split!r} has no task ids")
        chosen = list(tasks[:3])
        first_seen = set()  # what seed 0 shows of each task: tasks must differ under the same seed
        for task_id in chosen:
            for seed in (0, 1):
                obs, info = env.reset(seed=seed, options={"task_id": task_id})
                require(
                    info.get(keys.TASK_ID) == task_id,
                    f"reset with task_id {task_id!r} reported {info.get(keys.TASK_ID)!r}",
                )
                if seed == 0:
                    first_seen.add(_text(obs))
            *_, info = env.step(_policy(env, env_entry(env_id), np.random.default_rng(0))(info))
            require(info.get(keys.TASK_ID) == task_id, "step info lacks the task_id being played")
        if len(chosen) > 1:
            require(
                len(first_seen) > 1,
                f"task ids {chosen} all give the same first observation: the env ignores task_id",
            )
        try:
            env.reset(seed=0, options={"task_id": "no such task \u2603"})
        except ValueError:
            pass
        else:
            raise AssertionError("reset accepted an unknown task_id")
    finally:
        env.close()
    by_split = {}
    for split in base.splits:
        split_env = gym.make(env_id, split=split)
        by_split[split] = set(split_env.unwrapped.task_ids())
        split_env.close()
    for i, first in enumerate(base.splits):
        for second in base.splits[i + 1 :]:
            shared = by_split[first] & by_split[second]
            require(not shared, f"splits {first} and {second} share task ids, e.g. {sorted(shared)[:3]}")


def _text(observation: Any) -> str:
    return observation["text"] if isinstance(observation, dict) else observation


def check_vector(env_id: str) -> None:
    """``gym.make_vec`` with 4 envs gives the same observations synchronously and in subprocesses."""
    entry = env_entry(env_id)
    traces = {}
    for mode in ("sync", "async"):
        envs = gym.make_vec(env_id, num_envs=4, vectorization_mode=mode)
        envs.single_action_space.seed(5)
        try:
            obs, infos = envs.reset(seed=0)
            trace = [obs]
            for _ in range(3):
                actions = tuple(envs.single_action_space.sample() for _ in range(4))
                obs, rewards, terminated, truncated, infos = envs.step(actions)
                require(len(rewards) == 4, f"{mode} vector env returned {len(rewards)} rewards for 4 envs")
                trace.append((obs, list(rewards)))
            traces[mode] = trace
        finally:
            envs.close()
    if entry.deterministic:
        assert_equal(traces["async"], traces["sync"], "async vector observations vs sync")


def check_expert(env_id: str, episodes: int = 3) -> None:
    """The expert (where the id declares one) finishes episodes with valid actions and in-bounds scores."""
    if not env_entry(env_id).expert:
        return
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


def _children() -> set[int]:
    """The process ids of this process's children (Linux; empty elsewhere)."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                found.update(int(pid) for pid in handle.read().split())
        except OSError:
            continue
    return found


def check_close(env_id: str) -> None:
    """``close`` releases everything the env started (no child process outlives it), may be called
    twice, and from another thread."""
    before = _children()
    env = gym.make(env_id)
    try:
        obs, info = env.reset(seed=0)
        act = _policy(env, env_entry(env_id), np.random.default_rng(0))
        for _ in range(3):
            *_, terminated, truncated, info = env.step(act(info))
            if terminated or truncated:
                break
    finally:
        closer = threading.Thread(target=env.close)
        closer.start()
        closer.join(timeout=30)
    require(not closer.is_alive(), "close() from another thread did not return within 30 s")
    env.close()
    deadline = time.monotonic() + 5
    while (left := _children() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    require(not left, f"close() left child process(es) {sorted(left)} running")


CHECKS: dict[str, Callable[[str], None]] = {
    "gymnasium check_env": check_gymnasium_api,
    "contract and info keys": check_contract,
    "determinism": check_determinism,
    "garbage is safe": check_garbage_is_safe,
    "garbage is rejected": check_garbage_is_rejected,
    "garbage scores zero": check_garbage_scores_zero,
    "reset options and task ids": check_reset_options,
    "vector envs (sync = async)": check_vector,
    "expert plays": check_expert,
    "close releases everything": check_close,
}


@dataclass
class CheckResult:
    name: str
    passed: bool
    seconds: float
    message: str = ""
    skipped: bool = False


def run_checks(env_id: str) -> list[CheckResult]:
    """Every check's outcome for ``env_id``; all skipped, with the install command as the message, where
    the extra the id needs is missing."""
    missing = env_entry(env_id).missing_requirement()
    if missing:
        return [CheckResult(name, True, 0.0, f"skipped: {missing}", skipped=True) for name in CHECKS]
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
