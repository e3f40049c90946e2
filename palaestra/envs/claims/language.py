"""The claim envs' language: the three tools, how verdicts may be spelled, and the observation texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palaestra.core import ActionError, quote
from palaestra.core.tools import function_tool, parse_tool_call
from palaestra.envs.claims.claims import NEI, REFUTED, SUPPORTED

NOT_SUPPORTED = "NOT_SUPPORTED"  # HoVer's label for a claim that is refuted or not settled
# How a verdict may be written (after normalize_label) -> the label it means.
SPELLINGS: dict[str, str] = {
    "supported": SUPPORTED,
    "supports": SUPPORTED,
    "support": SUPPORTED,
    "refuted": REFUTED,
    "refutes": REFUTED,
    "refute": REFUTED,
    "not enough info": NEI,
    "not enough information": NEI,
    "nei": NEI,
    "not supported": NOT_SUPPORTED,
    "unsupported": NOT_SUPPORTED,
}
MAX_QUERY = 500  # characters of a query or title; longer text is no search anyone means


def tools() -> list[dict[str, Any]]:
    return [
        function_tool(
            "search",
            "Search the encyclopedia; returns the best-matching passages.",
            {"query": "words to look for"},
        ),
        function_tool("open", "Show the whole entry with this exact title.", {"title": "an entry's title"}),
        function_tool("answer", "Give the verdict on the claim; ends the episode.", {"label": "the verdict"}),
    ]


@dataclass(frozen=True)
class Action:
    tool: str  # "search", "open" or "answer"
    argument: str  # the query, the title, or the label (canonical)


def normalize_label(text: str) -> str:
    """Lower case, ``_``/``-`` as spaces, one space between words, without quotes or a final period."""
    text = text.strip().strip("\"'`").strip()
    if text.endswith("."):
        text = text[:-1]
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def parse_label(text: str, labels: tuple[str, ...]) -> str:
    """The label among ``labels`` that ``text`` spells; ``ActionError`` for anything else.

    Where the labels are HoVer's two (``SUPPORTED`` / ``NOT_SUPPORTED``), REFUTED and NOT ENOUGH INFO
    both mean NOT_SUPPORTED; where they are three, "not supported" is ambiguous and refused.
    """
    meant = SPELLINGS.get(normalize_label(text))
    if meant in (REFUTED, NEI) and NOT_SUPPORTED in labels:
        meant = NOT_SUPPORTED
    if meant is None or meant not in labels:
        shown = " or ".join(labels)
        raise ActionError(f"{quote(text)} is no verdict; answer with one of: {shown}")
    return meant


def parse(text: str, labels: tuple[str, ...]) -> Action:
    call = parse_tool_call(text)
    if call is None:
        raise ActionError(
            "write one tool call: search[words], open[exact title] or answer[LABEL], "
            f"where LABEL is {' or '.join(labels)}"
        )
    tool, argument = call
    argument = " ".join(argument.split())
    if tool not in ("search", "open", "answer"):
        raise ActionError(f"there is no tool {quote(tool)}; the tools are search, open and answer")
    if not argument:
        raise ActionError(f"{tool}[...] needs something between the brackets")
    if len(argument) > MAX_QUERY:
        raise ActionError(
            f"the text of {tool}[...] has {len(argument)} characters; keep it under {MAX_QUERY}"
        )
    if tool == "answer":
        return Action(tool, parse_label(argument, labels))
    return Action(tool, argument)


def search_text(query: str, hits: list[tuple[str, str]]) -> str:
    if not hits:
        return f"No passage matches {quote(query, 100)}. Try other words."
    lines = [f"Search results for {quote(query, 100)}:"]
    lines += [f"[{i}] {title}: {text}" for i, (title, text) in enumerate(hits, 1)]
    return "\n".join(lines)


def entry_text(title: str, text: str | None, suggestions: list[str]) -> str:
    if text is not None:
        return f"{title}\n\n{text}"
    hint = f" Titles close to it: {'; '.join(suggestions)}." if suggestions else ""
    return f"There is no entry titled {quote(title, 100)}.{hint}"


def instructions(labels: tuple[str, ...], corpus: str, example_query: str, meanings: str) -> str:
    return (
        f"Verify a claim against {corpus}. Gather evidence with the tools, then give your verdict.\n"
        "Tools (one per reply):\n"
        "  search[words]       the best-matching passages, each with its entry's title\n"
        "  open[exact title]   the whole entry with that title\n"
        "  answer[LABEL]       your verdict; this ends the episode\n"
        f"LABEL is one of: {', '.join(labels)}. {meanings}\n"
        "Reward: 1 for the right verdict, else 0.\n"
        f"Example reply: <action>search[{example_query}]</action>"
    )
