"""Metrics: bootstrap intervals on data with known answers, and the per env / family / suite figures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from palaestra.core.metrics import bootstrap_interval, final_records, run_metrics
from palaestra.core.records import EpisodeRecord


def test_constant_data_has_a_zero_width_interval():
    interval = bootstrap_interval([0.7] * 50)
    assert (interval.mean, interval.low, interval.high) == pytest.approx((0.7, 0.7, 0.7))


def test_bernoulli_interval_matches_the_normal_approximation():
    # 400 episodes, 120 successes: mean 0.3, standard error sqrt(0.3 * 0.7 / 400) = 0.0229;
    # the 95% interval is 0.3 +/- 1.96 * 0.0229 = [0.255, 0.345] (bootstrap noise ~0.003).
    values = [1.0] * 120 + [0.0] * 280
    interval = bootstrap_interval(values, resamples=4000)
    half_width = 1.959964 * math.sqrt(0.3 * 0.7 / 400)
    assert interval.mean == pytest.approx(0.3)
    assert interval.low == pytest.approx(0.3 - half_width, abs=0.006)
    assert interval.high == pytest.approx(0.3 + half_width, abs=0.006)


def test_interval_of_a_uniform_sample_covers_its_mean_with_the_right_width():
    # Scores 0, 1/99, ..., 1: standard deviation 0.2916 (population), n = 100 -> half width 0.0572.
    values = np.linspace(0, 1, 100)
    interval = bootstrap_interval(values, resamples=4000)
    assert interval.low == pytest.approx(0.5 - 0.0572, abs=0.006)
    assert interval.high == pytest.approx(0.5 + 0.0572, abs=0.006)


def test_the_same_data_always_gives_the_same_interval():
    values = [0.1, 0.5, 0.9, 0.4]
    assert bootstrap_interval(values) == bootstrap_interval(values)


def make(
    env_id: str, episode: int, score: float, *, error: str | None = None, invalid: int = 0, steps: int = 4
) -> EpisodeRecord:
    return EpisodeRecord(
        suite="s",
        suite_version="1",
        env_id=env_id,
        seed=episode,
        episode=episode,
        success=score == 1.0,
        score=score,
        return_=score * 2,
        steps=steps,
        invalid_actions=invalid,
        tokens={"prompt_tokens": 10, "completion_tokens": 5},
        seconds=0.5,
        error=error,
    )


def test_run_metrics_per_env_family_and_suite():
    records = [make("A", i, s) for i, s in enumerate([1.0, 0.0, 1.0, 0.0])]
    records += [make("B", i, 0.5, invalid=1) for i in range(4)]
    records += [make("C", i, 1.0) for i in range(3)] + [make("C", 3, 0.0, error="RuntimeError: x")]
    metrics = run_metrics(records, {"A": "fam1", "B": "fam1", "C": "fam2"})
    a, b, c = metrics.envs["A"], metrics.envs["B"], metrics.envs["C"]
    assert (a.success_rate, a.score.mean, a.mean_return, a.invalid_action_rate) == (0.5, 0.5, 1.0, 0.0)
    assert 0.0 <= a.score.low < 0.5 < a.score.high <= 1.0
    assert (b.score.mean, b.score.low, b.score.high, b.invalid_action_rate) == (0.5, 0.5, 0.5, 0.25)
    assert (c.errors, c.success_rate, c.score.mean) == (1, 0.75, 0.75)  # an error counts as 0
    assert a.mean_tokens == 15 and a.mean_seconds == 0.5 and a.mean_steps == 4
    assert metrics.families["fam1"].mean == pytest.approx(0.5)
    assert metrics.families["fam2"].mean == pytest.approx(0.75)
    # Families weigh equally, whatever their number of envs.
    assert metrics.suite.mean == pytest.approx((0.5 + 0.75) / 2)
    assert metrics.suite.low < metrics.suite.mean < metrics.suite.high
    assert (metrics.episodes, metrics.errors) == (12, 1)


def test_a_retried_errored_episode_is_replaced_by_its_retry_but_a_finished_one_never_is():
    first = make("A", 0, 0.0, error="TimeoutError")
    retry = make("A", 0, 1.0)
    assert final_records([first, retry]) == [retry]
    assert final_records([retry, make("A", 0, 0.0)]) == [retry]


def test_unknown_env_family_is_an_error():
    with pytest.raises(ValueError, match="no family"):
        run_metrics([make("Z", 0, 1.0)], {"A": "fam"})


def test_role_scores_are_averaged_per_role_with_errored_episodes_counting_zero():
    records = [
        dataclasses.replace(make("Debate-Text-v0", 0, 1.0), role_scores={"persuader": 1.0, "listener": 0.5}),
        dataclasses.replace(make("Debate-Text-v0", 1, 0.0), role_scores={"persuader": 0.0, "listener": 0.25}),
        dataclasses.replace(
            make("Debate-Text-v0", 2, 0.0, error="EnvFailure"), role_scores={"persuader": 1.0}
        ),
        make("Snake-Text-v0", 0, 0.5),
    ]
    metrics = run_metrics(records, {"Debate-Text-v0": "persuasion", "Snake-Text-v0": "arcade"})
    assert metrics.envs["Debate-Text-v0"].role_scores == {
        "listener": 0.375,
        "persuader": pytest.approx(1 / 3),
    }
    assert metrics.envs["Snake-Text-v0"].role_scores == {}
