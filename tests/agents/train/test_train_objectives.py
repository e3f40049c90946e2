"""The advantage formulas, ALP's penalty, TreeRPO's step advantages and the loss, on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from palaestra.agents.train.objectives import (
    alp_rewards,
    group_advantages,
    has_variance,
    policy_loss,
    step_advantages,
)
from palaestra.core.errors import UsageError

REWARDS = [1.0, 0.0, 0.0, 1.0]  # mean 0.5, population std 0.5


def test_grpo_divides_by_the_group_std():
    assert group_advantages(REWARDS, "std") == pytest.approx([1.0, -1.0, -1.0, 1.0], abs=1e-5)
    # mean 2, population std sqrt(8/3)
    assert group_advantages([0.0, 2.0, 4.0], "std") == pytest.approx(
        [-2 / math.sqrt(8 / 3), 0.0, 2 / math.sqrt(8 / 3)], abs=1e-5
    )


def test_dr_grpo_only_subtracts_the_mean():
    assert group_advantages([0.0, 2.0, 4.0], "mean") == pytest.approx([-2.0, 0.0, 2.0])


def test_rloo_subtracts_the_mean_of_the_others():
    # 3 - mean(1, 2) = 1.5 ; 1 - mean(3, 2) = -1.5 ; 2 - mean(3, 1) = 0
    assert group_advantages([3.0, 1.0, 2.0], "leave_one_out") == pytest.approx([1.5, -1.5, 0.0])
    assert group_advantages([5.0], "leave_one_out") == pytest.approx([0.0])


def test_a_group_without_variance_has_zero_advantage_and_is_flagged():
    assert group_advantages([0.3] * 4, "std") == pytest.approx([0.0] * 4)
    assert not has_variance([0.3] * 4)
    assert has_variance([0.3, 0.3, 0.4])
    with pytest.raises(UsageError, match="advantage must be one of"):
        group_advantages(REWARDS, "ppo")


def test_alp_scales_the_token_cost_by_the_solve_rate():
    # K = 4, two solved: solve rate 0.5; cost = 0.1 * 0.5 * length / 100
    shaped = alp_rewards(
        [1.0, 1.0, 0.0, 0.0], [True, True, False, False], [100, 20, 50, 0], beta=0.1, length_scale=100
    )
    assert shaped == pytest.approx([1 - 0.05, 1 - 0.01, -0.025, 0.0])
    # none solved: the rate is floored at 1 / K = 0.25
    shaped = alp_rewards([0.0, 0.0, 0.0, 0.0], [False] * 4, [100, 0, 40, 40], beta=0.1, length_scale=100)
    assert shaped == pytest.approx([-0.025, 0.0, -0.01, -0.01])
    # all solved: the full cost
    assert alp_rewards([1.0, 1.0], [True, True], [10, 30], beta=1.0, length_scale=10) == pytest.approx(
        [0.0, -2.0]
    )


def test_tree_step_advantages_compare_the_states_siblings_reach():
    # Three episodes from state a. Two go to b (rewards 1 and 0), one to c (reward 1).
    # V(b) = 0.5, V(c) = 1. At a the siblings are b and c: Dr.GRPO advantages -0.25 and +0.25.
    # From b one episode went to d (reward 1) and one to e (reward 0): +0.5 and -0.5.
    # From c the only step goes to f: nothing to compare, 0.
    paths = [["a", "b", "d"], ["a", "b", "e"], ["a", "c", "f"]]
    advantages = step_advantages(paths, [1.0, 0.0, 1.0], "mean")
    assert [list(a) for a in advantages] == [
        pytest.approx([-0.25, 0.5]),
        pytest.approx([-0.25, -0.5]),
        pytest.approx([0.25, 0.0]),
    ]


def test_tree_steps_that_reach_the_same_state_share_a_node():
    # Episodes 1 and 2 reach x by different moves, so x's value averages both (0.5); an invalid action
    # (the state repeats) is a step to the same state.
    paths = [["s", "x", "y"], ["s", "s", "x"], ["s", "z"]]
    advantages = step_advantages(paths, [1.0, 0.0, 0.0], "mean")
    # V(x) = 0.5, V(s) = 1/3 (every episode), V(z) = 0. Siblings at s: x, s, z -> mean 5/18.
    mean = (0.5 + 1 / 3 + 0.0) / 3
    assert advantages[0][0] == pytest.approx(0.5 - mean)
    assert advantages[1][0] == pytest.approx(1 / 3 - mean)
    assert advantages[1][1] == pytest.approx(0.5 - mean)  # s -> x again
    assert advantages[2][0] == pytest.approx(0.0 - mean)
    assert advantages[0][1] == pytest.approx(0.0)  # x -> y is x's only step


def _loss(aggregation: str, **kwargs):
    # two sequences: the first with 3 policy tokens, the second with 1 (its last column is padding)
    logprobs = torch.log(torch.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]))
    old = torch.log(torch.tensor([[0.5, 0.25, 0.5], [0.5, 0.5, 0.5]]))  # token 2: ratio 2
    advantages = torch.tensor([[1.0, 1.0, 1.0], [-2.0, -2.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    return policy_loss(logprobs, old, advantages, mask, aggregation=aggregation, **kwargs)


def test_the_clipped_surrogate_and_each_aggregation():
    clip = {"clip_low": 0.2, "clip_high": 0.28}
    # per token: -min(r A, clip(r) A): seq 1: -1, -1.28 (ratio 2 clipped at 1.28), -1; seq 2: +2
    token = _loss("token", **clip)
    assert token.loss.item() == pytest.approx((-1 - 1.28 - 1 + 2) / 4)
    assert token.clip_fraction == pytest.approx(1 / 4)
    sequence = _loss("sequence", **clip)
    assert sequence.loss.item() == pytest.approx(((-1 - 1.28 - 1) / 3 + 2 / 1) / 2)
    constant = _loss("constant", constant_length=10.0, **clip)
    assert constant.loss.item() == pytest.approx((-1 - 1.28 - 1 + 2) / (2 * 10))
    wider = _loss("token", clip_low=0.2, clip_high=2.0)
    assert wider.loss.item() == pytest.approx((-1 - 2 - 1 + 2) / 4) and wider.clip_fraction == 0
    with pytest.raises(UsageError, match="aggregation"):
        _loss("max", **clip)


def test_microbatch_shares_add_up_to_the_batch_loss():
    full = _loss("token", clip_low=0.2, clip_high=0.2).loss.item()
    logprobs = torch.log(torch.full((2, 3), 0.5))
    old = torch.log(torch.tensor([[0.5, 0.25, 0.5], [0.5, 0.5, 0.5]]))
    advantages = torch.tensor([[1.0, 1.0, 1.0], [-2.0, -2.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    parts = [
        policy_loss(
            logprobs[i : i + 1],
            old[i : i + 1],
            advantages[i : i + 1],
            mask[i : i + 1],
            clip_low=0.2,
            clip_high=0.2,
            aggregation="token",
            total_tokens=4,
            total_sequences=2,
        ).loss.item()
        for i in range(2)
    ]
    assert sum(parts) == pytest.approx(full)


def test_k3_kl_to_the_reference():
    logprobs = torch.log(torch.tensor([[0.5, 0.2]]))
    ref = torch.log(torch.tensor([[0.25, 0.2]]))
    mask = torch.ones(1, 2)
    parts = policy_loss(
        logprobs,
        logprobs.clone(),
        torch.zeros(1, 2),
        mask,
        clip_low=0.2,
        clip_high=0.2,
        aggregation="token",
        ref_logprobs=ref,
        kl_beta=0.5,
    )
    k3 = 0.5 - math.log(0.5) - 1  # exp(ref - logp) - (ref - logp) - 1 with ref - logp = log 0.5
    assert parts.kl == pytest.approx(k3 / 2)
    assert parts.loss.item() == pytest.approx(0.5 * k3 / 2)
    assert np.isclose(
        policy_loss(
            logprobs, logprobs, torch.zeros(1, 2), mask, clip_low=0.2, clip_high=0.2, aggregation="token"
        ).kl,
        0.0,
    )
