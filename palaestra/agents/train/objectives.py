"""The objectives of the GRPO family: advantages, the ALP length penalty, TreeRPO step advantages, the loss.

Every formula here is written out in ``docs/training.md``. The advantage and reward functions take plain
numbers (one group at a time) so they can be checked on hand-computed groups; ``policy_loss`` takes
per-token tensors of a batch of sequences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from palaestra.core.errors import UsageError

ADVANTAGES = ("std", "mean", "leave_one_out")  # GRPO, Dr.GRPO, RLOO
AGGREGATIONS = ("token", "sequence", "constant")
EPSILON = 1e-6  # keeps the GRPO division finite when a group's rewards barely differ


def group_advantages(rewards: Sequence[float], kind: str) -> np.ndarray:
    """The advantage of each member of one group of rollouts of the same task.

    ``std`` (GRPO): ``(r - mean) / (std + eps)``, population std; ``mean`` (Dr.GRPO): ``r - mean``;
    ``leave_one_out`` (RLOO): ``r_i - mean of the others`` (a group of one has advantage 0).
    """
    r = np.asarray(rewards, dtype=np.float64)
    if kind == "std":
        return (r - r.mean()) / (r.std() + EPSILON)
    if kind == "mean":
        return r - r.mean()
    if kind == "leave_one_out":
        if len(r) < 2:
            return np.zeros_like(r)
        return r - (r.sum() - r) / (len(r) - 1)
    raise UsageError(f"advantage must be one of {ADVANTAGES}, got {kind!r}")


def has_variance(rewards: Sequence[float]) -> bool:
    """Whether a group's rewards differ (DAPO's dynamic filtering drops groups where they do not)."""
    return len(rewards) > 1 and max(rewards) - min(rewards) > 1e-12


def alp_rewards(
    rewards: Sequence[float],
    solved: Sequence[bool],
    lengths: Sequence[int],
    *,
    beta: float,
    length_scale: float,
) -> np.ndarray:
    """ALP: each reward less ``beta * (length / length_scale) * max(solve_rate, 1 / K)``.

    ``solve_rate`` is the share of the group's K rollouts that solved the task: an easy task (high solve
    rate) pays the full token cost, a hard one a cost floored at ``1 / K``.
    """
    if length_scale <= 0:
        raise UsageError(f"the ALP length scale must be positive, got {length_scale}")
    k = len(rewards)
    solve_rate = float(np.mean(np.asarray(solved, dtype=np.float64)))
    cost = beta * max(solve_rate, 1.0 / k)
    return np.asarray(rewards, dtype=np.float64) - cost * np.asarray(lengths, dtype=np.float64) / length_scale


def step_advantages(paths: Sequence[Sequence[str]], rewards: Sequence[float], kind: str) -> list[np.ndarray]:
    """TreeRPO-style advantages of every step of a group's episodes (all from the same start).

    ``paths[e]`` lists the state keys episode ``e`` went through (``s_0`` at reset, then one per step),
    ``rewards[e]`` its reward. A state's value is the mean reward of the episodes that reached it; the
    steps taken from one state are siblings, and each step's advantage is ``group_advantages`` (of the
    given ``kind``) over the values of the distinct states its siblings reached, taken at its own. A
    state from which every episode went the same way gives its step advantage 0.
    """
    reached: dict[str, list[float]] = defaultdict(list)
    for path, reward in zip(paths, rewards):
        for key in dict.fromkeys(path):  # an episode counts once for a state it revisits
            reached[key].append(float(reward))
    value = {key: float(np.mean(values)) for key, values in reached.items()}
    children: dict[str, dict[str, None]] = defaultdict(dict)
    for path in paths:
        for parent, child in zip(path, path[1:]):
            children[parent][child] = None
    advantage_of: dict[tuple[str, str], float] = {}
    for parent, kids in children.items():
        names = list(kids)
        if len(names) == 1:
            advantage_of[(parent, names[0])] = 0.0
            continue
        for child, adv in zip(names, group_advantages([value[c] for c in names], kind)):
            advantage_of[(parent, child)] = float(adv)
    return [np.array([advantage_of[(p, c)] for p, c in zip(path, path[1:])]) for path in paths]


@dataclass
class LossParts:
    """The loss of a (micro)batch and what the metrics report of it."""

    loss: torch.Tensor
    kl: float  # mean k3 KL to the reference per policy token (0 without a reference)
    clip_fraction: float  # share of policy tokens whose ratio was clipped
    tokens: int


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_low: float,
    clip_high: float,
    aggregation: str,
    ref_logprobs: torch.Tensor | None = None,
    kl_beta: float = 0.0,
    total_tokens: int | None = None,
    total_sequences: int | None = None,
    constant_length: float | None = None,
) -> LossParts:
    """The clipped surrogate loss with an optional k3 KL penalty, aggregated as asked.

    All tensors are (sequences, tokens); ``mask`` is 1 on the policy's own tokens. Per token:
    ``-min(ratio * A, clip(ratio, 1 - clip_low, 1 + clip_high) * A) + kl_beta * k3`` with
    ``ratio = exp(logprob - old_logprob)`` and ``k3 = exp(ref - logprob) - (ref - logprob) - 1``.
    ``token``: sum over tokens / tokens; ``sequence``: mean over sequences of each one's token mean;
    ``constant`` (Dr.GRPO): sum over tokens / (sequences * ``constant_length``). The ``total_*`` counts
    let a microbatch carry its share of the whole batch's loss, so that the microbatches' losses add up.
    """
    mask = mask.to(logprobs.dtype)
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high) * advantages
    per_token = -torch.minimum(unclipped, clipped)
    kl_mean = 0.0
    tokens = int(mask.sum().item())
    if ref_logprobs is not None and kl_beta:
        delta = ref_logprobs - logprobs
        k3 = torch.exp(delta) - delta - 1.0
        per_token = per_token + kl_beta * k3
        kl_mean = float((k3.detach() * mask).sum().item() / max(tokens, 1))
    masked = per_token * mask
    sequences = total_sequences if total_sequences is not None else logprobs.shape[0]
    if aggregation == "token":
        loss = masked.sum() / max(total_tokens if total_tokens is not None else tokens, 1)
    elif aggregation == "sequence":
        per_sequence = masked.sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        loss = per_sequence.sum() / max(sequences, 1)
    elif aggregation == "constant":
        if not constant_length:
            raise UsageError("the constant aggregation needs constant_length (the token budget)")
        loss = masked.sum() / (max(sequences, 1) * constant_length)
    else:
        raise UsageError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    was_clipped = ((ratio < 1.0 - clip_low) & (advantages < 0)) | (
        (ratio > 1.0 + clip_high) & (advantages > 0)
    )
    clip_fraction = float((was_clipped.to(mask.dtype) * mask).sum().item() / max(tokens, 1))
    return LossParts(loss, kl_mean, clip_fraction, tokens)
