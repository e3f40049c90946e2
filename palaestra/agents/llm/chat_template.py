"""Chat messages -> one prompt string through a tokenizer's own chat template (local backends)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from palaestra.agents.llm.prompting import Message, message_images
from palaestra.core.errors import UsageError

# What the hub accepts as a repo id: NAME or OWNER/NAME.
_REPO_ID = re.compile(r"[\w.-]+(/[\w.-]+)?")


def require_model(scheme: str, path: str) -> None:
    """Raise ``UsageError`` unless ``path`` is a model folder here or reads as a Hugging Face repo id.

    For a missing folder such as ``/no/such/folder``, transformers would only say it is not a valid
    repo id.
    """
    if not path:
        raise UsageError(f"the {scheme}: agent needs a model folder: {scheme}:PATH")
    folder = Path(path)
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise UsageError(f"the {scheme}: agent's folder {path!r} holds no model: it has no config.json")
        return
    if not (_REPO_ID.fullmatch(path) and ".." not in path and not path.startswith((".", "-"))):
        raise UsageError(f"the {scheme}: agent's model folder {path!r} does not exist")


def require_chat_template(tokenizer: Any, model: str) -> None:
    """Raise ``UsageError`` if the tokenizer of ``model`` has no chat template (checked once, at load)."""
    if not getattr(tokenizer, "chat_template", None):
        raise UsageError(
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
