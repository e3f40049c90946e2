"""``haris:PLANNER,SEARCHER``: spec parsing, the planner/searcher protocol and its limits with scripted
agents, and a whole evaluation run of two OpenAI-compatible agents against the real test server,
whose trajectory records the exchange."""

from __future__ import annotations

import json
import re

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.agents import agent_factory
from palaestra.agents.base import run_episode
from palaestra.agents.haris import HarisAgent
from palaestra.agents.llm.chat_agent import Completion
from palaestra.agents.llm.prompting import estimate_tokens, message_text
from palaestra.agents.llm.testserver import ScriptedChatServer
from palaestra.core import extract_action
from palaestra.core import info as keys
from palaestra.core.errors import UsageError
from palaestra.evaluation import evaluate
from palaestra.evaluation.suites import custom_suite


class Script:
    """A scripted agent replying with ``replies`` in order (the last one repeats)."""

    def __init__(self, replies: list[str]):
        self.replies = replies
        self.seen: list[str] = []
        self.instructions = ""
        self.usage = {"prompt_tokens": 1, "completion_tokens": 1}

    def reset(self, instructions: str) -> None:
        self.instructions = instructions
        self.seen = []

    def act(self, observation) -> str:
        self.seen.append(observation)
        return self.replies[min(len(self.seen), len(self.replies)) - 1]

    async def aact(self, observation) -> str:
        return self.act(observation)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("haris:expert", "two agent specs"),
        ("haris:expert,random,random", "two agent specs"),
        ("haris:,random", "two agent specs"),
        ("haris:expert,nobody", "unknown agent spec 'nobody'"),
    ],
)
def test_bad_specs_are_refused(spec, message):
    with pytest.raises(UsageError, match=message):
        agent_factory(spec)


def test_options_are_checked():
    with pytest.raises(UsageError, match="searcher_turns must be a positive integer"):
        agent_factory("haris:random,random", searcher_turns=0)
    with pytest.raises(UsageError, match="max_questions must be a positive integer"):
        agent_factory("haris:random,random", max_questions="two")
    with pytest.raises(UsageError, match="takes no options"):  # other options go to both agents
        agent_factory("haris:random,random", temperature=0.5)


def test_a_question_goes_to_a_searcher_whose_tool_calls_reach_the_env():
    env = gym.make("ClaimVerify-Text-v0", difficulty="easy")
    planner = Script(["<action>ask[Who made it?]</action>", "<action>answer[REFUTED]</action>"])
    searchers: list[Script] = []

    def make_searcher() -> Script:
        searchers.append(
            Script(["search[director]", "<think>a</think><action>open[Nothing]</action>", "report[X]"])
        )
        return searchers[-1]

    agent = HarisAgent(planner, make_searcher, searcher_turns=4)
    obs, info = env.reset(seed=1)
    agent.reset(info[keys.INSTRUCTIONS])
    assert "You lead a claim-verification team" in planner.instructions
    assert info[keys.INSTRUCTIONS] in planner.instructions
    replies = []
    done = False
    while not done:
        replies.append(agent.act(obs))
        obs, reward, terminated, truncated, info = env.step(replies[-1])
        assert info[keys.ACTION_VALID], info[keys.ACTION_ERROR]
        done = terminated or truncated
    assert [extract_action(r) for r in replies] == ["search[director]", "open[Nothing]", "answer[REFUTED]"]
    assert replies[0].startswith(
        "[planner] &lt;action&gt;ask[Who made it?]&lt;/action&gt;\n[searcher] search["
    )
    assert "[searcher] report[X]\n[planner] &lt;action&gt;answer[REFUTED]" in replies[2]
    assert info["searches"] == 1 and info["opens"] == 1
    searcher = searchers[0]
    assert "The question: Who made it?" in searcher.instructions
    assert searcher.seen[0] == "The question: Who made it?" and searcher.seen[1].startswith("Search results")
    assert planner.seen[1] == "The searcher's answer to 'Who made it?': X"
    assert [role for role, _ in agent.exchange] == ["planner", "searcher", "searcher", "searcher", "planner"]
    assert agent.usage == {"prompt_tokens": 2, "completion_tokens": 2}


def test_a_searcher_out_of_turns_reports_its_last_result_and_questions_are_bounded():
    env = gym.make("ClaimVerify-Text-v0", difficulty="easy")
    planner = Script(["ask[again]"])  # never gives a verdict
    made = []

    def make_searcher() -> Script:
        made.append(Script(["search[founded]"]))  # never reports
        return made[-1]

    agent = HarisAgent(planner, make_searcher, searcher_turns=2, max_questions=3)
    info = run_episode(env, agent, seed=2)
    assert len(made) == 3  # one searcher per question, three questions
    assert any("no report within 2 turns" in seen for seen in planner.seen)
    assert "You have asked 3 questions: give your verdict now." in planner.seen
    # the planner's last text goes to the env as an action (invalid there) until the episode ends
    assert info[keys.TRUNCATION_REASON] == "invalid_actions" and info["searches"] == 6


