"""Metrics of a run: per env, per family and per suite, with 95% bootstrap intervals.

Per env: success rate, mean score with a percentile-bootstrap interval, mean return, mean steps,
invalid-action rate (invalid steps / steps), mean tokens and seconds per episode, error count.
An errored episode counts as a failure with score 0: an agent never gains by crashing, and the
error count says how many there were.

Per family, the normalized score is the mean of its envs' mean scores (each env's score already lies
in [0, 1]); per suite, the mean of its families' scores, so a family with many ids weighs no more
than one with few. Their intervals come from a stratified bootstrap: each resample redraws every
env's episodes from that env, then averages the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from palaestra.core.records import EpisodeRecord

CONFIDENCE = 0.95
RESAMPLES = 2000
BOOTSTRAP_SEED = 0  # fixed, so the same records always give the same intervals


@dataclass(frozen=True)
class Interval:
    """A point estimate with its 95% interval."""

    mean: float
    low: float
    high: float


def points_text(score: float) -> str:
    """A score in [0, 1] as points x 100 with one decimal, as every table shows it: ``"45.7"``."""
    return f"{100 * score:.1f}"


def interval_text(interval: Interval) -> str:
    """``mean [low, high]`` in points: the one way reports and leaderboards write an interval."""
    return f"{points_text(interval.mean)} [{points_text(interval.low)}, {points_text(interval.high)}]"


@dataclass(frozen=True)
class EnvMetrics:
    env_id: str
    family: str
    episodes: int
    errors: int
    success_rate: float
    score: Interval
    mean_return: float
    mean_steps: float
    invalid_action_rate: float
    mean_tokens: float
    mean_seconds: float
    role_scores: dict[str, float] = field(default_factory=dict)  # multi-agent envs: mean score per role


def mean_role_scores(records: Iterable[EpisodeRecord]) -> dict[str, float]:
    """Each role's mean score over the records that hold role scores (errored episodes count 0)."""
    totals: dict[str, list[float]] = defaultdict(list)
    for record in records:
        for role, score in (record.role_scores or {}).items():
            totals[role].append(score if record.finished else 0.0)
    return {role: float(np.mean(values)) for role, values in sorted(totals.items())}


@dataclass(frozen=True)
class RunMetrics:
    """Everything a leaderboard row shows of one run."""

    envs: dict[str, EnvMetrics]
    families: dict[str, Interval]
    suite: Interval
    episodes: int
    errors: int


def bootstrap_means(values: np.ndarray, rng: np.random.Generator, resamples: int = RESAMPLES) -> np.ndarray:
    """``resamples`` means of ``values`` resampled with replacement."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("cannot bootstrap an empty sample")
    picks = rng.integers(0, values.size, size=(resamples, values.size))
    return values[picks].mean(axis=1)


def percentile_interval(mean: float, resampled: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(resampled, [tail, 1.0 - tail])
    return Interval(float(mean), float(low), float(high))


def bootstrap_interval(
    values: Iterable[float],
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """The mean of ``values`` with its percentile-bootstrap interval."""
    array = np.asarray(list(values), dtype=float)
    rng = np.random.default_rng(seed)
    return percentile_interval(float(array.mean()), bootstrap_means(array, rng, resamples), confidence)


def final_records(records: Iterable[EpisodeRecord]) -> list[EpisodeRecord]:
    """One record per episode: a later record replaces an earlier errored one (a resumed retry)."""
    latest: dict[tuple[str, int], EpisodeRecord] = {}
    for record in records:
        previous = latest.get(record.key)
        if previous is None or not previous.finished:
            latest[record.key] = record
    return sorted(latest.values(), key=lambda r: r.key)


def run_metrics(records: Iterable[EpisodeRecord], families: Mapping[str, str]) -> RunMetrics:
    """Metrics of a run's final records; ``families`` maps each env id to its family."""
    by_env: dict[str, list[EpisodeRecord]] = defaultdict(list)
    for record in final_records(records):
        by_env[record.env_id].append(record)
    if not by_env:
        raise ValueError("the run has no episodes yet")
    unknown = sorted(set(by_env) - set(families))
    if unknown:
        raise ValueError(f"records of env ids with no family: {unknown}")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    envs: dict[str, EnvMetrics] = {}
    resampled: dict[str, np.ndarray] = {}
    for env_id in sorted(by_env):
        episodes = by_env[env_id]
        scores = np.array([r.score if r.finished else 0.0 for r in episodes])
        resampled[env_id] = bootstrap_means(scores, rng)
        steps = sum(r.steps for r in episodes)
        envs[env_id] = EnvMetrics(
            env_id=env_id,
            family=families[env_id],
            episodes=len(episodes),
            errors=sum(not r.finished for r in episodes),
            success_rate=float(np.mean([r.finished and r.success for r in episodes])),
            score=percentile_interval(float(scores.mean()), resampled[env_id]),
            mean_return=float(np.mean([r.return_ for r in episodes])),
            mean_steps=float(np.mean([r.steps for r in episodes])),
            invalid_action_rate=sum(r.invalid_actions for r in episodes) / steps if steps else 0.0,
            mean_tokens=float(np.mean([sum(r.tokens.values()) for r in episodes])),
            mean_seconds=float(np.mean([r.seconds for r in episodes])),
            role_scores=mean_role_scores(episodes),
        )
    family_envs: dict[str, list[str]] = defaultdict(list)
    for env_id, metrics in envs.items():
        family_envs[metrics.family].append(env_id)
    family_points: dict[str, float] = {}
    family_resamples: dict[str, np.ndarray] = {}
    for family, ids in sorted(family_envs.items()):
        family_points[family] = float(np.mean([envs[i].score.mean for i in ids]))
        family_resamples[family] = np.mean([resampled[i] for i in ids], axis=0)
    suite_point = float(np.mean(list(family_points.values())))
    suite_resamples = np.mean(list(family_resamples.values()), axis=0)
    return RunMetrics(
        envs=envs,
        families={f: percentile_interval(family_points[f], family_resamples[f]) for f in family_points},
        suite=percentile_interval(suite_point, suite_resamples),
        episodes=sum(m.episodes for m in envs.values()),
        errors=sum(m.errors for m in envs.values()),
    )
