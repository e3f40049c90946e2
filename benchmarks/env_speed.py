"""Env speed and memory: steps/s and resets/s per id, and the memory of 1,000 live envs.

    .venv/bin/python benchmarks/env_speed.py [--ids Snake-Text-v0 ...] [--seconds 2]

Runs on one core (the process pins itself to one CPU). Each id is driven through ``gym.make`` with
random legal actions (the expert's answer for envs without a finite action list); steps/s times the
``step`` calls alone; "with resets" also counts the resets that finished episodes need (random play
ends Snake episodes within a few steps, so that column is dominated by resets). Gymnasium's
CartPole-v1, stepped the same way, is the baseline measured in the same run: the ratio column says
how many times its speed each env reaches. Without ``--ids`` it ends with ``household_vs_alfworld.py``'s
comparison: Household against ALFWorld's own engine on the same games (the ``alfworld`` extra).
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

import palaestra
from palaestra.core import env_entry
from palaestra.core.registry import missing_extra

TARGETS = {  # steps/s on one core of the 2-core development machine (issue 2)
    "Snake-Text-v0": 50_000,
    "Snake-Vision-v0": 3_000,
}
MEMORY_ID, MEMORY_ENVS, MEMORY_TARGET_MB = "Snake-Text-v0", 1000, 100
# Measured by default besides every Snake id, where what they need is installed (ScienceWorld: Java).
MORE_IDS = ("Household-Text-v0", "BabyAI-GoToLocal-Text-v0", "WebShop-Text-v0", "ScienceWorld-v0")


def _actions(env: gym.Env, rng: np.random.Generator, info: dict) -> str:
    actions = info.get("valid_actions")
    return actions[int(rng.integers(len(actions)))] if actions else env.unwrapped.expert_action()


def steps_per_second(env_id: str, seconds: float) -> tuple[float, float]:
    """(steps/s counting only ``step`` calls, steps/s counting the resets between episodes too)."""
    env = gym.make(env_id)
    rng = np.random.default_rng(0)
    obs, info = env.reset(seed=0)
    # Pre-drawn indices keep the agent's cost out of the measurement for finite action lists.
    picks = rng.integers(1 << 30, size=1 << 16)
    clock = time.perf_counter
    steps, episode, in_step = 0, 0, 0.0
    start = clock()
    deadline = start + seconds
    while clock() < deadline:
        for _ in range(1000):
            actions = info.get("valid_actions")
            action = (
                actions[picks[steps & 0xFFFF] % len(actions)] if actions else env.unwrapped.expert_action()
            )
            before = clock()
            obs, reward, terminated, truncated, info = env.step(action)
            in_step += clock() - before
            steps += 1
            if terminated or truncated:
                episode += 1
                obs, info = env.reset(seed=episode)
    total = clock() - start
    env.close()
    return steps / in_step, steps / total


def resets_per_second(env_id: str, seconds: float) -> float:
    env = gym.make(env_id)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            env.reset(seed=count)
            count += 1
    rate = count / (time.perf_counter() - start)
    env.close()
    return rate


def cartpole_steps_per_second(seconds: float) -> float:
    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            _, _, terminated, truncated, _ = env.step(steps & 1)
            steps += 1
            if terminated or truncated:
                env.reset()
    return steps / (time.perf_counter() - start)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def live_env_memory_mb(env_id: str, count: int) -> float:
    """RSS growth from creating and resetting ``count`` envs (each stepped once) and keeping them."""
    gc.collect()
    warm = gym.make(env_id)  # imports and caches outside the measurement
    warm.reset(seed=0)
    before = _rss_mb()
    envs = []
    for i in range(count):
        env = gym.make(env_id)
        _, info = env.reset(seed=i)
        env.step(_actions(env, np.random.default_rng(i), info))
        envs.append(env)
    gc.collect()
    grown = _rss_mb() - before
    del envs
    return grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ids", nargs="*", help=f"env ids (default: every Snake id and {', '.join(MORE_IDS)})"
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    ids = args.ids
    if not ids:
        snakes = [e.id for e in palaestra.registered_envs() if e.id.startswith("Snake")]
        missing = {i: env_entry(i).missing_requirement() for i in MORE_IDS}
        for env_id, why in missing.items():
            if why:
                print(f"{env_id} left out: {why}")
        ids = snakes + [env_id for env_id, why in missing.items() if not why]

    baseline = cartpole_steps_per_second(args.seconds)
    table = Table(title=f"palaestra {palaestra.__version__}: env speed on one core")
    columns = (
        "env id",
        "steps/s",
        "with resets",
        "resets/s",
        "target steps/s",
        "vs target",
        "vs CartPole-v1",
    )
    for column in columns:
        table.add_column(column, justify="right" if column != "env id" else "left")
    table.add_row("CartPole-v1 (baseline)", f"{baseline:,.0f}", "", "", "", "", "1.00x")
    for env_id in ids:
        rate, with_resets = steps_per_second(env_id, args.seconds)
        resets = resets_per_second(env_id, args.seconds / 2)
        target = TARGETS.get(env_id)
        table.add_row(
            env_id,
            f"{rate:,.0f}",
            f"{with_resets:,.0f}",
            f"{resets:,.0f}",
            f"{target:,}" if target else "-",
            f"{rate / target:.2f}x" if target else "-",
            f"{rate / baseline:.2f}x",
        )
    console = Console(width=140)
    console.print(table)
    memory = live_env_memory_mb(MEMORY_ID, MEMORY_ENVS)
    console.print(
        f"{MEMORY_ENVS} live {MEMORY_ID} envs: {memory:.1f} MB "
        f"(target <= {MEMORY_TARGET_MB} MB: {memory / MEMORY_TARGET_MB:.2f}x of the budget)"
    )
    if args.ids:
        return
    missing = missing_extra("alfworld")
    if missing:  # ALFWorld-v0 plays games this run writes: only its engine can be missing
        print(f"Household vs ALFWorld-v0 left out: {missing}")
        return
    from household_vs_alfworld import compare, report

    console.print(report(compare()))


if __name__ == "__main__":
    main()
