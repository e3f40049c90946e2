"""Prompt assembly shared by every LLM backend: a conversation in OpenAI chat-message form.

The env's ``instructions`` become the system prompt; optional few-shot example turns follow it; then
the episode's past exchanges (observation as a user turn, the agent's full reply as an assistant turn)
and finally the newest observation. ``-Vision-`` observations (``{"text": str, "image": uint8 array}``)
become a user turn with a text part and a PNG ``image_url`` part (a base64 data URL).

The history window bounds what is sent: at most ``history_turns`` past exchanges, and at most
``history_tokens`` tokens in all. The system prompt, the few-shot examples and the newest observation
are always sent; the oldest exchanges are dropped first, whole, so user and assistant turns keep
alternating as chat templates require. Tokens are counted by the backend's ``TokenCounter``: its
tokenizer where it has one, else ``estimate_tokens`` (about four characters a token).
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from palaestra.core.errors import UsageError

Message = dict[str, Any]
TokenCounter = Callable[[Message], int]

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text with BPE tokenizers
MESSAGE_OVERHEAD_TOKENS = 4  # role markers and separators a chat template adds around each message
IMAGE_TOKENS_ESTIMATE = 765  # what OpenAI bills a 512x512 image at high detail; a fair middle figure


def encode_png_data_url(image: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URL of an RGB ``uint8`` image of shape (H, W, 3)."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(
            f"an image must be a uint8 array of shape (H, W, 3), got {array.dtype} {array.shape}"
        )
    buffer = io.BytesIO()
    Image.fromarray(array, "RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def observation_message(observation: Any) -> Message:
    """The user turn for one observation: plain text, or text and image parts for a vision env."""
    if isinstance(observation, str):
        return {"role": "user", "content": observation}
    if isinstance(observation, dict) and isinstance(observation.get("text"), str):
        parts: list[dict[str, Any]] = [{"type": "text", "text": observation["text"]}]
        if observation.get("image") is not None:
            url = encode_png_data_url(observation["image"])
            parts.append({"type": "image_url", "image_url": {"url": url}})
        return {"role": "user", "content": parts}
    raise TypeError(
        "an observation must be a str or a dict with a 'text' str (and optionally an 'image'), "
        f"got {type(observation).__name__}"
    )


def message_text(message: Message) -> str:
    """The text of a message, its text parts joined by newlines when it has parts."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part["text"] for part in content if part.get("type") == "text")


def message_images(message: Message) -> int:
    content = message["content"]
    if isinstance(content, str):
        return 0
    return sum(part.get("type") == "image_url" for part in content)


def estimate_tokens(message: Message) -> int:
    """Tokens of a message without a tokenizer: characters / 4 rounded up, plus fixed overheads."""
    text_tokens = math.ceil(len(message_text(message)) / CHARS_PER_TOKEN)
    return text_tokens + MESSAGE_OVERHEAD_TOKENS + IMAGE_TOKENS_ESTIMATE * message_images(message)


def tokenizer_counter(tokenizer: Any) -> TokenCounter:
    """A ``TokenCounter`` that tokenizes the message text with a Hugging Face tokenizer."""

    def count(message: Message) -> int:
        text_tokens = len(tokenizer.encode(message_text(message), add_special_tokens=False))
        return text_tokens + MESSAGE_OVERHEAD_TOKENS + IMAGE_TOKENS_ESTIMATE * message_images(message)

    return count


def load_few_shot(path: str | Path) -> list[Message]:
    """Example turns from a JSON file: a list of ``{"role": "user"|"assistant", "content": str}``.

    The turns must alternate, starting with ``user`` and ending with ``assistant``, so that they sit
    between the system prompt and the episode's first observation like a played-out exchange.
    """
    try:
        turns = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(f"cannot read the few-shot file {str(path)!r}: {err}") from err
    except json.JSONDecodeError as err:
        raise UsageError(f"the few-shot file {str(path)!r} is not valid JSON: {err}") from err
    if not isinstance(turns, list) or not turns:
        raise UsageError(f"the few-shot file {str(path)!r} must hold a non-empty JSON list of turns")
    for index, turn in enumerate(turns):
        expected = "user" if index % 2 == 0 else "assistant"
        well_formed = isinstance(turn, dict) and isinstance(turn.get("content"), str)
        if not (well_formed and turn.get("role") == expected):
            raise UsageError(
                f"few-shot turn {index} in {str(path)!r} must be "
                f'{{"role": "{expected}", "content": <str>}}, got {turn!r}'
            )
    if len(turns) % 2:
        raise UsageError(f"the few-shot file {str(path)!r} must end with an assistant turn")
    return [{"role": turn["role"], "content": turn["content"]} for turn in turns]


@dataclass
class HistoryWindow:
    """How much past conversation is sent: ``turns`` exchanges, ``tokens`` tokens at most (None: no bound)."""

    turns: int | None = None
    tokens: int | None = None

    def __post_init__(self) -> None:
        if self.turns is not None and self.turns < 0:
            raise UsageError(f"history_turns must be >= 0, got {self.turns}")
        if self.tokens is not None and self.tokens < 1:
            raise UsageError(f"history_tokens must be >= 1, got {self.tokens}")


@dataclass
class _Exchange:
    user: Message
    assistant: Message
    tokens: int


@dataclass
class Conversation:
    """One episode's conversation and the window that decides which part of it is sent.

    Usage: ``reset(instructions)``, then per step ``messages = prompt(observation)``, send them,
    ``record(reply)``. ``prompt`` leaves the observation pending until ``record`` pairs it with the
    reply, so a failed request can be retried with the same messages.
    """

    window: HistoryWindow = field(default_factory=HistoryWindow)
    few_shot: list[Message] = field(default_factory=list)
    count_tokens: TokenCounter = estimate_tokens

    def __post_init__(self) -> None:
        self._system: Message | None = None
        self._fixed_tokens = 0
        self._history: list[_Exchange] = []
        self._pending: tuple[Message, int] | None = None

    def reset(self, instructions: str) -> None:
        self._system = {"role": "system", "content": instructions}
        self._fixed_tokens = sum(self.count_tokens(m) for m in [self._system, *self.few_shot])
        self._history = []
        self._pending = None

    def prompt(self, observation: Any) -> list[Message]:
        """The messages to send for ``observation``: system, few-shot, the windowed history, it."""
        if self._system is None:
            raise RuntimeError("call reset(instructions) before the first observation")
        user = observation_message(observation)
        user_tokens = self.count_tokens(user)
        self._pending = (user, user_tokens)
        kept = self._window_history(self._fixed_tokens + user_tokens)
        messages = [self._system, *self.few_shot]
        for exchange in kept:
            messages += [exchange.user, exchange.assistant]
        messages.append(user)
        return messages

    def record(self, reply: str) -> None:
        """Pair the pending observation with the agent's full reply, as the newest exchange."""
        if self._pending is None:
            raise RuntimeError("record(reply) needs a prompt(observation) before it")
        user, user_tokens = self._pending
        assistant = {"role": "assistant", "content": reply}
        self._history.append(_Exchange(user, assistant, user_tokens + self.count_tokens(assistant)))
        self._pending = None
        # Exchanges beyond the turn bound can never be sent again; forgetting them bounds memory.
        if self.window.turns is not None and len(self._history) > self.window.turns:
            del self._history[: len(self._history) - self.window.turns]

    def _window_history(self, used_tokens: int) -> list[_Exchange]:
        """The newest exchanges that fit both bounds, oldest first."""
        history = self._history
        if self.window.turns is not None:
            history = history[max(0, len(history) - self.window.turns) :]
        if self.window.tokens is None:
            return list(history)
        kept: list[_Exchange] = []
        for exchange in reversed(history):
            if used_tokens + exchange.tokens > self.window.tokens:
                break
            used_tokens += exchange.tokens
            kept.append(exchange)
        return kept[::-1]
