"""The ``Agent`` protocol: what every agent, scripted or LLM, offers the runner and training loops."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import gymnasium as gym

from palaestra.core import info as keys


class AgentError(RuntimeError):
    """An agent could not produce a reply (a backend failed, timed out or answered malformed output).

    Raised only after the backend's retries are spent; the runner records it as the episode's error.
    """


@runtime_checkable
class Agent(Protocol):
    """An agent plays one episode at a time and keeps its own conversation history.

    ``reset`` starts an episode with the env's instructions; ``act`` answers an observation with
    reply text (the env extracts the action from it); ``aact`` is the same for asyncio callers.
    ``usage`` holds the episode's token counts (``prompt_tokens``, ``completion_tokens``).
    """

    name: str
    usage: dict[str, int]

    def reset(self, instructions: str) -> None: ...

    def act(self, observation: Any) -> str: ...

    async def aact(self, observation: Any) -> str: ...


class ScriptedAgent:
    """Base of agents that need no model: ``aact`` calls ``act`` directly and usage stays zero."""

    name = "scripted"

    def __init__(self) -> None:
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def reset(self, instructions: str) -> None:
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def act(self, observation: Any) -> str:
        raise NotImplementedError

    async def aact(self, observation: Any) -> str:
        return self.act(observation)


def run_episode(env: gym.Env, agent: Agent, *, seed: int | None = None) -> dict[str, Any]:
    """Play one whole episode of ``agent`` in ``env``, in this thread; returns the episode's last info.

    The plain loop of the protocol, for scripts and tests: no timeouts, no retries, no records (the
    evaluation runner adds those).
    """
    observation, info = env.reset(seed=seed)
    agent.reset(info[keys.INSTRUCTIONS])
    done = False
    while not done:
        observation, _, terminated, truncated, info = env.step(agent.act(observation))
        done = terminated or truncated
    return info
