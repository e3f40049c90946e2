"""Fixtures of the agent tests: a tiny chat model built in place (no hub download) and an episode loop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import palaestra  # noqa: F401  (registers the env ids)

os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from palaestra.agents.llm.tiny_model import build_tiny_chat_model

    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-chat-model"))


async def play_episode(factory: Any, env_id: str, seed: int, **env_kwargs: Any) -> dict[str, Any]:
    """Play one episode the way the runner does; return the replies, infos and the agent."""
    env = gym.make(env_id, **env_kwargs)
    observation, info = env.reset(seed=seed)
    agent = factory(env, seed=seed)
    agent.reset(info["instructions"])
    replies, observations, infos = [], [observation], [info]
    while True:
        reply = await agent.aact(observation)
        replies.append(reply)
        observation, _, terminated, truncated, info = env.step(reply)
        observations.append(observation)
        infos.append(info)
        if terminated or truncated:
            env.close()
            return {
                "replies": replies,
                "observations": observations,
                "infos": infos,
                "agent": agent,
                "terminated": terminated,
                "truncated": truncated,
            }
