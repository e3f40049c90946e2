"""``CodeTaskEnv``: the base of the medical family's code-as-action envs (MedAgentGym's way of working).

An episode is one task: a question, files in a sandboxed work directory (a patient note, an EHR
SQLite database) and a grader. The agent runs Python cells in a persistent sandboxed interpreter
(``palaestra.sandboxes.PythonSession``), reads their output, and ends the episode with its answer::

    run_python[import sqlite3; print(sqlite3.connect("ehr.db").execute("select 1").fetchall())]
    answer[42]

A family writes ``_new_task(options) -> CodeTask``; the base does the tools, the session, the turn
budget, the clipping of cell output and the grading.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from palaestra.core import ActionError, TextEnv, quote
from palaestra.core.env import clip_text
from palaestra.core.tools import function_tool, parse_tool_call
from palaestra.envs.medical import MAX_TURNS
from palaestra.sandboxes import PythonSession, RunResult

RUN_PYTHON = "run_python"
ANSWER = "answer"
_FENCE = re.compile(r"\A\s*```[A-Za-z0-9_+-]*[ \t]*\n(.*?)\n?```\s*\Z", re.DOTALL)


@dataclass(frozen=True)
class TaskTool:
    """A family's own tool (an EHR database's ``schema``, say): its schema and what a call shows.

    ``call`` takes the argument text of ``name[argument]`` (empty for ``name[]``) and returns the
    observation text. A call is a turn; an argument the tool cannot use is answered in that text, as
    a failing cell is, and an exception it raises is a world failure. A tool whose schema has no
    parameters takes only ``name[]``.
    """

    schema: dict[str, Any]
    call: Callable[[str], str]

    @property
    def name(self) -> str:
        return self.schema["function"]["name"]


@dataclass(frozen=True)
class CodeTask:
    """One episode's task.

    Args:
        key: the task's identity (a generator's seed and settings, a data set's row), hashed into
            ``state_key``.
        question: what the agent must answer, shown at reset.
        grade: answer text -> score in [0, 1]; 1 is a success. It may run code (a sandbox): an
            exception there is a world failure, not the agent's.
        context: text shown before the question (a patient note).
        files: relative path -> text or bytes, the work directory the cells start in.
        rules: the family's own rules for the instructions (what the answer must look like).
        example_code: a cell shown in the instructions' example.
        expert_answer: what an expert answers, where the family has a one-step expert.
        tools: the family's own tools, besides ``run_python`` and ``answer``.
    """

    key: str
    question: str
    grade: Callable[[str], float]
    context: str = ""
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    rules: str = ""
    example_code: str = "print(1 + 1)"
    expert_answer: str | None = None
    tools: tuple[TaskTool, ...] = ()


def cell_text(result: RunResult, limit: int) -> str:
    """What a cell showed (stdout, then stderr, then how it ended), clipped to ``limit`` characters."""
    parts = [result.stdout.rstrip("\n")] if result.stdout.strip() else []
    if result.stderr.strip():
        parts.append(result.stderr.rstrip("\n"))
    if result.timed_out:
        parts.append("[the cell ran past its time limit and was stopped]")
    elif result.exit_code is None or result.killed:
        parts.append("[the interpreter was killed]")
    elif result.exit_code not in (0, 1):
        parts.append(f"[the interpreter exited with code {result.exit_code}]")
    text = "\n".join(parts) if parts else "[no output]"
    return clip_text(text, limit)


class CodeTaskEnv(TextEnv):
    """Code as action: Python cells in a sandboxed session, then ``answer[...]``, graded by the task.

    Spaces: text action and observation (the contract's bounds). Actions: ``run_python[code]`` (the
    code may sit in a Markdown fence), ``answer[text]``, and the task's own tools (``name[argument]``,
    ``name[]`` without one), also as native tool calls (``info["tools"]``). Anything else is an
    invalid action. Observation: at reset the context and the question; after a cell its output
    (stdout, stderr, at most ``output_limit`` characters, start and end kept); after an answer
    whether it was right. Reward: the answer's score (0 or 1, a fraction where the task grades so)
    on the step that answers, which ends the episode; else 0. A crashing or timed-out cell is a valid
    step (the interpreter restarts; its state is lost). After ``max_turns`` steps without an answer
    the episode is truncated (``truncation_reason = "turn_limit"``), score 0.

    Args:
        max_turns: the turn budget (15 in MedAgentGym).
        backend: the sandbox backend (``None``: the strongest available).
        cell_timeout: seconds a cell may run (at most ``step_timeout``).
        memory_mb: the sandbox's memory limit.
        output_limit: characters of a cell's output shown.
    """

    default_cell_timeout = 10.0
    default_output_limit = 4000

    def __init__(
        self,
        *,
        max_turns: int = MAX_TURNS,
        backend: str | None = None,
        cell_timeout: float | None = None,
        memory_mb: int = 1024,
        output_limit: int | None = None,
        **base: Any,
    ):
        super().__init__(**base)
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self.max_turns = int(max_turns)
        self.backend = backend
        cell_timeout = self.default_cell_timeout if cell_timeout is None else float(cell_timeout)
        if not cell_timeout > 0:
            raise ValueError(f"cell_timeout must be positive, got {cell_timeout}")
        self.cell_timeout = min(cell_timeout, self.step_timeout)
        if memory_mb < 128:  # the sandbox's own floor, checked here so that no episode fails on it
            raise ValueError(f"memory_mb must be at least 128, got {memory_mb}")
        self.memory_mb = int(memory_mb)
        self.output_limit = self.default_output_limit if output_limit is None else int(output_limit)
        if self.output_limit < 200:
            raise ValueError(f"output_limit must be at least 200 characters, got {self.output_limit}")
        self.task: CodeTask | None = None
        self.answer: str | None = None  # the agent's answer, once given
        self.score = 0.0
        self._said = ""
        self._history = b""  # digest of what happened this episode (cells and their outputs)

    # -- the family's part --------------------------------------------------------------------
    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        """The episode's task, drawn from ``self.np_random`` (or picked by ``self.task_id``)."""
        raise NotImplementedError

    # -- the session --------------------------------------------------------------------------
    def session(self) -> PythonSession:
        """The episode's interpreter, started at first use with the task's files (closed at reset)."""
        task = self.task
        return self.resource(
            "python",
            lambda: PythonSession(
                self.backend, timeout=self.cell_timeout, memory_mb=self.memory_mb, files=task.files
            ),
            per_episode=True,
        )

    # -- TextEnv ------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.task = self._new_task(options)
        self.answer = None
        self.score = 0.0
        self._history = hashlib.blake2b(
            self.task.key.encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
        self._said = self._opening()

    def tools(self) -> list[dict[str, Any]]:
        return [
            function_tool(RUN_PYTHON, self._run_python_description(), {"code": "Python source of the cell"}),
            function_tool(ANSWER, "Give the final answer; this ends the episode.", {"answer": "the answer"}),
            *(tool.schema for tool in (self.task.tools if self.task is not None else ())),
        ]

    def _parse(self, text: str) -> tuple[str, str]:
        call = parse_tool_call(text)
        names = [RUN_PYTHON, ANSWER, *(tool.name for tool in self.task.tools)]
        if call is None or call[0] not in names:
            raise ActionError(
                f"{quote(text)} is not an action; write one of {', '.join(f'{n}[...]' for n in names)}, "
                f"for example {RUN_PYTHON}[print(2 + 2)] or {ANSWER}[4]"
            )
        name, argument = call
        if name == RUN_PYTHON:
            fenced = _FENCE.match(argument)
            argument = fenced.group(1) if fenced else argument
            if not argument.strip():
                raise ActionError(f"{RUN_PYTHON}[...] needs code between the brackets")
        elif name == ANSWER:
            argument = argument.strip()
            if not argument:
                raise ActionError(f"{ANSWER}[...] needs the answer between the brackets")
        elif argument.strip() and not self._tool(name).schema["function"]["parameters"].get("properties"):
            raise ActionError(f"{name} takes no argument: write {name}[]")
        return name, argument

    def _advance(self, action: tuple[str, str]) -> tuple[float, bool]:
        name, argument = action
        if name == ANSWER:
            self.answer = argument
            self.score = min(1.0, max(0.0, float(self.task.grade(argument))))
            verdict = "correct" if self.score >= 1.0 else "partly correct" if self.score > 0 else "incorrect"
            self._said = f"Your answer: {argument}\nIt is {verdict} (score {self.score:g})."
            self._record(name, argument, verdict)
            return self.score, True
        if name == RUN_PYTHON:
            shown = cell_text(self.session().run(argument), self.output_limit)
        else:
            shown = clip_text(self._tool(name).call(argument), self.output_limit)
        self._record(name, argument, shown)
        left = self.max_turns - self.turn
        self._said = f"{shown}\n\n[turn {self.turn} of {self.max_turns}: {left} left]"
        return 0.0, False

    def _tool(self, name: str) -> TaskTool:
        return next(tool for tool in self.task.tools if tool.name == name)

    def _truncation(self) -> str | None:
        return "turn_limit" if self.turn >= self.max_turns else None

    def _record(self, *parts: str) -> None:
        event = "\x00".join(parts).encode("utf-8", "surrogatepass")
        self._history = hashlib.blake2b(self._history + event, digest_size=16).digest()

    def _outcome(self) -> tuple[bool, float]:
        return self.score >= 1.0, self.score

    def _state_bytes(self) -> bytes:
        return self._history + (b"answered" if self.answer is not None else b"")

    def _describe(self) -> str:
        return self._said

    def expert_action(self) -> str:
        if self.task.expert_answer is None:
            raise NotImplementedError(f"{type(self).__name__}'s tasks have no expert answer")
        return f"{ANSWER}[{self.task.expert_answer}]"

    def _opening(self) -> str:
        task = self.task
        context = f"{task.context.rstrip()}\n\n" if task.context else ""
        files = f"\n\nFiles in your working directory: {', '.join(sorted(task.files))}" if task.files else ""
        return f"{context}Question: {task.question}{files}\n\n[{self.max_turns} turns]"

    def _run_python_description(self) -> str:
        return (
            "Run a Python cell in a persistent sandboxed interpreter (state is kept between cells; the "
            "value of a final expression is shown). No network; numpy, pandas and sqlite3 are available."
        )

    def _instructions(self) -> str:
        task = self.task
        own = "".join(
            f"- {tool.name}[...]: {tool.schema['function']['description']}\n" for tool in task.tools
        )
        files = f"The working directory holds: {', '.join(sorted(task.files))}.\n" if task.files else ""
        return (
            "Answer the question by writing and running Python code, then give your answer.\n"
            f"{task.rules.strip()}\n\n"
            "Actions (one per reply):\n"
            f"- {RUN_PYTHON}[code]: {self._run_python_description()} A cell may run {self.cell_timeout:g} s; "
            f"its output is cut to {self.output_limit} characters.\n"
            f"- {ANSWER}[your answer]: the final answer; it is graded and the episode ends.\n"
            f"{own}"
            f"{files}"
            f"You have {self.max_turns} turns. Reward: the answer's score (1 when right), else 0.\n"
            f"Example: <action>{RUN_PYTHON}[{task.example_code}]</action> then <action>{ANSWER}[...]</action>"
        )
