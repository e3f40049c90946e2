"""The OpenAI-compatible test server: routes, scripted replies, usage, fault plans, the command line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import closing

import pytest
from conftest import play_episode

import palaestra
from palaestra.agents import agent_factory
from palaestra.agents.llm.testserver import (
    FaultPlan,
    ScriptedChatServer,
    action_example_responder,
    load_responder,
    script_responder,
)


def post(url: str, payload: object, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


CHAT = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "Say <action>jump</action>."},
        {"role": "user", "content": "go"},
    ],
}


def test_models_route_lists_the_model():
    with ScriptedChatServer(model="tiny") as server:
        with urllib.request.urlopen(server.base_url + "/models", timeout=5) as response:
            listing = json.load(response)
    assert [m["id"] for m in listing["data"]] == ["tiny"]


def test_chat_completion_has_the_scripted_reply_and_usage():
    with ScriptedChatServer(script_responder(["one", "two"])) as server:
        replies = []
        for _ in range(3):
            status, body = post(server.base_url + "/chat/completions", CHAT)
            assert status == 200
            reply = json.loads(body)
            replies.append(reply["choices"][0]["message"]["content"])
            usage = reply["usage"]
            assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
            assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert replies == ["one", "two", "one"]
    assert server.requests == [CHAT] * 3


def test_action_example_rule_answers_with_the_system_prompts_example():
    assert action_example_responder(CHAT["messages"]).text == "<action>jump</action>"


# The ids where any well-formed reply stays legal all game, so the rule's one fixed reply does too.
# Elsewhere a fixed move is in time refused for the state, never the form: 2048's move comes to
# change nothing, Sokoban's meets a wall, Minesweeper's names a revealed cell.
ALWAYS_LEGAL = ("Snake", "SnakeDecision", "Rotation", "Tetris")


@pytest.mark.parametrize("env_id", [entry.id for entry in palaestra.registered_envs("arcade")])
def test_the_action_example_rule_plays_every_arcade_id_to_its_end(env_id):
    with ScriptedChatServer() as server:
        with closing(agent_factory("openai:test-model", base_url=server.base_url)) as factory:
            episode = asyncio.run(play_episode(factory, env_id, seed=4))
    replies, valid = episode["replies"], [info["action_valid"] for info in episode["infos"][1:]]
    assert episode["terminated"] or episode["truncated"]
    assert len(set(replies)) == 1 and replies[0].startswith("<action>")
    # Accepted at first, so well formed (on seed 4 every game's example is legal at the start; on
    # seed 0 a wall blocks Sokoban's "left").
    assert valid[0], episode["infos"][1]["action_error"]
    if env_id.split("-")[0] in ALWAYS_LEGAL:
        assert all(valid)


@pytest.mark.parametrize(
    "payload, status",
    [({"model": "m"}, 400), ({"model": "m", "messages": []}, 400), ({**CHAT, "stream": True}, 400)],
)
def test_bad_requests_get_400(payload, status):
    with ScriptedChatServer() as server:
        assert post(server.base_url + "/chat/completions", payload)[0] == status
        assert post(server.base_url + "/completions", CHAT)[0] == 404


def test_faults_come_in_order_then_normal_service():
    with ScriptedChatServer(faults="429,500x2,malformed,empty") as server:
        outcomes = [post(server.base_url + "/chat/completions", CHAT) for _ in range(6)]
    assert [status for status, _ in outcomes] == [429, 500, 500, 200, 200, 200]
    with pytest.raises(json.JSONDecodeError):
        json.loads(outcomes[3][1])
    assert json.loads(outcomes[4][1])["choices"] == []
    assert json.loads(outcomes[5][1])["choices"][0]["message"]["content"] == "<action>jump</action>"


def test_a_hang_outlasts_the_client_timeout_and_ends_with_the_server():
    with ScriptedChatServer(faults="hang") as server:
        with pytest.raises(TimeoutError):
            post(server.base_url + "/chat/completions", CHAT, timeout=0.3)
        assert post(server.base_url + "/chat/completions", CHAT)[0] == 200


def test_fault_plan_parsing():
    plan = FaultPlan.parse("429, 500x2,hang*")
    assert plan.steps == [(429, 1), (500, 2), ("hang", None)]
    faults = iter(plan)
    assert [next(faults) for _ in range(6)] == [429, 500, 500, "hang", "hang", "hang"]
    assert list(FaultPlan.parse("")) == []
    for bad, error in [("boom", "unknown fault"), ("200", "not an HTTP error"), ("500x0", "repeat count")]:
        with pytest.raises(ValueError, match=error):
            FaultPlan.parse(bad)


def test_scripts_load_from_json(tmp_path):
    path = tmp_path / "script.json"
    path.write_text('["a", "b"]')
    assert load_responder(path)(CHAT["messages"]).text == "a"
    path.write_text('{"rule": "action_example"}')
    assert load_responder(path) is action_example_responder
    path.write_text('{"rule": "guess"}')
    with pytest.raises(ValueError, match="action_example"):
        load_responder(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="a script reply must be a string or"):
        load_responder(path)


def test_command_line_serves_until_stopped(tmp_path):
    script = tmp_path / "script.json"
    script.write_text('["<action>up</action>"]')
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from palaestra.cli import main; main()",
            "serve-test-llm",
            "--port",
            "0",
            "--script",
            str(script),
            "--faults",
            "503",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert post(base_url + "/chat/completions", CHAT)[0] == 503
        status, body = post(base_url + "/chat/completions", CHAT)
        assert status == 200 and json.loads(body)["choices"][0]["message"]["content"] == "<action>up</action>"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_tiny_local_model_can_serve_the_replies(tiny_model_path):
    from transformers import AutoTokenizer

    from palaestra.agents.llm.testserver import ModelResponder

    before = set(threading.enumerate())
    with ScriptedChatServer(ModelResponder(str(tiny_model_path), max_tokens=5)) as server:
        status, body = post(server.base_url + "/chat/completions", CHAT)
        batchers = [t for t in set(threading.enumerate()) - before if t.name.endswith("-batcher")]
    assert len(batchers) == 1
    assert not batchers[0].is_alive()  # stopping the server closed the model's backend
    assert status == 200
    reply = json.loads(body)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_path)
    prompt = tokenizer.apply_chat_template(CHAT["messages"], tokenize=False, add_generation_prompt=True)
    assert reply["usage"]["prompt_tokens"] == len(tokenizer.encode(prompt, add_special_tokens=False))
    assert 1 <= reply["usage"]["completion_tokens"] <= 5
    assert isinstance(reply["choices"][0]["message"]["content"], str)
