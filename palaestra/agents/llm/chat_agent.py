"""``ChatAgent``: the one LLM agent, over any chat backend (OpenAI-compatible HTTP, transformers, vLLM).

A backend is built once per agent spec and shared by every agent its factory makes, so concurrent
episodes reach one client or one model (where local backends batch them). A backend answers a list
of chat messages with a ``Completion`` through a ``concurrent.futures.Future``, which serves both
``act`` (wait on it) and ``aact`` (await it from any event loop) without tying the backend to a loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym

from palaestra.agents.llm.prompting import Conversation, Message, TokenCounter
from palaestra.agents.llm.settings import PromptSettings, check_options, default_window, split_common
from palaestra.core.actions import ActionError
from palaestra.core.errors import UsageError
from palaestra.core.tools import tool_call_text


@dataclass(frozen=True)
class ToolCall:
    """A native tool call in a reply: the tool's name and its arguments as the JSON text sent."""

    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """A backend's answer to one request: the full reply text, a tool call if it made one, token counts."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    tool_call: ToolCall | None = None


class ChatBackend(Protocol):
    """What ``ChatAgent`` needs from a backend."""

    accepts_images: bool
    count_tokens: TokenCounter

    def submit(self, messages: list[Message]) -> Future[Completion]:
        """Start answering ``messages``; the future fails with ``AgentError`` once retries are spent.

        A backend with ``tool_calls`` true also takes ``tools=`` (OpenAI function schemas)."""
        ...

    def preflight(self) -> None:
        """Raise ``UsageError`` if no request can succeed (an endpoint that does not answer)."""
        ...

    def close(self) -> None: ...


class ChatAgent:
    """Plays one episode by chatting with a backend; see ``palaestra.agents.llm.prompting`` for the prompt.

    ``usage`` holds the episode's token totals; ``step_usage`` the counts of each step, in order.
    With ``tools`` (the env's schemas, for a backend that makes native tool calls) the model may answer
    with a tool call: it becomes the env's action text by the contract's one mapping
    (``palaestra.core.tools.tool_call_text``), and the history keeps it in that text form, so any
    server and any history window take it.
    """

    def __init__(
        self,
        name: str,
        backend: ChatBackend,
        prompt: PromptSettings,
        tools: list[dict[str, Any]] | None = None,
    ):
        self.name = name
        self.backend = backend
        self.tools = tools
        self.conversation = Conversation(prompt.window, list(prompt.few_shot), backend.count_tokens)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.step_usage: list[dict[str, int]] = []

    def reset(self, instructions: str) -> None:
        self.conversation.reset(instructions)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.step_usage = []

    def act(self, observation: Any) -> str:
        return self._record(self._submit(observation).result())

    async def aact(self, observation: Any) -> str:
        return self._record(await asyncio.wrap_future(self._submit(observation)))

    def _submit(self, observation: Any) -> Future[Completion]:
        messages = self.conversation.prompt(observation)
        if self.tools:
            return self.backend.submit(messages, tools=self.tools)
        return self.backend.submit(messages)

    def _record(self, completion: Completion) -> str:
        reply = completion.text
        if completion.tool_call is not None:
            reply += self._call_text(completion.tool_call)
        self.conversation.record(reply)
        step = {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens}
        self.step_usage.append(step)
        for key, value in step.items():
            self.usage[key] += value
        return reply

    def _call_text(self, call: ToolCall) -> str:
        """A tool call as the action block of the reply. A malformed call (arguments that are not a
        JSON object, an unknown tool or argument) gets no action block but a note saying why, so the
        env refuses it as an invalid action: the model's mistake, not an agent failure."""
        try:
            arguments = json.loads(call.arguments or "{}")
            return f"<action>{tool_call_text(call.name, arguments, self.tools or [])}</action>"
        except json.JSONDecodeError:
            reason = f"its arguments are not JSON: {call.arguments[:200]}"
        except ActionError as error:
            reason = str(error)
        return f"[a call of tool {call.name!r} that cannot be an action: {reason}]"


class ChatAgentFactory:
    """``factory(env, seed=...)``: a ``ChatAgent`` on the shared backend; what ``agent_factory`` returns."""

    def __init__(self, name: str, backend: ChatBackend, prompt: PromptSettings):
        self.name = name
        self.backend = backend
        self.prompt = prompt

    def __call__(self, env: gym.Env, seed: int | None = None) -> ChatAgent:
        # The seed is not used: sampling randomness belongs to the backend (its sampling_seed option).
        space = env.observation_space
        if isinstance(space, gym.spaces.Dict) and "image" in space.spaces and not self.backend.accepts_images:
            raise UsageError(
                f"the {self.name} agent reads text only, and this env observes images; "
                "use the env's -Text- variant or an openai: agent with a vision model"
            )
        tools = env.unwrapped.tools() if getattr(self.backend, "tool_calls", False) else None
        return ChatAgent(self.name, self.backend, self.prompt, tools)

    def preflight(self) -> None:
        """Check, before a run, what would fail every episode: the backend's ``preflight``."""
        self.backend.preflight()

    def close(self) -> None:
        """Release the backend (its client, model or worker thread)."""
        self.backend.close()


def build_local(
    scheme: str, backend: Callable[..., Any], taken: Iterable[str], argument: str, options: dict[str, Any]
) -> ChatAgentFactory:
    """The factory of a local model backend (``hf:``, ``vllm:``), built as
    ``backend(argument, sampling, **rest)``.

    Where no token bound is given, the history window is the model's context less the reply's room.
    """
    check_options(scheme, options, taken)
    sampling, prompt, rest = split_common(options)
    built = backend(argument, sampling, **rest)
    window = default_window(prompt.window, built.context_length, built.max_new_tokens)
    return ChatAgentFactory(f"{scheme}:{argument}", built, dataclasses.replace(prompt, window=window))
