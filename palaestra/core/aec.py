"""``TextAECEnv``: a ``MultiAgentTextEnv`` as a PettingZoo AEC env, every role an agent of its own.

Needs the ``multiagent`` extra (``pip install 'palaestra[multiagent]'``). The turns are the env's own
(``MultiAgentTextEnv.play_turn``), so extraction, invalid replies (one streak per agent), forfeits and
world failures behave as in the single-agent view. An agent's ``infos`` entry holds the info keys
with its own ``success`` and ``score``; the episode ends for every agent at once.

Example:
    >>> env = TextAECEnv(lambda: MyDialogueEnv())                       # doctest: +SKIP
    >>> env.reset(seed=0)                                                # doctest: +SKIP
    >>> for agent in env.agent_iter():                                   # doctest: +SKIP
    ...     obs, reward, terminated, truncated, info = env.last()
    ...     env.step(None if terminated or truncated else policy(agent, obs))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.core import info as keys
from palaestra.core.multiagent import MultiAgentTextEnv

try:
    from pettingzoo import AECEnv
except ImportError as error:  # the extra is optional: say which one to install
    message = "the PettingZoo view needs the multiagent extra: pip install 'palaestra[multiagent]'"
    raise ImportError(message) from error


class TextAECEnv(AECEnv):
    """The AEC view of the multi-agent env that ``make_env()`` builds (see the module docstring)."""

    metadata = {"render_modes": ["ansi"], "name": "palaestra_text_aec", "is_parallelizable": False}

    def __init__(self, make_env: Callable[[], MultiAgentTextEnv], render_mode: str | None = None):
        super().__init__()
        self.env = make_env()
        if not isinstance(self.env, MultiAgentTextEnv):
            raise TypeError(f"{type(self.env).__name__} is not a MultiAgentTextEnv")
        self.render_mode = render_mode
        self.possible_agents = list(self.env.roles)
        self.agents: list[str] = []

    def observation_space(self, agent: str):
        return self.env.observation_space

    def action_space(self, agent: str):
        return self.env.action_space

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        _, info = self.env.start(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos = {
            role: {**self._role_info(role, info), keys.INSTRUCTIONS: self.env._instructions_for(role)}
            for role in self.agents
        }
        self.agent_selection = self.env.acting_role()

    def observe(self, agent: str):
        return self.env.observe(agent)

    def step(self, action: str | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        _, reward, terminated, truncated, info = self.env.play_turn(action)
        valid = info[keys.ACTION_VALID]
        self.rewards = {role: (self.env.reward_of(role) if valid else 0.0) for role in self.agents}
        if not valid:
            self.rewards[agent] = reward
        for role in self.agents:
            self.terminations[role], self.truncations[role] = bool(terminated), bool(truncated)
            self.infos[role] = self._role_info(role, info)
        self.infos[agent][keys.ACTION_VALID] = valid
        self.infos[agent][keys.ACTION_ERROR] = info[keys.ACTION_ERROR]
        if not (terminated or truncated):
            self.agent_selection = self.env.acting_role()
        self._accumulate_rewards()

    def _role_info(self, role: str, info: dict[str, Any]) -> dict[str, Any]:
        success, score = self.env.role_result(role)
        shared = {k: v for k, v in info.items() if k not in (keys.ACTION_VALID, keys.ACTION_ERROR)}
        return {**shared, keys.SUCCESS: bool(success), keys.SCORE: float(score)}

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self.env._describe_for(self.agent_selection)
        return None

    def close(self) -> None:
        self.env.close()
