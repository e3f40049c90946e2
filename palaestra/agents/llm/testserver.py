"""A small OpenAI-compatible chat server for tests and benchmarks (``palaestra serve-test-llm``).

It speaks the two routes agents use, ``GET /v1/models`` and ``POST /v1/chat/completions`` (not
streaming), over real HTTP with the standard library's ``ThreadingHTTPServer``. Replies come from a
``Responder``: a script of replies, the ``action_example`` rule (answer with the example action of the
system prompt, which every palaestra env's instructions carry, so it can play any env), or a tiny
local transformers model. Every reply carries ``usage`` token counts (the responder's; the scripted
ones use ``estimate_tokens``). ``latency`` delays every reply; ``faults`` injects failures, one per
request, in order, before normal service resumes:

    500, 429, 503 ...   that HTTP status with an OpenAI-style error body (429 with ``Retry-After: 0``)
    hang                no reply until the server stops (longer than any client timeout)
    malformed           a 200 whose body is not JSON
    empty               a 200 chat completion with no choices

A fault may repeat: ``500x3`` is three 500s; ``hang*`` repeats forever. Example: ``"429,500x2,empty"``.

In tests::

    with ScriptedChatServer(script_responder(["<action>up</action>"]), faults="500") as server:
        agent = make_agent("openai:test-model", env, base_url=server.base_url)
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from palaestra.agents.llm.chat_agent import Completion, ToolCall
from palaestra.agents.llm.prompting import Message, estimate_tokens, message_text
from palaestra.core.errors import UsageError

Responder = Callable[[list[Message]], Completion]
Fault = int | str  # an HTTP status, or "hang" / "malformed" / "empty"
FAULT_NAMES = ("hang", "malformed", "empty")

_ACTION_TAG = re.compile(r"<action>(.*?)</action>", re.IGNORECASE | re.DOTALL)


def _scripted(messages: list[Message], text: str, tool_call: ToolCall | None = None) -> Completion:
    prompt_tokens = sum(estimate_tokens(m) for m in messages)
    sent = text + (f"{tool_call.name}({tool_call.arguments})" if tool_call else "")
    return Completion(text, prompt_tokens, estimate_tokens({"role": "assistant", "content": sent}), tool_call)


def _script_item(reply: Any) -> tuple[str, ToolCall | None]:
    """A script entry: reply text, or ``{"tool_call": {"name": ..., "arguments": {...} or "raw"}}``."""
    if isinstance(reply, str):
        return reply, None
    call = reply.get("tool_call") if isinstance(reply, dict) else None
    if isinstance(call, dict) and isinstance(call.get("name"), str):
        arguments = call.get("arguments", {})
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        return str(reply.get("content", "")), ToolCall(call["name"], raw)
    raise UsageError(f'a script reply must be a string or {{"tool_call": {{"name": ...}}}}, got {reply!r}')


def script_responder(replies: list[Any]) -> Responder:
    """Answers with ``replies`` in order, starting over after the last one: texts, or tool calls
    written ``{"tool_call": {"name": "search", "arguments": {"query": "red shoes"}}}``."""
    if not replies or not isinstance(replies, list):
        raise UsageError("a script must be a non-empty list of replies")
    cycle = itertools.cycle([_script_item(reply) for reply in replies])
    lock = threading.Lock()

    def respond(messages: list[Message]) -> Completion:
        with lock:
            text, call = next(cycle)
        return _scripted(messages, text, call)

    return respond


def action_example_responder(messages: list[Message]) -> Completion:
    """Answers ``<action>X</action>`` with X the last example action tag in the system prompt."""
    system = next((message_text(m) for m in messages if m.get("role") == "system"), "")
    examples = _ACTION_TAG.findall(system)
    text = f"<action>{examples[-1]}</action>" if examples else "the instructions give no example action"
    return _scripted(messages, text)


class ModelResponder:
    """Answers with a local transformers model (greedy), counting tokens with its tokenizer.

    It holds the model and its batcher thread until ``close``, which the server calls when it stops.
    """

    def __init__(self, path: str, *, max_tokens: int = 32, device: str = "cpu"):
        from palaestra.agents.llm.hf_agent import TransformersBackend
        from palaestra.agents.llm.settings import Sampling

        self.backend = TransformersBackend(
            path, Sampling(temperature=0.0, max_tokens=max_tokens), device=device
        )

    def __call__(self, messages: list[Message]) -> Completion:
        return self.backend.submit(messages).result()

    def close(self) -> None:
        self.backend.close()


def load_responder(script: str | Path | None = None, model: str | None = None) -> Responder:
    """The responder a command line asks for: a model folder, a script file, else ``action_example``.

    A script file holds JSON: a list of replies, or ``{"rule": "action_example"}``.
    """
    if model is not None and script is not None:
        raise UsageError("give a script or a model, not both")
    if model is not None:
        return ModelResponder(model)
    if script is None:
        return action_example_responder
    try:
        data = json.loads(Path(script).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UsageError(f"cannot load the script {str(script)!r}: {err}") from err
    if isinstance(data, dict):
        if data != {"rule": "action_example"}:
            raise UsageError(f'a script object must be {{"rule": "action_example"}}, got {data!r}')
        return action_example_responder
    return script_responder(data)


@dataclass
class FaultPlan:
    """The faults to inject, in order: each entry a fault and how many times (None: forever)."""

    steps: list[tuple[Fault, int | None]]

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        steps: list[tuple[Fault, int | None]] = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, times = item, "1"
            if item.endswith("*"):
                name, times = item[:-1], "*"
            elif "x" in item:
                name, _, times = item.partition("x")
            fault: Fault = int(name) if name.isdigit() else name
            if isinstance(fault, int) and not 400 <= fault <= 599:
                raise UsageError(f"fault status {fault} is not an HTTP error status (400-599)")
            if isinstance(fault, str) and fault not in FAULT_NAMES:
                raise UsageError(
                    f"unknown fault {name!r}: use an HTTP status or one of {', '.join(FAULT_NAMES)}"
                )
            if times != "*" and not (times.isdigit() and int(times) > 0):
                raise UsageError(f"bad repeat count in fault {item!r}: use NAMExN with N >= 1, or NAME*")
            steps.append((fault, None if times == "*" else int(times)))
        return cls(steps)

    def __iter__(self) -> Iterator[Fault]:
        for fault, times in self.steps:
            yield from itertools.repeat(fault) if times is None else itertools.repeat(fault, times)


class ScriptedChatServer:
    """An OpenAI-compatible chat server on ``host:port`` (port 0: a free one), served from a thread.

    ``requests`` records the JSON body of every chat request received, faulted ones included, and
    ``request_headers`` their HTTP headers (names in lower case). The server owns its responder: one
    with a ``close`` method (``ModelResponder``) is closed when the server stops.
    """

    def __init__(
        self,
        responder: Responder = action_example_responder,
        *,
        model: str = "test-model",
        latency: float = 0.0,
        faults: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        if latency < 0:
            raise UsageError(f"latency must be >= 0, got {latency}")
        self.responder = responder
        self.model = model
        self.latency = float(latency)
        self._faults = iter(FaultPlan.parse(faults))
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True  # a hung request must not keep the process alive
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ScriptedChatServer:
        # A short poll interval makes ``stop`` quick: tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="chat-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command line's way)."""
        try:
            self._httpd.serve_forever()
        finally:
            self._stopping.set()
            self._httpd.server_close()
            self._close_responder()

    def stop(self) -> None:
        self._stopping.set()  # releases hung and delayed handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._close_responder()

    def _close_responder(self) -> None:
        close = getattr(self.responder, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ScriptedChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return next(self._faults, None)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests and benchmarks read results, not access logs

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    model = {"id": server.model, "object": "model", "created": 0, "owned_by": "palaestra"}
                    self._send_json(200, {"object": "list", "data": [model]})
                else:
                    self._send_error(404, f"no route GET {self.path}")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send_error(404, f"no route POST {self.path}")
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError as err:
                    self._send_error(400, f"the request body is not JSON: {err}")
                    return
                messages = body.get("messages") if isinstance(body, dict) else None
                if not isinstance(messages, list) or not messages:
                    self._send_error(400, "the request needs a non-empty 'messages' list")
                    return
                if body.get("stream"):
                    self._send_error(400, "this test server does not stream")
                    return
                with server._lock:
                    server.requests.append(body)
                    server.request_headers.append({k.lower(): v for k, v in self.headers.items()})
                if server.latency and server._stopping.wait(server.latency):
                    return
                fault = server._next_fault()
                if fault == "hang":
                    server._stopping.wait()
                    self.close_connection = True
                    return
                if fault == "malformed":
                    self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [', "application/json")
                    return
                if isinstance(fault, int):
                    self._send_error(fault, f"injected fault {fault}")
                    return
                try:
                    completion = server.responder(body["messages"])
                except Exception as err:  # a failing responder is a server error, reported as such
                    self._send_error(500, f"the responder failed: {err!r}")
                    return
                message: dict[str, Any] = {"role": "assistant", "content": completion.text}
                finish = "stop"
                if completion.tool_call is not None:
                    call = completion.tool_call
                    function = {"name": call.name, "arguments": call.arguments}
                    message["tool_calls"] = [
                        {"id": f"call-{len(server.requests)}", "type": "function", "function": function}
                    ]
                    message["content"] = completion.text or None
                    finish = "tool_calls"
                choices = (
                    [] if fault == "empty" else [{"index": 0, "message": message, "finish_reason": finish}]
                )
                self._send_json(
                    200,
                    {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", server.model),
                        "choices": choices,
                        "usage": {
                            "prompt_tokens": completion.prompt_tokens,
                            "completion_tokens": completion.completion_tokens,
                            "total_tokens": completion.prompt_tokens + completion.completion_tokens,
                        },
                    },
                )

            def _send_error(self, status: int, message: str) -> None:
                error = {
                    "error": {
                        "message": message,
                        "type": "server_error" if status >= 500 else "invalid_request_error",
                        "code": status,
                    }
                }
                headers = {"Retry-After": "0"} if status == 429 else {}
                self._send_raw(status, json.dumps(error).encode(), "application/json", headers)

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                self._send_raw(status, json.dumps(payload).encode(), "application/json")

            def _send_raw(
                self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    script: str | Path | None = None,
    model_path: str | None = None,
    model: str = "test-model",
    latency: float = 0.0,
    faults: str = "",
    announce: Callable[[str], None] = print,
) -> None:
    """Run the server in the foreground until interrupted; ``announce`` gets its base URL first."""
    server = ScriptedChatServer(
        load_responder(script, model_path), model=model, latency=latency, faults=faults, host=host, port=port
    )
    announce(server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
