"""Native tool calls: the ``openai:`` agent offers an env's tools and turns a call into action text."""

from __future__ import annotations

import gymnasium as gym
import pytest

from palaestra.agents import agent_factory, run_episode
from palaestra.agents.llm.testserver import ScriptedChatServer, script_responder
from palaestra.core import ActionError, TextEnv
from palaestra.core.tools import function_tool, parse_tool_call, tool_call_text

TOOLS = [
    function_tool("lookup", "Look a word up in the dictionary.", {"word": "the word"}),
    function_tool("answer", "Give the final answer and end the episode.", {"text": "the answer"}),
    function_tool("swap", "Swap two letters.", {"first": "a letter", "second": "a letter"}),
]


class Dictionary(TextEnv):
    """Look up 'palaestra', then answer with its meaning. Actions: lookup[word], answer[text]."""

    def _new_episode(self, options):
        self.seen, self.answered = None, None

    def tools(self):
        return TOOLS

    def _parse(self, text):
        call = parse_tool_call(text)
        if call is None or call[0] not in ("lookup", "answer"):
            raise ActionError("use lookup[word] or answer[text]")
        return call

    def _advance(self, action):
        name, argument = action
        if name == "lookup":
            self.seen = "a wrestling school" if argument == "palaestra" else "no entry"
            return 0.0, False
        self.answered = argument
        return float(argument == "a wrestling school"), True

    def _describe(self):
        return f"Dictionary says: {self.seen}" if self.seen else "Ask the dictionary."

    def _instructions(self):
        return "Find what 'palaestra' means: <action>lookup[palaestra]</action>, then answer[meaning]."

    def _state_bytes(self):
        return f"{self.seen}|{self.answered}".encode()

    def _outcome(self):
        return self.answered == "a wrestling school", float(self.answered == "a wrestling school")


def test_tool_calls_map_to_action_text_and_back():
    assert tool_call_text("lookup", {"word": "red shoes"}, TOOLS) == "lookup[red shoes]"
    assert (
        tool_call_text("swap", {"first": "a", "second": "b"}, TOOLS) == 'swap[{"first": "a", "second": "b"}]'
    )
    assert tool_call_text("answer", {}, TOOLS) == "answer[]"
    assert parse_tool_call(" Lookup[red shoes] ") == ("lookup", "red shoes")
    with pytest.raises(ActionError, match="there is no tool 'fly'"):
        tool_call_text("fly", {}, TOOLS)
    with pytest.raises(ActionError, match="lookup takes no argument\\(s\\) 'colour'"):
        tool_call_text("lookup", {"colour": "red"}, TOOLS)


def test_the_openai_agent_plays_with_native_tool_calls():
    script = [
        {"tool_call": {"name": "lookup", "arguments": {"word": "palaestra"}}},
        {"tool_call": {"name": "lookup", "arguments": "{not json"}},  # malformed: an invalid action
        {
            "content": "I know it now.",
            "tool_call": {"name": "answer", "arguments": {"text": "a wrestling school"}},
        },
    ]
    env = Dictionary()
    with ScriptedChatServer(script_responder(script)) as server:
        factory = agent_factory("openai:test-model", base_url=server.base_url, tool_calls=True)
        agent = factory(env)
        steps = []
        observation, info = env.reset(seed=0)
        agent.reset(info["instructions"])
        done = False
        while not done:
            reply = agent.act(observation)
            observation, reward, terminated, truncated, info = env.step(reply)
            steps.append((reply, info["action_valid"]))
            done = terminated or truncated
        factory.close()
    assert steps == [
        ("<action>lookup[palaestra]</action>", True),
        ("[a call of tool 'lookup' that cannot be an action: its arguments are not JSON: {not json]", False),
        ("I know it now.<action>answer[a wrestling school]</action>", True),
    ]
    assert info["success"]
    sent = server.requests
    assert all(request["tools"] == TOOLS for request in sent)
    # The history keeps each call as its action text, so later requests carry no tool messages.
    assistant = [m["content"] for m in sent[-1]["messages"] if m["role"] == "assistant"]
    assert assistant[0] == "<action>lookup[palaestra]</action>"
    assert all(m["role"] in ("system", "user", "assistant") for m in sent[-1]["messages"])


def test_without_tool_calls_no_tools_are_sent():
    env = Dictionary()
    with ScriptedChatServer(script_responder(["<action>answer[a wrestling school]</action>"])) as server:
        factory = agent_factory("openai:test-model", base_url=server.base_url)
        info = run_episode(env, factory(env), seed=0)
        factory.close()
    assert info["success"] and "tools" not in server.requests[0]


def test_tool_calls_must_be_a_boolean():
    with pytest.raises(ValueError, match="tool_calls must be true or false"):
        agent_factory("openai:test-model", base_url="http://127.0.0.1:9/v1", tool_calls="yes")


def test_the_env_declares_its_tools_at_reset():
    _, info = Dictionary().reset(seed=0)
    assert info["tools"] == TOOLS
    assert "tools" not in gym.make("Snake-Text-v0").reset(seed=0)[1]
