"""``openai:MODEL`` against the OpenAI-compatible test server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time
from contextlib import closing

import gymnasium as gym
import numpy as np
import openai  # noqa: F401  (the llm extra is installed for tests: a broken install fails here)
import pytest
from conftest import play_episode
from PIL import Image

from palaestra.agents import AgentError, agent_factory
from palaestra.agents.llm.chat_agent import Completion
from palaestra.agents.llm.testserver import ScriptedChatServer
from palaestra.core.errors import UsageError

FAST = {"request_timeout": 0.5, "max_retries": 2, "retry_backoff": 0.01}


@pytest.fixture
def server():
    with ScriptedChatServer(model="test-model") as running:
        yield running


def factory_for(server, **options):
    return agent_factory("openai:test-model", base_url=server.base_url, **{**FAST, **options})


def counting_responder(messages):
    """Left, with usage figures that say where they came from: 100 per message sent, 7 per reply."""
    return Completion("<action>left</action>", 100 * len(messages), 7)


def test_plays_a_text_episode_to_its_end():
    with ScriptedChatServer(counting_responder, model="test-model") as server:
        sampling = {"temperature": 0.0, "max_tokens": 16, "stop": ["</action>x"], "sampling_seed": 7}
        with closing(factory_for(server, **sampling)) as factory:
            episode = asyncio.run(play_episode(factory, "Snake-Text-v0", seed=3))
    infos, replies, agent = episode["infos"], episode["replies"], episode["agent"]
    assert episode["terminated"] and not infos[-1]["alive"]  # the scripted "left" runs into a wall
    assert replies == ["<action>left</action>"] * len(replies)
    assert len(server.requests) == len(replies)
    first = server.requests[0]
    assert first["model"] == "test-model"
    sampling = (first["temperature"], first["max_tokens"], first["stop"], first["seed"])
    assert sampling == (0.0, 16, ["</action>x"], 7)
    assert first["messages"] == [
        {"role": "system", "content": infos[0]["instructions"]},
        {"role": "user", "content": episode["observations"][0]},
    ]
    last = server.requests[-1]["messages"]
    assert [m["role"] for m in last] == ["system"] + ["user", "assistant"] * (len(replies) - 1) + ["user"]
    assert last[-2] == {"role": "assistant", "content": replies[-2]}
    # usage: what the server reported, step by step, and its totals
    reported = [{"prompt_tokens": 100 * len(r["messages"]), "completion_tokens": 7} for r in server.requests]
    assert agent.step_usage == reported
    assert agent.usage == {
        "prompt_tokens": sum(r["prompt_tokens"] for r in reported),
        "completion_tokens": 7 * len(replies),
    }


def test_plays_a_vision_episode_with_png_image_parts(server):
    with closing(factory_for(server)) as factory:
        episode = asyncio.run(play_episode(factory, "Snake-Vision-v0", seed=1))
    assert episode["terminated"]
    for request, observation in zip(server.requests, episode["observations"]):
        text_part, image_part = request["messages"][-1]["content"]
        assert text_part == {"type": "text", "text": observation["text"]}
        header, data = image_part["image_url"]["url"].split(",", 1)
        assert header == "data:image/png;base64"
        png = base64.b64decode(data, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), observation["image"])


def test_sync_act_and_the_api_key_from_its_env_var(server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-test-123")
    with closing(factory_for(server, api_key_env="MY_KEY")) as factory:
        env = gym.make("Snake-Text-v0")
        observation, info = env.reset(seed=0)
        agent = factory(env, seed=0)
        agent.reset(info["instructions"])
        assert agent.act(observation) == "<action>left</action>"
        assert agent.act(observation) == "<action>left</action>"
    assert [h["authorization"] for h in server.request_headers] == ["Bearer sk-test-123"] * 2


def test_without_a_key_it_sends_EMPTY(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with closing(factory_for(server)) as factory:
        env = gym.make("Snake-Text-v0")
        _, info = env.reset(seed=0)
        agent = factory(env)
        agent.reset(info["instructions"])
        agent.act("obs")
    assert server.request_headers[0]["authorization"] == "Bearer EMPTY"


def test_concurrent_episodes_overlap_on_one_client():
    with (
        ScriptedChatServer(latency=0.2) as server,
        closing(factory_for(server, request_timeout=5)) as factory,
    ):

        async def four():
            episodes = (play_episode(factory, "Snake-Text-v0", seed=s) for s in range(4))
            return await asyncio.gather(*episodes)

        start = time.perf_counter()
        episodes = asyncio.run(four())
        elapsed = time.perf_counter() - start
    steps = sum(len(e["replies"]) for e in episodes)
    longest = max(len(e["replies"]) for e in episodes)
    assert steps == len(server.requests) and steps > longest
    assert elapsed < 0.2 * steps * 0.75  # sequential requests would take 0.2 s each


@pytest.mark.parametrize("fault", ["500", "503", "429", "hang", "malformed", "empty", "502x2"])
def test_transient_faults_are_retried(fault):
    with ScriptedChatServer(faults=fault) as server, closing(factory_for(server)) as factory:
        episode = asyncio.run(play_episode(factory, "Snake-Text-v0", seed=3))
    retries = 2 if fault == "502x2" else 1
    assert episode["terminated"]
    assert len(server.requests) == len(episode["replies"]) + retries
    assert server.requests[0] == server.requests[retries]  # a retry resends the same conversation


@pytest.mark.parametrize(
    "fault, message, attempts",
    [
        ("500*", "HTTP 500: injected fault 500; gave up after 3 attempt", 3),
        ("429*", "HTTP 429", 3),
        ("hang*", "no reply within the 0.5 s request timeout; gave up after 3", 3),
        ("malformed*", "malformed reply", 3),
        ("empty*", "malformed reply (the reply has no choices)", 3),
        ("400", "HTTP 400: injected fault 400", 1),
        ("401", "HTTP 401", 1),
        ("404", "HTTP 404", 1),
    ],
)
def test_persistent_faults_end_in_a_clear_agent_error(fault, message, attempts):
    with ScriptedChatServer(faults=fault) as server, closing(factory_for(server)) as factory:
        start = time.perf_counter()
        with pytest.raises(AgentError, match="openai:test-model at http://127.0.0.1") as err:
            asyncio.run(play_episode(factory, "Snake-Text-v0", seed=0))
    assert message in str(err.value)
    assert len(server.requests) == attempts
    assert time.perf_counter() - start < 3 * 0.5 + 1.5  # bounded by timeouts and backoff, never a hang


def test_an_unreachable_server_is_a_connection_error():
    with ScriptedChatServer() as server:
        base_url = server.base_url
    with closing(agent_factory("openai:test-model", base_url=base_url, **FAST)) as factory:
        env = gym.make("Snake-Text-v0")
        _, info = env.reset(seed=0)
        agent = factory(env)
        agent.reset(info["instructions"])
        with pytest.raises(AgentError, match="connection failed"):
            agent.act("obs")


def test_preflight_asks_the_endpoint_for_its_models(server):
    with closing(factory_for(server)) as factory:
        factory.preflight()
    with closing(agent_factory("openai:other", base_url=server.base_url, **FAST)) as factory:
        with pytest.raises(UsageError, match="does not serve 'other'; it serves test-model"):
            factory.preflight()
    with ScriptedChatServer() as stopped:
        base_url = stopped.base_url
    with closing(agent_factory("openai:test-model", base_url=base_url, **FAST)) as factory:
        with pytest.raises(UsageError, match=f"openai:test-model at {base_url} does not answer"):
            factory.preflight()
    assert [body for body in server.requests if body.get("messages")] == []  # no chat request was sent


def test_a_base_url_that_is_not_a_url_is_refused():
    with pytest.raises(UsageError, match="base_url must be an http.s. URL .*, got 'notaurl'"):
        agent_factory("openai:m", base_url="notaurl")


def test_close_stops_the_client_loop_thread_and_may_be_repeated(server):
    before = set(threading.enumerate())
    factory = factory_for(server)
    try:
        env = gym.make("Snake-Text-v0")
        _, info = env.reset(seed=0)
        agent = factory(env)
        agent.reset(info["instructions"])
        agent.act("obs")
        loops = [t for t in set(threading.enumerate()) - before if t.name == "openai-test-model"]
        assert len(loops) == 1 and loops[0].is_alive()
    finally:
        factory.close()
    assert not loops[0].is_alive()
    factory.close()


def test_unknown_options_and_a_missing_model_are_refused(server):
    with pytest.raises(UsageError, match="does not take option.*device"):
        agent_factory("openai:m", base_url=server.base_url, device="cpu")
    with pytest.raises(ValueError, match="model name"):
        agent_factory("openai:", base_url=server.base_url)
