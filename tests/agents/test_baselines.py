import gymnasium as gym
import pytest

import palaestra
from palaestra.agents.baselines import RandomAgent
from palaestra.core import TextEnv

ARCADE_IDS = [entry.id for entry in palaestra.registered_envs("arcade")]


class FreeTextEnv(TextEnv):
    """An env whose actions are not a finite list: any reply is an answer and ends the episode."""

    def _new_episode(self, options):
        self.answer = None

    def _parse(self, text):
        return text

    def _advance(self, action):
        self.answer = action
        return 0.0, True

    def _describe(self):
        return "Say anything."

    def _instructions(self):
        return "Say anything at all; every reply is accepted and ends the episode."

    def _state_bytes(self):
        return (self.answer or "").encode()

    def _outcome(self):
        return self.answer is not None, float(self.answer is not None)


def _replies(seed: int, steps: int = 5) -> list[str]:
    env = FreeTextEnv()
    obs, _ = env.reset(seed=0)
    agent = RandomAgent(env, seed=seed)
    return [agent.act(obs) for _ in range(steps)]


def test_the_agent_seed_decides_free_text_replies():
    assert _replies(3) == _replies(3)
    assert _replies(3) != _replies(4)


@pytest.mark.parametrize("env_id", ARCADE_IDS)
def test_random_sends_only_valid_actions_on_every_arcade_id(env_id):
    env = gym.make(env_id)
    for seed in range(3):
        env.reset(seed=seed)
        agent = RandomAgent(env, seed=seed)
        done, steps = False, 0
        while not done:
            _, _, terminated, truncated, info = env.step(agent.act(None))
            assert info["action_valid"], f"step {steps}: {info['action_error']}"
            done, steps = terminated or truncated, steps + 1
    env.close()


def test_random_answers_snake_decision_in_the_format_with_varied_answers():
    env = gym.make("SnakeDecision-Text-v0")
    env.reset(seed=0)
    agent = RandomAgent(env, seed=1)
    replies = {agent.act(None) for _ in range(40)}
    assert len(replies) > 20  # uniform over the 64 well-formed answers, not one fixed reply
    assert all(r.startswith("<best_answer>") and "</worst_answer>" in r for r in replies)


def test_the_expert_agent_refuses_an_env_without_an_expert():
    from palaestra.agents import ExpertAgent
    from palaestra.core import TextEnv
    from palaestra.core.errors import UsageError

    with pytest.raises(UsageError, match="TextEnv has no expert, so the expert agent cannot play it"):
        ExpertAgent(TextEnv())
