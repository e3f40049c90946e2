"""``openai:MODEL``: any OpenAI-compatible chat endpoint (``vllm serve``, hosted APIs), via ``openai``.

One ``AsyncOpenAI`` client serves every episode of a run. It lives on the backend's own event loop,
in a daemon thread, so that both ``act`` (sync) and ``aact`` (from any caller's loop) reach the same
connection pool. Every request has a timeout (``request_timeout``); the retry loop is ours, not the
client's (whose own retries are off), so what is retried is explicit: HTTP 408, 409, 429 and 5xx,
timeouts, connection errors and malformed replies (bad JSON, no choices), with exponential backoff
(``retry_backoff`` * 2**attempt seconds, or the server's ``Retry-After`` when it sends one, at most
``MAX_BACKOFF``). Other statuses (400, 401, 404 ...) fail at once. Failure raises ``AgentError``
saying what went wrong, so a request can never hang an episode forever.

The reply kept is the full text: when the server splits reasoning out (vLLM's reasoning parsers put
it in ``reasoning_content`` or ``reasoning``) it is put back in front as ``<think>...</think>``.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import urllib.parse
from concurrent.futures import Future
from typing import Any

from palaestra.agents.base import AgentError
from palaestra.agents.llm.chat_agent import ChatAgentFactory, Completion, ToolCall
from palaestra.agents.llm.prompting import Message, estimate_tokens
from palaestra.agents.llm.settings import Sampling, check_options, split_common
from palaestra.core.errors import MissingExtraError, UsageError

OPTIONS = ("base_url", "api_key_env", "request_timeout", "max_retries", "retry_backoff", "tool_calls")
RETRYABLE_STATUSES = frozenset({408, 409, 429})  # and every 5xx
MAX_BACKOFF = 30.0
PREFLIGHT_TIMEOUT = 10.0  # seconds for GET /models: a server that is up answers it at once


def _import_openai() -> Any:
    try:
        import openai
    except ImportError as err:
        raise MissingExtraError(
            "the openai: agent needs the openai client: pip install 'palaestra[llm]'"
        ) from err
    return openai


class _MalformedReply(Exception):
    """The server answered 200 with something that is not a chat completion."""


class OpenAIBackend:
    """Chat completions from ``model`` at ``base_url``, with the retry policy of the module docstring."""

    accepts_images = True

    def __init__(
        self,
        model: str,
        sampling: Sampling,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        request_timeout: float = 120.0,
        max_retries: int = 4,
        retry_backoff: float = 1.0,
        tool_calls: bool = False,
    ):
        if not model:
            raise UsageError("the openai: agent needs a model name: openai:MODEL")
        if request_timeout <= 0:
            raise UsageError(f"request_timeout must be > 0, got {request_timeout}")
        if max_retries < 0:
            raise UsageError(f"max_retries must be >= 0, got {max_retries}")
        if base_url is not None:
            parts = urllib.parse.urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UsageError(
                    f"base_url must be an http(s) URL such as http://localhost:8000/v1, got {base_url!r}"
                )
        self._openai = _import_openai()
        self.model = model
        self.base_url = base_url
        self.api_key = os.environ.get(api_key_env) or "EMPTY"  # vLLM's server takes any key
        self.request_timeout = float(request_timeout)
        self.max_retries = int(max_retries)
        self.retry_backoff = float(retry_backoff)
        if not isinstance(tool_calls, bool):
            raise UsageError(f"tool_calls must be true or false, got {tool_calls!r}")
        self.tool_calls = tool_calls  # offer the env's tools as native tool calls, where it declares tools
        self.params = sampling.request_params()
        self.count_tokens = estimate_tokens
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None

    @property
    def where(self) -> str:
        return f"openai:{self.model} at {self.base_url or 'the OpenAI API'}"

    def submit(
        self, messages: list[Message], tools: list[dict[str, Any]] | None = None
    ) -> Future[Completion]:
        return asyncio.run_coroutine_threadsafe(self._complete(messages, tools), self._running_loop())

    def preflight(self) -> None:
        """Raise ``UsageError`` unless the endpoint answers ``GET /models`` and lists the model.

        A wrong URL or port, a server not started, a bad key or a model name the server does not serve
        would otherwise fail every request of a run, each after its retries.
        """
        openai = self._openai
        client = openai.OpenAI(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=min(self.request_timeout, PREFLIGHT_TIMEOUT),
            max_retries=0,
        )
        try:
            served = [model.id for model in client.models.list()]
        except openai.APIConnectionError as err:  # timeouts included
            raise UsageError(f"{self.where} does not answer: {err.__cause__ or err}") from None
        except openai.APIStatusError as err:
            raise UsageError(
                f"{self.where}: GET /models answered HTTP {err.status_code}: {_error_text(err)}"
            ) from None
        finally:
            client.close()
        if served and self.model not in served:
            more = f" and {len(served) - 5} more" if len(served) > 5 else ""
            raise UsageError(
                f"{self.where} does not serve {self.model!r}; it serves {', '.join(served[:5])}{more}"
            )

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None:
            return
        if self._client is not None:
            asyncio.run_coroutine_threadsafe(self._client.close(), loop).result(timeout=10)
            self._client = None
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name=f"openai-{self.model}", daemon=True
                )
                self._thread.start()
            return self._loop

    async def _complete(self, messages: list[Message], tools: list[dict[str, Any]] | None) -> Completion:
        openai = self._openai
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self.api_key, base_url=self.base_url, timeout=self.request_timeout, max_retries=0
            )
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                offered = {"tools": tools} if tools else {}
                response = await self._client.chat.completions.create(
                    model=self.model, messages=messages, **self.params, **offered
                )
                return _completion(response, messages)
            except openai.APITimeoutError:
                reason = f"no reply within the {self.request_timeout:g} s request timeout"
            except openai.APIConnectionError as err:
                reason = f"connection failed ({err.__cause__ or err})"
            except openai.APIStatusError as err:
                reason = f"HTTP {err.status_code}: {_error_text(err)}"
                if err.status_code not in RETRYABLE_STATUSES and err.status_code < 500:
                    raise AgentError(f"{self.where}: {reason}") from err
                retry_after = _retry_after(err)
            except (openai.APIResponseValidationError, json.JSONDecodeError, _MalformedReply) as err:
                reason = f"malformed reply ({err})"
            if attempt == self.max_retries:
                raise AgentError(f"{self.where}: {reason}; gave up after {attempt + 1} attempt(s)")
            delay = self.retry_backoff * 2**attempt if retry_after is None else retry_after
            await asyncio.sleep(min(delay, MAX_BACKOFF))
        raise AssertionError("unreachable: the loop returns or raises")


def _completion(response: Any, messages: list[Message]) -> Completion:
    """The ``Completion`` in a chat-completion response; ``_MalformedReply`` if there is none."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list):
        raise _MalformedReply(f"expected a chat completion, got {type(response).__name__}")
    if not choices:
        raise _MalformedReply("the reply has no choices")
    message = choices[0].message
    if message is None:
        raise _MalformedReply("the first choice has no message")
    text = message.content or ""
    call = None
    if message.tool_calls:  # the first call is the action: an env step takes one
        function = message.tool_calls[0].function
        call = ToolCall(function.name, function.arguments or "")
    extra = message.model_extra or {}
    reasoning = extra.get("reasoning_content") or extra.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        text = f"<think>{reasoning}</think>{text}"
    usage = response.usage
    if usage is not None and usage.prompt_tokens is not None and usage.completion_tokens is not None:
        return Completion(text, int(usage.prompt_tokens), int(usage.completion_tokens), call)
    # A server that reports no usage still gets counted, by the documented character estimate.
    prompt_tokens = sum(estimate_tokens(m) for m in messages)
    return Completion(text, prompt_tokens, estimate_tokens({"role": "assistant", "content": text}), call)


def _error_text(err: Any) -> str:
    body = err.body
    if isinstance(body, dict):
        detail = body.get("message") or body.get("error")
        if isinstance(detail, dict):
            detail = detail.get("message")
        if detail:
            return str(detail)[:300]
    return str(err.message)[:300]


def _retry_after(err: Any) -> float | None:
    value = err.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def build(argument: str, **options: Any) -> ChatAgentFactory:
    """The ``openai:MODEL`` builder for ``agent_factory``."""
    check_options("openai", options, OPTIONS)
    sampling, prompt, rest = split_common(options)
    backend = OpenAIBackend(argument, sampling, **rest)
    return ChatAgentFactory(f"openai:{argument}", backend, prompt)
