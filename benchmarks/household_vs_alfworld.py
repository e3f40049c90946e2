"""Household against ALFWorld's own engine on the same games: steps/s and resets/s, and their ratio.

    .venv/bin/python benchmarks/household_vs_alfworld.py [--games 3] [--difficulty medium]

Household homes (``Household-Text-v0``, train seeds ``0..games-1``) are written as ALFWorld game
folders (``palaestra.envs.household.export``) and played by ``ALFWorld-v0`` (TextWorld's PDDL engine
on Fast Downward, in this process). Each game is one command trace, played by both envs: random
admissible commands of Household's up to a win or 50 steps, which take both worlds through the same
states (their answers differ only where the engine does nothing: ``examine`` of an object not held,
``look`` in the middle of the room); the script checks that both win the same games.
Steps/s times the ``step`` calls alone; resets/s starts each game's episode afresh (ALFWorld-v0
loads a game only when it changes, so its resets here include a load each). Needs the ``alfworld``
extra. ``env_speed.py`` runs it too. Runs on one core (the process pins itself to one CPU).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import palaestra  # noqa: F401  (registers the ids)
from palaestra.envs.household.export import export_household_games

MAX_STEPS = 50


def traces(difficulty: str, games: int) -> list[list[str]]:
    """Per seed, random admissible commands of Household's until the task is won or 50 steps."""
    env = gym.make("Household-Text-v0", difficulty=difficulty)
    rng = np.random.default_rng(0)
    found = []
    for seed in range(games):
        _, info = env.reset(seed=seed)
        commands: list[str] = []
        done = False
        while not done and len(commands) < MAX_STEPS:
            actions = info["valid_actions"]
            commands.append(actions[int(rng.integers(len(actions)))])
            _, _, terminated, truncated, info = env.step(commands[-1])
            done = terminated or truncated
        found.append(commands)
    env.close()
    return found


def play(env: gym.Env, starts: list[dict], commands: list[list[str]]) -> tuple[float, float, list[bool]]:
    """(steps/s over the step calls, resets/s, each game's success) of ``env`` replaying the traces."""
    clock = time.perf_counter
    in_step = in_reset = 0.0
    steps = 0
    wins = []
    for start, trace in zip(starts, commands):
        before = clock()
        _, info = env.reset(**start)
        in_reset += clock() - before
        for command in trace:
            before = clock()
            *_, info = env.step(command)
            in_step += clock() - before
            steps += 1
        wins.append(info["success"])
    return steps / in_step, len(starts) / in_reset, wins


def compare(games: int = 3, difficulty: str = "medium") -> dict[str, Any]:
    """Household's and ALFWorld-v0's steps/s and resets/s on the same games, measured now."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "json_2.1.1"
        task_ids = export_household_games(root, {"train": games}, difficulty=difficulty)["train"]
        commands = traces(difficulty, games)
        warm = gym.make("ALFWorld-v0", data_path=root)  # the engine's imports, outside the measurement
        warm.reset(options={"task_id": task_ids[0]})
        warm.close()
        household = gym.make("Household-Text-v0", difficulty=difficulty)
        alfworld = gym.make("ALFWorld-v0", data_path=root)
        ours = play(household, [{"seed": seed} for seed in range(games)], commands)
        theirs = play(alfworld, [{"options": {"task_id": task_id}} for task_id in task_ids], commands)
        household.close()
        alfworld.close()
    if ours[2] != theirs[2]:
        raise RuntimeError(f"Household won games {ours[2]}, ALFWorld's engine {theirs[2]}: not the same")
    return {
        "games": games,
        "difficulty": difficulty,
        "steps": sum(map(len, commands)),
        "wins": sum(ours[2]),
        "household_steps_per_s": ours[0],
        "alfworld_steps_per_s": theirs[0],
        "household_resets_per_s": ours[1],
        "alfworld_resets_per_s": theirs[1],
    }


def report(figures: dict[str, Any]) -> str:
    step_ratio = figures["household_steps_per_s"] / figures["alfworld_steps_per_s"]
    reset_ratio = figures["household_resets_per_s"] / figures["alfworld_resets_per_s"]
    return (
        f"Household-Text-v0 vs ALFWorld-v0 on the same {figures['games']} {figures['difficulty']} games "
        f"({figures['steps']:.0f} random admissible commands, the same {figures['wins']:.0f} won by both): "
        f"{figures['household_steps_per_s']:,.0f} vs {figures['alfworld_steps_per_s']:,.1f} steps/s "
        f"({step_ratio:,.0f}x); {figures['household_resets_per_s']:,.0f} vs "
        f"{figures['alfworld_resets_per_s']:,.2f} resets/s with a game load ({reset_ratio:,.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=3, help="games (Household seeds) to play")
    parser.add_argument("--difficulty", default="medium", help="Household preset of the homes")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(report(compare(args.games, args.difficulty)))


if __name__ == "__main__":
    main()
