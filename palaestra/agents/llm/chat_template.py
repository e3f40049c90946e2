"""Chat messages -> one prompt string through a tokenizer's own chat template (local backends)."""

from __future__ import annotations

from typing import Any

from palaestra.agents.llm.prompting import Message, message_images


def require_chat_template(tokenizer: Any, model: str) -> None:
    """Raise ValueError if the tokenizer of ``model`` has no chat template (checked once, at load)."""
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(
            f"the tokenizer of {model!r} has no chat_template; "
            "use an instruction-tuned model or set tokenizer.chat_template"
        )


def render_chat_prompt(tokenizer: Any, messages: list[Message]) -> str:
    """The prompt text for ``messages`` with the generation prompt of the assistant's turn appended.

    The tokenizer must have a chat template (``require_chat_template``). Local backends here are
    text-only: a message with image parts is refused, not silently stripped.
    """
    for message in messages:
        if message_images(message):
            raise ValueError("this local backend reads text only; the prompt has an image part")
    return tokenizer.apply_chat_template(
        [{"role": m["role"], "content": m["content"]} for m in messages],
        tokenize=False,
        add_generation_prompt=True,
    )


def trim_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """``text`` cut before the first stop string, as OpenAI-compatible servers return it."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=len(text))
    return text[:cut]
