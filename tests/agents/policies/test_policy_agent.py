"""``policy:FOLDER`` and ``policy:NAME``: a trained policy plays its env reproducibly; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.agents.base import run_episode
from palaestra.agents.registry import agent_factory
from palaestra.core.errors import UsageError
from palaestra.core.registry import missing_extra

pytestmark = pytest.mark.skipif(missing_extra("train") is not None, reason="needs the train extra")

SNAKE = {"difficulty": "easy"}


@pytest.fixture(scope="module")
def policy_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight tiny policy that reads observations only, described as a policy of Snake."""
    from palaestra.agents.train.policy import TinyPolicySpec, build_tiny_policy

    folder = tmp_path_factory.mktemp("policy")
    spec = TinyPolicySpec(hidden_size=32, intermediate_size=64, corpus_episodes=2, system_turn=False)
    build_tiny_policy(folder, ["Snake-Text-v0"], env_kwargs=SNAKE, spec=spec)
    description = {
        "env_id": "Snake-Text-v0",
        "env_kwargs": SNAKE,
        "agent_options": {"temperature": 1.0, "max_tokens": 8, "history_turns": 0},
        "parameters": 1,
    }
    (folder / "policy.json").write_text(json.dumps(description), encoding="utf-8")
    return folder


def play(spec: str, seed: int) -> list[str]:
    """The replies of one episode of ``spec`` on easy Snake, seeded ``seed``."""
    env = gym.make("Snake-Text-v0", **SNAKE)
    agent = agent_factory(spec)(env, seed=seed)
    replies = []
    act = agent.act

    def recording(observation):
        replies.append(act(observation))
        return replies[-1]

    agent.act = recording
    run_episode(env, agent, seed=seed)
    env.close()
    return replies


def test_an_episode_depends_on_its_seed_alone(policy_folder: Path):
    spec = f"policy:{policy_folder}"
    first = play(spec, 3)
    assert first == play(spec, 3)  # a fresh factory, the same episode
    assert any(play(spec, seed) != first for seed in (4, 5, 6))


def test_its_prompt_is_the_trainers_without_the_instructions(policy_folder: Path):
    from palaestra.agents.train.rollout import TokenConversation

    factory = agent_factory(f"policy:{policy_folder}")
    env = gym.make("Snake-Text-v0", **SNAKE)
    observation, info = env.reset(seed=0)
    agent = factory(env, seed=0)
    agent.reset(info["instructions"])
    agent.act(observation)
    tokens = TokenConversation(factory.tokenizer, 0)
    tokens.reset(info["instructions"])
    ids = tokens.prompt(observation)
    assert agent.usage["prompt_tokens"] == len(ids)
    text = factory.tokenizer.decode(ids)
    assert "You control a snake" not in text and observation in text


def test_it_refuses_other_envs_options_and_names(policy_folder: Path):
    factory = agent_factory(f"policy:{policy_folder}")
    with pytest.raises(UsageError, match="plays Snake-Text-v0 only"):
        factory(gym.make("Sokoban-Text-v0"), seed=0)
    with pytest.raises(UsageError, match="does not take option"):
        agent_factory(f"policy:{policy_folder}", top_k=3)
    with pytest.raises(UsageError, match="temperature must be a number >= 0, got 'hot'"):
        agent_factory(f"policy:{policy_folder}", temperature="hot")
    with pytest.raises(UsageError, match="max_tokens must be an integer >= 1, got 0"):
        agent_factory(f"policy:{policy_folder}", max_tokens=0)
    with pytest.raises(UsageError, match="no bundled policy 'nope'"):
        agent_factory("policy:nope")


def test_its_sampler_is_transformers_generate_when_greedy(policy_folder: Path):
    """The token-by-token sampler (with the key-value cache) continues a prompt as ``generate`` does."""
    import torch

    from palaestra.agents.policies.agent import sample_reply
    from palaestra.agents.train.policy import load_policy

    model, tokenizer = load_policy(policy_folder, "cpu", None)
    model.eval()
    ids = tokenizer.encode("<|user|>You: head at (2, 5)<|end|><|assistant|>", add_special_tokens=False)
    ours = sample_reply(
        model, ids, max_tokens=12, temperature=0, eos_token_id=tokenizer.eos_token_id, generator=None
    )
    with torch.no_grad():
        theirs = model.generate(
            input_ids=torch.tensor([ids]),
            do_sample=False,
            max_new_tokens=12,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )[0, len(ids) :].tolist()
    if tokenizer.eos_token_id in theirs:  # generate pads the rows after their end
        theirs = theirs[: theirs.index(tokenizer.eos_token_id) + 1]
    assert ours == theirs
