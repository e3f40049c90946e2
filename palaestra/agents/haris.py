"""``haris:PLANNER,SEARCHER``: a hierarchical agent in the spirit of HARIS (arXiv 2506.07528).

Two agents, given as any two agent specs, play one env together. The *planner* keeps the
verification chain: it sees the task and the claim, and replies either ``ask[sub-question]`` or the
env action that ends the task (``answer[LABEL]``). Each question goes to a fresh *searcher*, which
answers it with the env's tools (``search[...]``, ``open[...]``) in at most ``searcher_turns``
turns, then replies ``report[what it found]``; the report is the planner's next observation.

To the env this is one agent: each of its replies is the searcher's tool call (or the planner's
verdict), preceded by the exchange since the last env step, with tags escaped, so the episode's
trajectory records the whole conversation::

    [planner] ask[Who directed the film The Silent Harbour?]
    [searcher] search[The Silent Harbour directed]
    <action>search[The Silent Harbour directed]</action>

``agent.exchange`` keeps the same conversation as ``(role, text)`` pairs. Options: ``searcher_turns``
(default 4) and ``max_questions`` (default 8); every other option goes to both agents' builders.
"""

from __future__ import annotations

import html
from collections.abc import Generator
from typing import Any

import gymnasium as gym

from palaestra.agents.base import Agent
from palaestra.core import extract_action
from palaestra.core.errors import UsageError
from palaestra.core.tools import parse_tool_call

Turn = Generator[
    tuple[Agent, str], str, str
]  # yields (agent, observation), gets its reply, returns the env's

PLANNER_RULES = (
    "You lead a claim-verification team. You keep the chain of reasoning; a searcher with a search "
    "engine answers your questions. Break the claim into sub-questions, one hop at a time.\n"
    "Reply with one of:\n"
    "  ask[a sub-question]   the searcher looks it up and reports back\n"
    "  answer[LABEL]         your verdict, which ends the task\n"
    "You may ask {questions} questions. Example reply: <action>ask[Who founded the company?]</action>\n\n"
    "The task, as the environment states it (the searcher uses its search tools for you):\n{task}"
)
SEARCHER_RULES = (
    "You answer one question for a fact-checker, using a search engine. Tools, one per reply:\n"
    "  search[words]      the best-matching passages, with their titles\n"
    "  open[exact title]  a whole entry\n"
    "  report[answer]     your answer, with the evidence, which ends your turn\n"
    "You have {turns} searches or opens; say so in the report if the sources do not answer. "
    "Example reply: <action>search[Silent Harbour director]</action>\n\nThe question: {question}"
)


class HarisAgent:
    """A planner and a searcher playing one env as one agent (see the module docstring)."""

    def __init__(
        self,
        planner: Agent,
        make_searcher,
        *,
        searcher_turns: int = 4,
        max_questions: int = 8,
        name: str = "haris",
    ):
        self.planner = planner
        self.make_searcher = make_searcher  # () -> a fresh searcher agent
        self.searcher_turns = searcher_turns
        self.max_questions = max_questions
        self.name = name
        self.exchange: list[tuple[str, str]] = []
        self._searcher: Agent | None = None
        self._question = ""
        self._turns = 0
        self._questions = 0
        self._subtotals: dict[str, int] = {}

    @property
    def usage(self) -> dict[str, int]:
        """Token counts of both agents (every searcher of the episode included)."""
        total = dict(self._subtotals)
        for agent in (self.planner, self._searcher):
            for key, value in (getattr(agent, "usage", None) or {}).items():
                total[key] = total.get(key, 0) + int(value)
        return total

    def reset(self, instructions: str) -> None:
        self.exchange = []
        self._searcher = None
        self._questions = 0
        self._subtotals = {}
        self.planner.reset(PLANNER_RULES.format(questions=self.max_questions, task=instructions))

    def act(self, observation: Any) -> str:
        turn, reply = self._turn(observation), None
        while True:
            try:
                agent, seen = turn.send(reply)
            except StopIteration as done:
                return done.value
            reply = agent.act(seen)

    async def aact(self, observation: Any) -> str:
        """``act`` for asyncio callers: the inner agents' replies are awaited, never blocking the loop."""
        turn, reply = self._turn(observation), None
        while True:
            try:
                agent, seen = turn.send(reply)
            except StopIteration as done:
                return done.value
            reply = await agent.aact(seen)

    # -- the two roles: generators that yield (agent, observation) and receive its reply -----------
    def _turn(self, observation: Any) -> Turn:
        text = observation["text"] if isinstance(observation, dict) else str(observation)
        said: list[tuple[str, str]] = []
        if self._searcher is None:
            return (yield from self._plan(text, said))
        return (yield from self._search(text, said))

    def _plan(self, observation: str, said: list[tuple[str, str]]) -> Turn:
        """The planner's turn: a question starts a searcher, anything else goes to the env."""
        for _ in range(self.max_questions + 1):
            reply = yield self.planner, observation
            said.append(("planner", reply))
            action = extract_action(reply)
            call = parse_tool_call(action)
            if call is None or call[0] != "ask":
                return self._send(said, action)
            if self._questions >= self.max_questions:
                observation = f"You have asked {self.max_questions} questions: give your verdict now."
                continue
            self._questions += 1
            self._question = call[1].strip()
            self._start_searcher()
            return (yield from self._search(f"The question: {self._question}", said))
        return self._send(said, action)  # the planner kept asking: its text goes to the env as is

    def _start_searcher(self) -> None:
        self._searcher = self.make_searcher()
        self._searcher.reset(SEARCHER_RULES.format(turns=self.searcher_turns, question=self._question))
        self._turns = 0

    def _search(self, observation: str, said: list[tuple[str, str]]) -> Turn:
        """The searcher's turn: a tool call goes to the env; a report (or running out of turns)
        goes back to the planner."""
        if self._turns >= self.searcher_turns:
            report = f"(no report within {self.searcher_turns} turns; the last result was:)\n{observation}"
        else:
            reply = yield self._searcher, observation
            said.append(("searcher", reply))
            action = extract_action(reply)
            call = parse_tool_call(action)
            if call is None or call[0] != "report":
                self._turns += 1
                return self._send(said, action)
            report = call[1].strip()
        self._finish_searcher()
        return (yield from self._plan(f"The searcher's answer to {self._question!r}: {report}", said))

    def _finish_searcher(self) -> None:
        """Keep the searcher's token counts, then let it go: the next question gets a fresh one."""
        for key, value in (getattr(self._searcher, "usage", None) or {}).items():
            self._subtotals[key] = self._subtotals.get(key, 0) + int(value)
        self._searcher = None

    def _send(self, said: list[tuple[str, str]], action: str) -> str:
        """The reply to the env: the exchange (tags escaped: only the last block is an action), the action."""
        self.exchange.extend(said)
        lines = [f"[{role}] {html.escape(text, quote=False)}" for role, text in said]
        reply = "\n".join(lines + [f"<action>{action}</action>"])
        return reply if extract_action(reply) == action else action


class HarisFactory:
    """``factory(env, seed=...)``: a ``HarisAgent`` of the two specs' agents."""

    def __init__(self, planner, searcher, spec: str, searcher_turns: int, max_questions: int):
        self.planner, self.searcher = planner, searcher
        self.spec = spec
        self.searcher_turns, self.max_questions = searcher_turns, max_questions

    def __call__(self, env: gym.Env, seed: int | None = None) -> HarisAgent:
        searchers = iter(range(1 << 30))

        def make_searcher() -> Agent:  # each question's searcher has its own seed
            index = next(searchers)
            return self.searcher(env, seed=None if seed is None else seed * 1000 + index + 1)

        return HarisAgent(
            self.planner(env, seed=seed),
            make_searcher,
            searcher_turns=self.searcher_turns,
            max_questions=self.max_questions,
            name=self.spec,
        )

    def preflight(self) -> None:
        for factory in (self.planner, self.searcher):
            check = getattr(factory, "preflight", None)
            if check is not None:
                check()

    def close(self) -> None:
        for factory in (self.planner, self.searcher):
            close = getattr(factory, "close", None)
            if close is not None:
                close()


def build(argument: str, **options: Any) -> HarisFactory:
    """The ``haris:PLANNER,SEARCHER`` builder for ``agent_factory``."""
    from palaestra.agents.registry import agent_factory  # the registry registers this builder

    parts = [part.strip() for part in argument.split(",")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"haris takes two agent specs, 'haris:PLANNER,SEARCHER'; got 'haris:{argument}'")
    turns = _count(options.pop("searcher_turns", 4), "searcher_turns")
    questions = _count(options.pop("max_questions", 8), "max_questions")
    planner = agent_factory(parts[0], **options)
    try:
        searcher = agent_factory(parts[1], **options)
    except BaseException:
        close = getattr(planner, "close", None)
        if close is not None:
            close()
        raise
    return HarisFactory(planner, searcher, f"haris:{argument}", turns, questions)


def _count(value: Any, name: str) -> int:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = 0
    if count < 1 or str(value).strip() != str(count):
        raise UsageError(f"{name} must be a positive integer, got {value!r}")
    return count
