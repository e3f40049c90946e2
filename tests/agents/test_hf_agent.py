"""``hf:PATH`` with a tiny Llama built in place (random weights, a BPE tokenizer trained on the spot)."""

from __future__ import annotations

import asyncio
import threading

import gymnasium as gym
import pytest
import torch  # noqa: F401  (the llm extra is installed for tests: a broken install fails here)
from conftest import play_episode

from palaestra.agents import agent_factory
from palaestra.agents.llm.chat_template import render_chat_prompt
from palaestra.core.errors import UsageError


@pytest.fixture(scope="module")
def factory(tiny_model_path):
    built = agent_factory(f"hf:{tiny_model_path}", device="cpu", temperature=0, max_tokens=6, history_turns=2)
    yield built
    built.close()


def test_concurrent_episodes_share_batched_generate_calls(factory):
    async def three():
        return await asyncio.gather(*(play_episode(factory, "Snake-Text-v0", seed=s) for s in range(3)))

    calls_before = len(factory.backend.batcher.batch_sizes)
    episodes = asyncio.run(three())
    sizes = factory.backend.batcher.batch_sizes[calls_before:]
    steps = sum(len(e["replies"]) for e in episodes)
    assert sum(sizes) == steps
    assert max(sizes) >= 2 and len(sizes) < steps  # turns of different episodes went in one generate
    for episode in episodes:
        # gibberish replies: the env rejects them until it truncates the episode
        assert episode["truncated"] and episode["infos"][-1]["truncation_reason"] == "invalid_actions"
        assert all(isinstance(reply, str) for reply in episode["replies"])
        agent = episode["agent"]
        assert len(agent.step_usage) == len(episode["replies"])
        assert all(1 <= s["completion_tokens"] <= 6 for s in agent.step_usage)
        assert agent.usage["completion_tokens"] == sum(s["completion_tokens"] for s in agent.step_usage)


def test_prompt_tokens_are_the_templated_prompts_length(factory):
    env = gym.make("Snake-Text-v0")
    observation, info = env.reset(seed=5)
    agent = factory(env, seed=5)
    agent.reset(info["instructions"])
    agent.act(observation)
    tokenizer = factory.backend.tokenizer
    messages = [{"role": "system", "content": info["instructions"]}, {"role": "user", "content": observation}]
    prompt = render_chat_prompt(tokenizer, messages)
    assert prompt.startswith("<|system|>" + info["instructions"]) and prompt.endswith("<|end|><|assistant|>")
    assert agent.usage["prompt_tokens"] == len(tokenizer.encode(prompt, add_special_tokens=False))
    # the second turn carries the first exchange, so its prompt is longer
    agent.act(observation)
    assert agent.step_usage[1]["prompt_tokens"] > agent.step_usage[0]["prompt_tokens"]


def test_greedy_replies_repeat_for_the_same_prompt(factory):
    env = gym.make("Snake-Text-v0")
    observation, info = env.reset(seed=2)
    replies = []
    for _ in range(2):
        agent = factory(env)
        agent.reset(info["instructions"])
        replies.append(agent.act(observation))
    assert replies[0] == replies[1]


def test_close_stops_the_batcher_thread_and_may_be_repeated(tiny_model_path):
    before = set(threading.enumerate())
    factory = agent_factory(f"hf:{tiny_model_path}", device="cpu", temperature=0, max_tokens=2)
    try:
        env = gym.make("Snake-Text-v0")
        observation, info = env.reset(seed=0)
        agent = factory(env)
        agent.reset(info["instructions"])
        agent.act(observation)
        batchers = [t for t in set(threading.enumerate()) - before if t.name.endswith("-batcher")]
        assert len(batchers) == 1 and batchers[0].is_alive()
    finally:
        factory.close()
    assert not batchers[0].is_alive()
    factory.close()


def test_vision_envs_are_refused_by_a_text_only_backend(factory):
    with pytest.raises(ValueError, match="reads text only"):
        factory(gym.make("Snake-Vision-v0"))


def test_a_missing_model_folder_is_named_not_taken_for_a_repo_id(tmp_path):
    with pytest.raises(UsageError, match="the hf: agent's model folder '/no/such/folder' does not exist"):
        agent_factory("hf:/no/such/folder")
    with pytest.raises(UsageError, match="does not exist"):
        agent_factory(f"hf:{tmp_path / 'nothing'}")
    with pytest.raises(UsageError, match="holds no model: it has no config.json"):
        agent_factory(f"hf:{tmp_path}")


def test_bad_options_are_refused(tiny_model_path):
    with pytest.raises(UsageError, match="base_url"):
        agent_factory(f"hf:{tiny_model_path}", base_url="http://x")
    with pytest.raises(ValueError, match="dtype must be one of"):
        agent_factory(f"hf:{tiny_model_path}", dtype="int3")
