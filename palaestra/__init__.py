"""Palaestra: Gymnasium environments for LLM agents, with agents, evaluation and leaderboards.

Importing ``palaestra`` registers every environment id with Gymnasium::

    import gymnasium as gym
    import palaestra

    env = gym.make("Snake-Text-v0")
"""

from palaestra import envs  # noqa: F401  (registers the ids)
from palaestra.core import registered_envs

__version__ = "0.1.0"
__all__ = ["registered_envs", "__version__"]
