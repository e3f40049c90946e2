"""Supervised fine-tuning on expert play: the warm start before RL.

Expert episodes are kept as the trainer keeps rollouts (``TokenConversation``: the same prompt, the same
loss mask), with the expert's reply ``<action>...</action>`` and the end token as the generated part, so
the policy learns exactly the replies the RL stage will sample and score.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch

from palaestra.agents.train.policy import pad_batch
from palaestra.agents.train.rollout import Sample, TokenConversation
from palaestra.core import info as keys


def expert_samples(
    env_id: str,
    tokenizer: Any,
    seeds: range,
    *,
    env_kwargs: dict[str, Any] | None = None,
    max_turns: int = 20,
    history_turns: int | None = None,
) -> list[Sample]:
    """The training sequences of the expert's episodes of ``env_id`` on ``seeds`` (train split)."""
    env = gym.make(env_id, **(env_kwargs or {}))
    samples: list[Sample] = []
    try:
        for seed in seeds:
            observation, info = env.reset(seed=seed)
            tokens = TokenConversation(tokenizer, history_turns)
            tokens.reset(info[keys.INSTRUCTIONS])
            for _ in range(max_turns):
                tokens.prompt(observation)
                reply = f"<action>{env.unwrapped.expert_action()}</action>"
                completion = tokenizer.encode(reply, add_special_tokens=False) + [tokenizer.eos_token_id]
                tokens.record(completion, reply)
                observation, _, terminated, truncated, _ = env.step(reply)
                if terminated or truncated:
                    break
            samples += tokens.samples()
    finally:
        env.close()
    return samples


def supervised_loss(model: Any, samples: list[Sample], pad_token_id: int) -> torch.Tensor:
    """Mean cross-entropy of the masked (generated) tokens of ``samples``."""
    device = next(model.parameters()).device
    ids, attention = pad_batch([s.input_ids for s in samples], pad_token_id, device)
    width = ids.shape[1]
    mask = torch.tensor([s.loss_mask[1:] + [0] * (width - len(s.loss_mask)) for s in samples], device=device)
    logits = model(input_ids=ids, attention_mask=attention).logits[:, :-1].float()
    losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")
    return (losses * mask).sum() / mask.sum().clamp(min=1)


def finetune(
    model: Any,
    tokenizer: Any,
    samples: list[Sample],
    *,
    steps: int,
    lr: float,
    batch_size: int,
    generator: torch.Generator,
) -> list[float]:
    """``steps`` AdamW steps on random batches of ``samples``; the loss of each step."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        picks = torch.randint(len(samples), (min(batch_size, len(samples)),), generator=generator).tolist()
        loss = supervised_loss(model, [samples[i] for i in picks], tokenizer.pad_token_id)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses
