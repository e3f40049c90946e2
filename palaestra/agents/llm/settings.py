"""The options an LLM agent spec takes, checked once, and the sampling settings every backend maps."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.agents.llm.prompting import HistoryWindow, Message, load_few_shot
from palaestra.core.errors import UsageError

# Options every LLM backend accepts; each backend adds its own (base_url, device, ...).
COMMON_OPTIONS = frozenset(
    {"temperature", "top_p", "max_tokens", "stop", "sampling_seed"}
    | {"history_turns", "history_tokens", "few_shot"}
)

LOCAL_MAX_TOKENS = 512  # reply bound of local backends when max_tokens is not given (servers have their own)


def check_options(backend: str, options: dict[str, Any], extra: Iterable[str]) -> None:
    """Raise ``UsageError`` naming every option ``backend`` does not take, and the ones it does."""
    allowed = COMMON_OPTIONS | set(extra)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise UsageError(
            f"the {backend}: agent does not take option(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(allowed))}"
        )


@dataclass(frozen=True)
class Sampling:
    """Sampling settings; None keeps the backend's default (local models: ``LOCAL_MAX_TOKENS``)."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.temperature is not None and self.temperature < 0:
            raise UsageError(f"temperature must be >= 0, got {self.temperature}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise UsageError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise UsageError(f"max_tokens must be >= 1, got {self.max_tokens}")

    def request_params(self, default_max_tokens: int | None = None) -> dict[str, Any]:
        """The settings that were given, as OpenAI request / ``vllm.SamplingParams`` keyword arguments.

        Unset settings are left out (the server's or engine's defaults apply), except ``max_tokens``
        where ``default_max_tokens`` is given.
        """
        values = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens or default_max_tokens,
            "seed": self.seed,
            "stop": list(self.stop) or None,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class PromptSettings:
    """The prompt-side options: the history window and the few-shot turns."""

    window: HistoryWindow
    few_shot: tuple[Message, ...]


def split_common(options: dict[str, Any]) -> tuple[Sampling, PromptSettings, dict[str, Any]]:
    """The sampling and prompt settings in ``options``, and the backend-specific rest."""
    rest = dict(options)
    stop = rest.pop("stop", None)
    if isinstance(stop, str):
        stop = [stop]
    sampling = Sampling(
        temperature=_optional(rest, "temperature", float),
        top_p=_optional(rest, "top_p", float),
        max_tokens=_optional(rest, "max_tokens", int),
        stop=tuple(stop or ()),
        seed=_optional(rest, "sampling_seed", int),
    )
    few_shot_path: str | Path | None = rest.pop("few_shot", None)
    prompt = PromptSettings(
        window=HistoryWindow(
            turns=_optional(rest, "history_turns", int),
            tokens=_optional(rest, "history_tokens", int),
        ),
        few_shot=tuple(load_few_shot(few_shot_path)) if few_shot_path else (),
    )
    return sampling, prompt, rest


def default_window(window: HistoryWindow, context_length: int | None, max_new_tokens: int) -> HistoryWindow:
    """``window`` bounded to the model's context less the reply's room, where no token bound was set."""
    if window.tokens is not None or context_length is None:
        return window
    return dataclasses.replace(window, tokens=max(1, context_length - max_new_tokens))


def _optional(options: dict[str, Any], name: str, kind: type) -> Any:
    """Option ``name`` taken out of ``options`` as a ``kind``, or None; ``UsageError`` if it is not one."""
    value = options.pop(name, None)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"option {name} must be a number ({kind.__name__}), got {value!r}") from None
