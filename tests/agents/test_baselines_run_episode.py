"""``run_episode``: the plain protocol loop that scripts and tests play whole episodes with."""

import gymnasium as gym

import palaestra  # noqa: F401
from palaestra.agents import ScriptedAgent, make_agent, run_episode


class _Recording(ScriptedAgent):
    def __init__(self):
        super().__init__()
        self.instructions, self.observations = None, []

    def reset(self, instructions):
        super().reset(instructions)
        self.instructions = instructions

    def act(self, observation):
        self.observations.append(observation)
        return "reveal 0 0" if len(self.observations) == 1 else "nonsense"


def test_run_episode_resets_the_agent_feeds_it_every_observation_and_returns_the_last_info():
    env = gym.make("Minesweeper-Text-v0", difficulty="easy", max_invalid_actions=2)
    agent = _Recording()
    info = run_episode(env, agent, seed=3)
    first, _ = env.reset(seed=3)
    assert agent.instructions.startswith("You play Minesweeper") and agent.observations[0] == first
    if info["revealed"] == info["safe_cells"]:  # the first reveal may clear an easy field
        assert len(agent.observations) == 1 and info["success"]
    else:  # then two invalid replies truncate the episode
        assert len(agent.observations) == 3 and info["truncation_reason"] == "invalid_actions"
        assert agent.observations[2].startswith("Invalid action") and "Turn 1." in agent.observations[1]


def test_run_episode_is_deterministic_for_a_seeded_agent():
    env = gym.make("2048-Text-v0", difficulty="easy")
    runs = [run_episode(env, make_agent("random", env, seed=5), seed=5) for _ in range(2)]
    assert runs[0] == runs[1] and runs[0]["turn"] > 0
