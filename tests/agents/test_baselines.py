import gymnasium as gym

import palaestra  # noqa: F401
from palaestra.agents.baselines import RandomAgent


def _replies(seed: int, steps: int = 5) -> list[str]:
    env = gym.make("SnakeDecision-Text-v0")
    obs, _ = env.reset(seed=0)
    agent = RandomAgent(env, seed=seed)
    return [agent.act(obs) for _ in range(steps)]


def test_the_agent_seed_decides_free_text_replies():
    assert _replies(3) == _replies(3)
    assert _replies(3) != _replies(4)
