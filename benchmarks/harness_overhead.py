"""Harness overhead: how close the runner gets to the ideal throughput with a fixed-latency agent.

An agent that answers after exactly ``--latency`` seconds (``asyncio.sleep``), ``--concurrency``
episodes in flight: the ideal is ``concurrency / latency`` steps per second. The run goes through the
real path (``gym.make``, the env thread pool, the per-step timeouts, the records, the store with its
fsync per episode) on an env whose own step costs next to nothing, so what is measured is the harness.

    .venv/bin/python benchmarks/harness_overhead.py

Prints throughput / ideal (target >= 0.90) and the process CPU time per step, env and agent
included (target < 1 ms), as a ratio to that budget. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from typing import Any

import gymnasium as gym

from palaestra.agents.base import ScriptedAgent
from palaestra.core import UnicodeText
from palaestra.evaluation.runner import RunSettings, run_local
from palaestra.evaluation.store import ResultStore
from palaestra.evaluation.suites import EpisodeTask

PROBE_ID = "HarnessProbe-Text-v0"


class ProbeEnv(gym.Env):
    """A text env with a trivial step: ``steps`` turns, then success."""

    def __init__(self, steps: int = 20):
        self.action_space = UnicodeText(64)
        self.observation_space = UnicodeText(64)
        self.steps = steps
        self.turn = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.turn = 0
        return "turn 0", {"instructions": "Answer anything.", "turn": 0}

    def step(self, action: str):
        self.turn += 1
        done = self.turn >= self.steps
        info = {"turn": self.turn, "action_valid": True, "success": done, "score": float(done)}
        return f"turn {self.turn}", 0.0, done, False, info


class FixedLatencyAgent(ScriptedAgent):
    name = "fixed-latency"

    def __init__(self, latency: float):
        super().__init__()
        self.latency = latency

    async def aact(self, observation: Any) -> str:
        await asyncio.sleep(self.latency)
        return "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05, help="agent reply time in seconds")
    parser.add_argument("--episodes", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20, help="steps per episode")
    args = parser.parse_args()

    gym.register(PROBE_ID, entry_point=ProbeEnv, kwargs={"steps": args.steps})
    tasks = [EpisodeTask(PROBE_ID, {}, seed, seed) for seed in range(args.episodes)]
    settings = RunSettings(concurrency=args.concurrency, step_timeout=10, episode_timeout=600)
    total_steps = args.episodes * args.steps
    with tempfile.TemporaryDirectory() as run_dir, ResultStore.create(run_dir, {"benchmark": True}) as store:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        asyncio.run(
            run_local(
                tasks,
                lambda env, seed=None: FixedLatencyAgent(args.latency),
                settings,
                store.append,
                suite_id="benchmark",
                suite_version="0",
            )
        )
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        assert len(store.finished_keys()) == args.episodes, "some episodes failed"

    ideal = args.concurrency / args.latency
    throughput = total_steps / wall
    cpu_ms = 1000 * cpu / total_steps
    ok = throughput / ideal >= 0.90 and cpu_ms < 1.0
    print(
        f"{args.episodes} episodes x {args.steps} steps, concurrency {args.concurrency}, "
        f"agent latency {1000 * args.latency:.0f} ms: {wall:.2f} s"
    )
    print(
        f"throughput: {throughput:.0f} steps/s; ideal {ideal:.0f} steps/s; "
        f"ratio {throughput / ideal:.3f} (target >= 0.90)"
    )
    print(f"harness CPU per step: {cpu_ms:.3f} ms; ratio to the 1 ms budget {cpu_ms / 1.0:.3f} (target < 1)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
