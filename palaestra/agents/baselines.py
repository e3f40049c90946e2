"""Scripted agents: ``random`` (a floor to beat) and ``expert`` (reads the world; a ceiling to reach)."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.agents.base import ScriptedAgent
from palaestra.core import TextEnv
from palaestra.core.errors import UsageError


class RandomAgent(ScriptedAgent):
    """Sends a uniformly random legal action, or random text where actions are not a finite list."""

    name = "random"

    def __init__(self, env: gym.Env, seed: int | None = None):
        super().__init__()
        self.env = env.unwrapped
        self.rng = np.random.default_rng(seed)
        # A private copy of the action space seeded with ours, so that the agent's seed alone decides
        # the text it sends where the env lists no actions (the env's own space has its own seed).
        # Seeding it leaves ``self.rng`` untouched: replies from action lists stay as they were.
        self.action_space = copy.deepcopy(self.env.action_space)
        self.action_space.seed(seed)

    def act(self, observation: Any) -> str:
        actions = self.env.valid_actions()
        if actions:
            return actions[int(self.rng.integers(len(actions)))]
        return self.action_space.sample()


class ExpertAgent(ScriptedAgent):
    """Plays the env's own expert, which sees the whole world (``TextEnv.expert_action``)."""

    name = "expert"

    def __init__(self, env: gym.Env):
        super().__init__()
        self.env = env.unwrapped
        if getattr(type(self.env), "expert_action", TextEnv.expert_action) is TextEnv.expert_action:
            raise UsageError(f"{type(self.env).__name__} has no expert, so the expert agent cannot play it")

    def act(self, observation: Any) -> str:
        return self.env.expert_action()
