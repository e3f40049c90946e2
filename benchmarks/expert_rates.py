"""Success rate and mean score of the ``expert`` and ``random`` agents on 100 test seeds, per preset.

The figures in each game's docs page (docs/envs/*.md) come from this script::

    .venv/bin/python benchmarks/expert_rates.py Minesweeper-Text-v0
    .venv/bin/python benchmarks/expert_rates.py Snake-Text-v0 --agents expert --seeds 20

Every episode runs on ``split="test"`` with seeds 0 to ``--seeds`` - 1; the random agent is seeded with
the episode's seed, so the table is the same on every run.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym

import palaestra  # noqa: F401  (registers the envs)
from palaestra.agents import make_agent, run_episode

# Settings measured beyond the three presets.
EXTRA_SETTINGS: dict[str, list[dict[str, Any]]] = {
    "Snake-Text-v0": [{"opponent": "random"}, {"opponent": "none"}],
}


def rate(env_id: str, spec: str, seeds: int, **settings: Any) -> tuple[float, float]:
    """(success rate, mean score) of agent ``spec`` over test seeds ``0 .. seeds - 1``."""
    env = gym.make(env_id, split="test", **settings)
    wins = score = 0.0
    for seed in range(seeds):
        info = run_episode(env, make_agent(spec, env, seed=seed), seed=seed)
        wins += info["success"]
        score += info["score"]
    env.close()
    return wins / seeds, score / seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("env_id")
    parser.add_argument("--agents", default="expert,random", help="comma-separated agent specs")
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    agents = args.agents.split(",")
    rows = [{"difficulty": d} for d in ("easy", "medium", "hard")]
    rows += [{"difficulty": "medium", **extra} for extra in EXTRA_SETTINGS.get(args.env_id, [])]
    print(f"| setting | {' | '.join(agents)} |")
    print("|---" * (len(agents) + 1) + "|")
    for settings in rows:
        cells = []
        for spec in agents:
            start = time.perf_counter()
            success, score = rate(args.env_id, spec, args.seeds, **settings)
            cells.append(f"{success:.2f} ({score:.3f}) {time.perf_counter() - start:.0f}s")
        label = ", ".join(f"{k}={v}" for k, v in settings.items())
        print(f"| {label} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