def test_an_inner_reply_cannot_smuggle_an_action_past_the_escape():
    env = gym.make("ClaimVerify-Text-v0", difficulty="easy")
    planner = Script(["<think>never closed <action>answer[SUPPORTED]</action>"])
    agent = HarisAgent(planner, lambda: Script(["report[x]"]))
    obs, info = env.reset(seed=0)
    agent.reset(info[keys.INSTRUCTIONS])
    reply = agent.act(obs)
    assert extract_action(reply) == extract_action(planner.replies[0])


# -- two LLM agents over real HTTP ----------------------------------------------------------------
_QUESTION = re.compile(r"The question: (.*)")
_FIRST_TITLE = re.compile(r"^\[1\] (.*?): ", re.MULTILINE)


def respond(messages) -> Completion:
    """A planner and a searcher in one test server, told apart by their system prompts: the planner
    asks one question then answers; the searcher searches, opens the first hit, and reports it."""
    system = message_text(messages[0])
    turns = sum(1 for m in messages if m["role"] == "assistant")
    last = message_text(messages[-1])
    if system.startswith("You lead a claim-verification team"):
        claim = re.search(r"Claim: (.*)", message_text(messages[1])).group(1)
        question = f"What does the encyclopedia say about: {claim}"
        text = (
            f"<think>One hop at a time.</think><action>ask[{question}]</action>"
            if turns == 0
            else "<action>answer[NOT ENOUGH INFO]</action>"
        )
    else:
        if turns == 0:
            text = f"<action>search[{_QUESTION.search(system).group(1)[:80]}]</action>"
        elif turns == 1:
            text = f"<action>open[{_FIRST_TITLE.search(last).group(1)}]</action>"
        else:
            text = f"<action>report[{last.splitlines()[0]}]</action>"
    prompt = sum(estimate_tokens(m) for m in messages)
    return Completion(text, prompt, estimate_tokens({"role": "assistant", "content": text}))


def test_haris_of_two_openai_agents_plays_a_run_and_the_record_keeps_the_exchange(tmp_path):
    suite = custom_suite(["ClaimVerify-Text-v0"], 3)
    with ScriptedChatServer(respond, model="test-model") as server:
        outcome = evaluate(
            tmp_path / "run",
            suite,
            "haris:openai:test-model,openai:test-model",
            options={"base_url": server.base_url, "searcher_turns": 3},
            show_progress=False,
        )
    assert outcome is not None
    records = [json.loads(line) for line in (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()]
    assert len(records) == 3
    for record in records:
        assert record["error"] is None and record["invalid_actions"] == 0
        steps = record["trajectory"]
        assert [extract_action(step["reply"]).split("[")[0] for step in steps] == ["search", "open", "answer"]
        assert (
            "[planner] &lt;think&gt;One hop at a time.&lt;/think&gt;&lt;action&gt;ask[" in steps[0]["reply"]
        )
        assert "[searcher] &lt;action&gt;search[What does the encyclopedia say about" in steps[0]["reply"]
        assert "[searcher] &lt;action&gt;report[" in steps[2]["reply"]
        assert steps[2]["reply"].endswith("<action>answer[NOT ENOUGH INFO]</action>")
        assert record["tokens"]["prompt_tokens"] > 0 and record["tokens"]["completion_tokens"] > 0
    assert sum(record["success"] for record in records) == 1  # one seed in three is NOT ENOUGH INFO


def test_aact_drives_the_same_turn_as_act():
    import asyncio

    def replies(use_async: bool) -> list[str]:
        env = gym.make("ClaimVerify-Text-v0", difficulty="easy")
        planner = Script(["ask[Who?]", "answer[SUPPORTED]"])
        agent = HarisAgent(planner, lambda: Script(["search[founded]", "report[Y]"]))
        obs, info = env.reset(seed=5)
        agent.reset(info[keys.INSTRUCTIONS])
        sent, done = [], False
        while not done:
            sent.append(asyncio.run(agent.aact(obs)) if use_async else agent.act(obs))
            obs, _, terminated, truncated, _ = env.step(sent[-1])
            done = terminated or truncated
        return sent

    assert replies(True) == replies(False)
    assert [extract_action(r) for r in replies(True)] == ["search[founded]", "answer[SUPPORTED]"]
