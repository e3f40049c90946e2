"""Palaestra envs in verl's agent-loop rollouts: ``PalaestraAgentLoop``, registered as ``palaestra``.

verl (0.9) runs one agent loop per trajectory in its async rollout workers; a dataset row names the
loop in ``agent_name``. This loop plays the palaestra episode the row's ``extra_info`` names
(``env_id``, ``seed``, ``env_kwargs``, ``task_id``): the rollout server generates a reply, the env
steps on its text, the observation joins the conversation as a user turn (through verl's
Continuous Token builder, so the tokens stay the ones the model sampled), until the episode ends,
``multi_turn.max_assistant_turns`` or ``response_length``. The response mask is 1 on the model's
tokens and 0 on the env's; the trajectory's reward is the episode's return (so no reward function
is needed), with the score, success and turns in ``extra_fields``.

``write_dataset`` writes the parquet file of episode starts verl's trainer reads; the launch
command and the agent-loop config file are in docs/integrations.md. Needs
``pip install 'palaestra[verl]'`` (verl pins transformers < 5.11, which TRL's extra excludes: use
separate environments).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import uuid4

from palaestra.serving import require_extra

require_extra("verl", "palaestra's verl agent loop")

import gymnasium as gym  # noqa: E402
from verl.experimental.agent_loop.agent_loop import (  # noqa: E402
    AgentLoopBase,
    AgentLoopMetrics,
    AgentLoopOutput,
    register,
)

import palaestra  # noqa: E402, F401  (registers the env ids)
from palaestra.core import info as keys  # noqa: E402

AGENT_NAME = "palaestra"
DEFAULT_MAX_TURNS = 32  # when the rollout config sets no multi_turn.max_assistant_turns


def _text(observation: Any) -> str:
    return observation["text"] if isinstance(observation, dict) else observation


def episode_row(
    env_id: str, seed: int, *, env_kwargs: dict[str, Any] | None = None, task_id: str | None = None
):
    """One dataset row: the episode's opening messages and the ``extra_info`` the loop replays it from."""
    env = gym.make(env_id, **(env_kwargs or {}))
    try:
        observation, info = env.reset(seed=seed, options={"task_id": task_id} if task_id else None)
    finally:
        env.close()
    return {
        "data_source": f"palaestra/{env_id}",
        "agent_name": AGENT_NAME,
        "prompt": [
            {"role": "system", "content": info[keys.INSTRUCTIONS]},
            {"role": "user", "content": _text(observation)},
        ],
        # verl's default reward loop reads these; the loop's reward_score makes them unused
        "reward_model": {"style": "rule", "ground_truth": ""},
        "extra_info": {
            "env_id": env_id,
            "seed": int(seed),
            "env_kwargs": json.dumps(env_kwargs or {}),  # one JSON string: parquet wants one schema
            "task_id": info.get(keys.TASK_ID) or "",
        },
    }


def write_dataset(
    path: str | Path, env_id: str, seeds: Iterable[int], *, env_kwargs: dict[str, Any] | None = None
) -> Path:
    """Write verl's parquet dataset of ``env_id`` episode starts, one row per seed; return the path."""
    from datasets import Dataset

    rows = [episode_row(env_id, seed, env_kwargs=env_kwargs) for seed in seeds]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Dataset.from_list(rows).to_parquet(str(path))
    return path


@register(AGENT_NAME)
class PalaestraAgentLoop(AgentLoopBase):
    """A multi-turn palaestra episode as one verl trajectory (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.response_length = int(self.rollout_config.response_length)
        multi_turn = self.rollout_config.get("multi_turn", {}) or {}
        self.max_turns = int(multi_turn.get("max_assistant_turns") or DEFAULT_MAX_TURNS)

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        episode = kwargs.get("extra_info") or {}
        if "env_id" not in episode or "seed" not in episode:
            raise ValueError(
                "a palaestra row's extra_info needs env_id and seed (palaestra.serving.verl.episode_row)"
            )
        env_kwargs = episode.get("env_kwargs") or "{}"
        env = gym.make(
            episode["env_id"], **(json.loads(env_kwargs) if isinstance(env_kwargs, str) else env_kwargs)
        )
        try:
            return await self._play(env, episode, list(kwargs["raw_prompt"]), sampling_params)
        finally:
            env.close()

    async def _play(
        self, env: gym.Env, episode: dict, messages: list[dict], sampling_params: dict
    ) -> AgentLoopOutput:
        task_id = episode.get("task_id") or None
        env.reset(seed=int(episode["seed"]), options={"task_id": task_id} if task_id else None)
        runtime_ids = await self.ct_build_initial_tokens(messages)
        mask: list[int] = []
        logprobs: list[float] | None = None
        episode_return, turns, info = 0.0, 0, {}
        while True:
            output = await self.server_manager.generate(
                request_id=uuid4().hex, prompt_ids=runtime_ids, sampling_params=sampling_params
            )
            if output.log_probs and logprobs is None:
                logprobs = []  # the server reports log-probabilities: keep them for the whole response
            merged, mask, logprobs = await self.ct_merge_assistant_token(
                runtime_ids, output.token_ids, mask, logprobs, assistant_logprobs=output.log_probs or None
            )
            runtime_ids = merged.token_ids
            reply = self.tokenizer.decode(output.token_ids, skip_special_tokens=True)
            observation, reward, terminated, truncated, info = await self.loop.run_in_executor(
                None, env.step, reply
            )
            episode_return += float(reward)
            turns += 1
            if terminated or truncated or turns >= self.max_turns or len(mask) >= self.response_length:
                break
            said = messages + [{"role": "assistant", "content": reply}]
            messages = said + [{"role": "user", "content": _text(observation)}]
            merged, mask, logprobs = await self.ct_merge_context_msg(
                said, messages, runtime_ids, mask, logprobs
            )
            runtime_ids = merged.token_ids
            if len(mask) >= self.response_length:
                break
        prompt_ids = runtime_ids[: len(runtime_ids) - len(mask)]
        response_ids = runtime_ids[len(prompt_ids) :]
        return AgentLoopOutput(
            prompt_ids=prompt_ids,
            response_ids=response_ids[: self.response_length],
            response_mask=mask[: self.response_length],
            response_logprobs=logprobs[: self.response_length] if logprobs else None,
            reward_score=episode_return,
            num_turns=2 * turns,
            metrics=AgentLoopMetrics(),
            extra_fields={
                "env_return": episode_return,
                "env_score": float(info.get(keys.SCORE, 0.0)),
                "env_success": bool(info.get(keys.SUCCESS, False)),
                "env_turns": turns,
                "turn_scores": [],
                "tool_rewards": [],
            },
        )
