"""The evaluation record of one episode (DESIGN.md, "Evaluation records").

A run's ``episodes.jsonl`` holds one ``EpisodeRecord`` per line, as the JSON object of
``EpisodeRecord.to_json``::

    {"suite": "quick", "suite_version": "1.5c0e2f1a", "env_id": "Snake-Text-v0", "seed": 3,
     "task_id": null, "episode": 3, "success": true, "score": 1.0, "return": 5.0, "steps": 41,
     "invalid_actions": 0, "tokens": {"prompt_tokens": 0, "completion_tokens": 0},
     "seconds": 0.05, "error": null,
     "trajectory": [{"observation": "...", "reply": "up", "reward": 0.0, "action_valid": true}, ...],
     "role_scores": null}

``task_id`` names the instance of a data-set env (``null`` for procedural envs); ``role_scores``
holds each role's score in a multi-agent env (``null`` otherwise). Records written before these
fields existed read as ``null``.

``error`` is ``None`` for a finished episode and a message for one the harness had to give up on
(the agent kept raising, hung past a timeout, or the env failed); such an episode is retried when
the run resumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

RECORD_KEYS: tuple[str, ...] = (
    "suite",
    "suite_version",
    "env_id",
    "seed",
    "episode",
    "success",
    "score",
    "return",
    "steps",
    "invalid_actions",
    "tokens",
    "seconds",
    "error",
    "trajectory",
)


class RecordError(ValueError):
    """A JSON object that is not a valid episode record; the message names what is wrong."""


@dataclass(frozen=True)
class StepRecord:
    """One step: the observation text the agent saw, its full reply, the reward, and validity."""

    observation: str
    reply: str
    reward: float
    action_valid: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "observation": self.observation,
            "reply": self.reply,
            "reward": self.reward,
            "action_valid": self.action_valid,
        }


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode of a run. ``return_`` is the sum of rewards (``return`` in JSON)."""

    suite: str
    suite_version: str
    env_id: str
    seed: int
    episode: int
    success: bool
    score: float
    return_: float
    steps: int
    invalid_actions: int
    tokens: dict[str, int]
    seconds: float
    error: str | None
    trajectory: list[StepRecord] = field(default_factory=list)
    task_id: str | None = None
    role_scores: dict[str, float] | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What identifies the episode within its suite: (env id, episode index)."""
        return (self.env_id, self.episode)

    @property
    def finished(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "suite_version": self.suite_version,
            "env_id": self.env_id,
            "seed": self.seed,
            "task_id": self.task_id,
            "episode": self.episode,
            "success": self.success,
            "score": self.score,
            "return": self.return_,
            "steps": self.steps,
            "invalid_actions": self.invalid_actions,
            "tokens": dict(self.tokens),
            "seconds": self.seconds,
            "error": self.error,
            "trajectory": [step.to_json() for step in self.trajectory],
            "role_scores": None if self.role_scores is None else dict(self.role_scores),
        }

    @classmethod
    def from_json(cls, data: Any) -> EpisodeRecord:
        """Parse and check one record; ``RecordError`` says which field is missing or wrong."""
        if not isinstance(data, dict):
            raise RecordError(f"a record must be a JSON object, not {type(data).__name__}")
        missing = [key for key in RECORD_KEYS if key not in data]
        if missing:
            raise RecordError(f"missing fields: {', '.join(missing)}")
        _expect(data, "suite", str)
        _expect(data, "suite_version", str)
        _expect(data, "env_id", str)
        _expect(data, "seed", int)
        _expect(data, "episode", int)
        _expect(data, "success", bool)
        _expect(data, "steps", int)
        _expect(data, "invalid_actions", int)
        _expect(data, "tokens", dict)
        _expect(data, "trajectory", list)
        score = _number(data, "score")
        if not 0.0 <= score <= 1.0:
            raise RecordError(f"score must lie in [0, 1], got {score}")
        if data["error"] is not None and not isinstance(data["error"], str):
            raise RecordError("error must be null or a string")
        task_id = data.get("task_id")
        if task_id is not None and not isinstance(task_id, str):
            raise RecordError("task_id must be null or a string")
        role_scores = data.get("role_scores")
        if role_scores is not None:
            if not isinstance(role_scores, dict):
                raise RecordError("role_scores must be null or an object")
            role_scores = {str(role): _number(role_scores, role) for role in role_scores}
            if not all(0.0 <= value <= 1.0 for value in role_scores.values()):
                raise RecordError("role_scores must lie in [0, 1]")
        tokens = data["tokens"]
        if not all(isinstance(k, str) and _is_int(v) for k, v in tokens.items()):
            raise RecordError("tokens must map names to integers")
        trajectory = []
        for index, step in enumerate(data["trajectory"]):
            try:
                trajectory.append(
                    StepRecord(
                        observation=_expect(step, "observation", str),
                        reply=_expect(step, "reply", str),
                        reward=_number(step, "reward"),
                        action_valid=_expect(step, "action_valid", bool),
                    )
                )
            except (RecordError, TypeError) as err:
                raise RecordError(f"trajectory step {index}: {err}") from None
        return cls(
            suite=data["suite"],
            suite_version=data["suite_version"],
            env_id=data["env_id"],
            seed=data["seed"],
            episode=data["episode"],
            success=data["success"],
            score=score,
            return_=_number(data, "return"),
            steps=data["steps"],
            invalid_actions=data["invalid_actions"],
            tokens=dict(tokens),
            seconds=_number(data, "seconds"),
            error=data["error"],
            trajectory=trajectory,
            task_id=task_id,
            role_scores=role_scores,
        )


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python, but true/false is never a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _expect(data: Any, key: str, kind: type) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise RecordError(f"missing field {key!r}")
    value = data[key]
    ok = _is_int(value) if kind is int else isinstance(value, kind)
    if not ok:
        raise RecordError(f"{key} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _number(data: Any, key: str) -> float:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordError(f"{key} must be a finite number, got {value!r}")
    return float(value)
