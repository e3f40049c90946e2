"""Preference pairs for the adaptive method of arXiv 2506.06800: successful against failed persuasions
of the same question, from run folders, in the conversational preference format TRL's ``DPOTrainer``
reads (``prompt``, ``chosen``, ``rejected``, each a list of ``{"role", "content"}`` messages).

Two episodes of one question (same env id, kwargs and task id) share a prompt: the persuader's
instructions (a system message) and the first observation. Where their dialogues first differ in
what the persuader wrote, with the same observation before it, the pair is the history up to there
(the prompt) and the two replies at that point: the one that went on to persuade is ``chosen``, the
one that failed ``rejected``. Dialogues that never differ in a persuader reply give no pair.

    >>> pairs = preference_pairs(["runs/persuasion-a", "runs/persuasion-b"])   # doctest: +SKIP
    >>> write_preference_pairs(["runs/persuasion-a"], "pairs.jsonl")             # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from palaestra.core.records import EpisodeRecord, StepRecord
from palaestra.core.runs import EPISODES_FILE, read_episodes, read_meta
from palaestra.envs.persuasion.env import PERSUADER, PersuasionEnv

Messages = list[dict[str, str]]


def preference_pairs(run_dirs: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Every (prompt, chosen, rejected) pair the persuader episodes of ``run_dirs`` give, in a fixed
    order; each pair also names its ``env_id``, ``task_id`` and the ``turn`` at which the replies differ."""
    groups: dict[tuple[str, str, str], list[EpisodeRecord]] = {}
    kwargs_of: dict[tuple[str, str, str], dict[str, Any]] = {}
    for run_dir in run_dirs:
        envs = {env["env_id"]: env["kwargs"] for env in read_meta(run_dir)["suite"]["envs"]}
        for record in read_episodes(Path(run_dir) / EPISODES_FILE):
            kwargs = envs.get(record.env_id)
            if kwargs is None or not _persuader_episode(record, kwargs):
                continue
            key = (record.env_id, json.dumps(kwargs, sort_keys=True), record.task_id)
            groups.setdefault(key, []).append(record)
            kwargs_of[key] = kwargs
    pairs = []
    for key, records in groups.items():
        won = [r for r in records if r.success]
        lost = [r for r in records if not r.success]
        if not (won and lost):
            continue
        system = _instructions(key[0], kwargs_of[key], won[0])
        for chosen in won:
            for rejected in lost:
                pair = _pair(system, chosen.trajectory, rejected.trajectory)
                if pair is not None:
                    pairs.append({**pair, "env_id": key[0], "task_id": key[2]})
    return pairs


def write_preference_pairs(run_dirs: Sequence[str | Path], out: str | Path) -> int:
    """Write the pairs of ``run_dirs`` to the JSONL file ``out``; return how many."""
    pairs = preference_pairs(run_dirs)
    with open(out, "w", encoding="utf-8") as file:
        for pair in pairs:
            file.write(json.dumps(pair, ensure_ascii=False) + "\n")
    return len(pairs)


def _persuader_episode(record: EpisodeRecord, kwargs: dict[str, Any]) -> bool:
    """A finished episode of a persuasion env played by the persuader."""
    import gymnasium as gym

    try:
        entry = gym.spec(record.env_id).entry_point
    except gym.error.Error:
        return False
    is_persuasion = entry == f"{PersuasionEnv.__module__}:{PersuasionEnv.__name__}"
    persuader = kwargs.get("role", PERSUADER) == PERSUADER
    return is_persuasion and persuader and record.finished and bool(record.trajectory)


def _instructions(env_id: str, kwargs: dict[str, Any], record: EpisodeRecord) -> str:
    """The persuader's instructions for ``record``'s question (they depend on the question alone)."""
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    try:
        _, info = env.reset(seed=record.seed, options={"task_id": record.task_id})
    finally:
        env.close()
    return info["instructions"]


def _pair(system: str, chosen: list[StepRecord], rejected: list[StepRecord]) -> dict[str, Messages] | None:
    """The pair at the first persuader reply where the two dialogues differ, or ``None``."""
    prompt: Messages = [{"role": "system", "content": system}]
    for turn, (mine, theirs) in enumerate(zip(chosen, rejected)):
        if mine.observation != theirs.observation:
            return None  # the same words met different replies: no shared prompt from here on
        prompt.append({"role": "user", "content": mine.observation})
        if mine.reply != theirs.reply:
            return {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": mine.reply}],
                "rejected": [{"role": "assistant", "content": theirs.reply}],
                "turn": turn,
            }
        prompt.append({"role": "assistant", "content": mine.reply})
    return None
