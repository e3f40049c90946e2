"""Time per move of an env's expert, over whole games on test seeds (the figure in docs/envs/*.md)::

    .venv/bin/python benchmarks/expert_speed.py 2048-Text-v0 --seeds 10

Each game is played by the expert to its end on ``split="test"``; the time is the CPU time of
``expert_action`` alone (not the env's step), so other work on the machine inflates it less than
wall time would. The process pins itself to one CPU, as ``env_speed.py`` does.
"""

from __future__ import annotations

import argparse
import os
import time

import gymnasium as gym

import palaestra  # noqa: F401  (registers the envs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env_id")
    parser.add_argument("--seeds", type=int, default=10, help="games, on test seeds 0 .. seeds - 1")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    env = gym.make(args.env_id, split="test")
    total_moves, total_seconds = 0, 0.0
    for seed in range(args.seeds):
        env.reset(seed=seed)
        moves, seconds, done = 0, 0.0, False
        while not done:
            start = time.process_time()
            action = env.unwrapped.expert_action()
            seconds += time.process_time() - start
            *_, terminated, truncated, _ = env.step(action)
            moves, done = moves + 1, terminated or truncated
        print(f"seed {seed}: {moves} moves, {seconds / moves * 1e3:.2f} ms a move")
        total_moves, total_seconds = total_moves + moves, total_seconds + seconds
    print(f"all: {total_moves} moves, {total_seconds / total_moves * 1e3:.2f} ms a move")


if __name__ == "__main__":
    main()
