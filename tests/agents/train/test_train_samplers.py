"""The E2H schedule, DOTS's difficulty targeting on scripted solve rates, and the replay buffer."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.agents.train.samplers import DOTSSampler, E2HSampler, ReplayBuffer, e2h_weights, replay_split
from palaestra.core.errors import UsageError


def test_e2h_weights_follow_the_gaussian_schedule():
    w = e2h_weights(0, 11, 3, sigma=0.5)
    expected = np.exp(-(np.array([0.0, 0.5, 1.0]) ** 2) / 0.5)
    assert w == pytest.approx(expected / expected.sum())
    assert e2h_weights(10, 11, 3, 0.5) == pytest.approx(w[::-1])  # at the end, hard weighs what easy did
    assert e2h_weights(5, 11, 3, 0.5)[0] == pytest.approx(e2h_weights(5, 11, 3, 0.5)[2])


def test_e2h_fades_easy_tasks_out():
    easy = [e2h_weights(step, 20, 3, 0.3)[0] for step in range(20)]
    hard = [e2h_weights(step, 20, 3, 0.3)[2] for step in range(20)]
    assert all(a > b for a, b in zip(easy, easy[1:]))
    assert all(a < b for a, b in zip(hard, hard[1:]))
    assert easy[0] > 0.6 and easy[-1] < 0.01


def test_e2h_draws_presets_by_their_weights():
    sampler = E2HSampler(["Snake-Text-v0"], {}, ["easy", "medium", "hard"], sigma=0.3, total_steps=10)
    rng = np.random.default_rng(0)
    first = [t.kwargs["difficulty"] for t in sampler.sample(rng, 0, 400)]
    last = [t.kwargs["difficulty"] for t in sampler.sample(rng, 9, 400)]
    assert first.count("easy") > 250 and first.count("hard") < 20
    assert last.count("hard") > 250 and last.count("easy") < 20
    assert sampler.weights(0)["easy"] == pytest.approx(e2h_weights(0, 10, 3, 0.3)[0])
    with pytest.raises(UsageError, match="difficulty"):
        E2HSampler(["Snake-Text-v0"], {"difficulty": "easy"}, ["easy"], 0.3, 10)


def test_dots_prefers_tasks_solved_about_half_the_time():
    sampler = DOTSSampler(["Snake-Text-v0"], {}, pool_size=6, target=0.5, ema=1.0, prior=0.5)
    rng = np.random.default_rng(0)
    first = sampler.sample(rng, 1, 6)
    assert sorted(t.seed for t in first) == list(range(6))  # untried tasks count at 0.5: all tried first
    scripted = {0: 1.0, 1: 0.0, 2: 0.5, 3: 0.75, 4: 0.5625, 5: 0.25}
    for task in first:
        sampler.observe(task, scripted[task.seed])
    # 0.75 and 0.25 are equally far from 0.5: the third pick is either; the first two never change
    picks = {tuple(t.seed for t in sampler.sample(rng, 2, 3)) for _ in range(20)}
    assert picks == {(2, 4, 3), (2, 4, 5)}


def test_dots_tracks_solve_rates_as_a_moving_average_and_restores_them():
    sampler = DOTSSampler(["Snake-Text-v0"], {}, pool_size=2, target=0.5, ema=0.5, prior=0.5)
    task = sampler.pool[0]
    sampler.observe(task, 1.0)
    sampler.observe(task, 0.0)
    assert sampler.estimate(task) == pytest.approx(0.5)  # first sight 1.0, then halfway to 0.0
    sampler.observe(task, 0.0)
    assert sampler.estimate(task) == pytest.approx(0.25)
    copy = DOTSSampler(["Snake-Text-v0"], {}, pool_size=2, target=0.5, ema=0.5, prior=0.5)
    copy.load_state_dict(sampler.state_dict())
    assert copy.estimate(task) == pytest.approx(0.25)
    with pytest.raises(UsageError, match="pool_size"):
        sampler.sample(np.random.default_rng(0), 1, 3)


def test_replay_draws_only_recent_groups_of_earlier_steps():
    buffer = ReplayBuffer(capacity=3, max_age=2)
    for step in range(1, 5):
        buffer.add(step, f"group{step}")
    rng = np.random.default_rng(0)
    assert sorted(buffer.draw(rng, 5, 5)) == ["group3", "group4"]  # group2 is 3 steps old; group1 was evicted
    assert buffer.draw(rng, 4, 5) == ["group2", "group3"]  # a step never replays its own groups
    assert (
        replay_split(4, 0.5) == (2, 2) and replay_split(3, 0.5) == (2, 1) and replay_split(4, 0.0) == (4, 0)
    )


def test_the_live_view_draws_the_last_steps_on_a_terminal():
    import io

    from rich.console import Console

    from palaestra.agents.train.metrics import LiveView

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200)
    with LiveView("runs/x", 10, enabled=True, console=console) as view:
        view.update({"step": 1, "reward": 0.25, "kl": 0.0, "loss": -0.5, "tokens_per_second": 120.0})
    assert "step 1 of 10" in screen.getvalue() and "0.25" in screen.getvalue()
    quiet = LiveView("runs/x", 10, enabled=False, console=console)
    with quiet:
        quiet.update({"step": 2})
    assert quiet._live is None


def test_groups_take_the_env_ids_in_turn_across_steps():
    from palaestra.agents.train.samplers import UniformSampler

    sampler = UniformSampler(["A", "B", "C"], {})
    rng = np.random.default_rng(0)
    played = [task.env_id for step in (1, 2, 3) for task in sampler.sample(rng, step, 2)]
    assert played == ["A", "B", "C", "A", "B", "C"]
    seeds = [task.seed for task in sampler.sample(np.random.default_rng(1), 1, 50)]
    assert len(set(seeds)) == 50  # fresh seeds
