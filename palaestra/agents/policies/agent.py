"""``policy:NAME``: a bundled (or your own) trained policy playing its env, with no server and no batching.

The agent builds its prompts exactly as the trainer did (``TokenConversation``: same chat template,
same history window, the same token ids), and samples its reply token by token at the policy's
temperature from a ``torch.Generator`` seeded with the episode's seed. So an episode's play depends
on its seed alone: the same in any run, whichever episodes run beside it or in which order, and after
a resume. The model is loaded once per factory and shared by its agents (inference only).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import gymnasium as gym

from palaestra.agents.base import AgentError
from palaestra.agents.policies import Policy
from palaestra.core.errors import MissingExtraError, UsageError

OPTIONS = ("temperature", "max_tokens", "device")


class PolicyAgentFactory:
    """``factory(env, seed=...)``: a ``PolicyAgent`` for one episode of the policy's env."""

    def __init__(self, policy: Policy, **options: Any):
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise UsageError(
                f"the policy: agent does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(OPTIONS)}"
            )
        settings = {**policy.agent_options, **options}
        temperature, max_tokens = settings.get("temperature", 1.0), settings.get("max_tokens", 16)
        if not isinstance(temperature, (int, float)) or temperature < 0:
            raise UsageError(f"temperature must be a number >= 0, got {temperature!r}")
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise UsageError(f"max_tokens must be an integer >= 1, got {max_tokens!r}")
        self.temperature, self.max_tokens = float(temperature), max_tokens
        self.history_turns = settings.get("history_turns")
        self.policy = policy
        self.name = policy.spec
        try:
            from palaestra.agents.train.policy import load_policy
        except ImportError as error:
            raise MissingExtraError(
                "policy: agents need torch and transformers: pip install 'palaestra[llm]'"
            ) from error
        device = settings.get("device", "cpu")
        self.model, self.tokenizer = load_policy(policy.folder, device, None)
        self.model.eval()
        self.positions = getattr(self.model.config, "max_position_embeddings", None)

    def __call__(self, env: gym.Env, seed: int | None = None) -> PolicyAgent:
        env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        if env_id != self.policy.env_id:
            raise UsageError(
                f"{self.name} plays {self.policy.env_id} only (it was trained on it alone), not {env_id}"
            )
        return PolicyAgent(self, seed or 0)

    def preflight(self) -> None:
        """Nothing to check: the model was loaded when the factory was built."""

    def close(self) -> None:
        """Nothing held beyond the model, which goes with the factory."""


class PolicyAgent:
    """One episode of a trained policy (see the module docstring)."""

    def __init__(self, factory: PolicyAgentFactory, seed: int):
        import torch

        from palaestra.agents.train.rollout import TokenConversation

        self.factory = factory
        self.name = factory.name
        self.tokens = TokenConversation(factory.tokenizer, factory.history_turns)
        self.generator = torch.Generator().manual_seed(seed)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def reset(self, instructions: str) -> None:
        self.tokens.reset(instructions)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def act(self, observation: Any) -> str:
        factory = self.factory
        ids = self.tokens.prompt(observation)
        if factory.positions is not None and len(ids) + factory.max_tokens > factory.positions:
            raise AgentError(
                f"the prompt ({len(ids)} tokens) leaves no room for a reply in the policy's "
                f"{factory.positions} positions"
            )
        completion = sample_reply(
            factory.model,
            ids,
            max_tokens=factory.max_tokens,
            temperature=factory.temperature,
            eos_token_id=factory.tokenizer.eos_token_id,
            generator=self.generator,
        )
        reply = factory.tokenizer.decode(completion, skip_special_tokens=True)
        self.tokens.record(completion, reply)
        self.usage["prompt_tokens"] += len(ids)
        self.usage["completion_tokens"] += len(completion)
        return reply

    async def aact(self, observation: Any) -> str:
        return await asyncio.to_thread(self.act, observation)


def sample_reply(
    model: Any, ids: list[int], *, max_tokens: int, temperature: float, eos_token_id: int, generator: Any
) -> list[int]:
    """Reply token ids (up to and with the end token) sampled from ``softmax(logits / temperature)``
    over the whole vocabulary (greedy at temperature 0), as the trainer's rollouts sample."""
    import torch

    device = next(model.parameters()).device
    # transformers 5 names the key-value cache ``cache``; 4 named it ``past_key_values``.
    cache = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    generated: list[int] = []
    with torch.inference_mode():
        output = model(input_ids=torch.tensor([ids], device=device), use_cache=True)
        for _ in range(max_tokens):
            logits = output.logits[0, -1].float().cpu()
            if temperature == 0:
                token = int(logits.argmax())
            else:
                probabilities = torch.softmax(logits / temperature, dim=-1)
                token = int(torch.multinomial(probabilities, 1, generator=generator))
            generated.append(token)
            if token == eos_token_id:
                break
            output = model(
                input_ids=torch.tensor([[token]], device=device),
                use_cache=True,
                **{cache: getattr(output, cache)},
            )
    return generated
