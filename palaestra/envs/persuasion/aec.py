"""The PettingZoo AEC view of ``PersuasionEnv``: persuader and listener both agents (self-play).

Needs the ``multiagent`` extra (``pip install 'palaestra[multiagent]'``).

Example:
    >>> env = persuasion_aec(difficulty="hard")
    >>> env.reset(seed=0)
    >>> for agent in env.agent_iter():
    ...     obs, reward, terminated, truncated, info = env.last()
    ...     env.step(None if terminated or truncated else env.env.expert_action())
"""

from __future__ import annotations

from typing import Any

from palaestra.core.aec import TextAECEnv
from palaestra.envs.persuasion.env import PersuasionEnv


def persuasion_aec(render_mode: str | None = None, **kwargs: Any) -> TextAECEnv:
    """A ``TextAECEnv`` over ``PersuasionEnv(**kwargs)`` (its ``counterparts`` are not used here)."""
    return TextAECEnv(lambda: PersuasionEnv(**kwargs), render_mode=render_mode)
