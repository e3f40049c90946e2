"""Action text: how a model's reply becomes the text an env's grammar parses.

The convention (DESIGN.md): the action is the last ``<action>...</action>`` block if there is one,
otherwise the whole reply with any ``<think>...</think>`` removed. Thinking is removed first, so an
action block quoted inside a thought is not taken for the answer. Tags match case-insensitively.
"""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.IGNORECASE | re.DOTALL)
_STRAY_THINK_END = re.compile(r"^.*</think>", re.IGNORECASE | re.DOTALL)


class ActionError(ValueError):
    """The text does not name a legal action; the message tells the agent why, in plain words."""


def extract_action(reply: str) -> str:
    """Return the action text in ``reply``, stripped of surrounding whitespace.

    >>> extract_action("<think>the apple is left</think> left")
    'left'
    >>> extract_action("I go <action>up</action>, no: <action> down </action>")
    'down'
    """
    if "<" not in reply:  # the common short answer: no tags at all
        return reply.strip()
    lowered = reply.lower()
    if "think>" in lowered:
        reply = _THINK.sub("", reply)
        # A reply that opens mid-thought (the template put <think> in the prompt) ends it with a bare
        # </think>.
        reply = _STRAY_THINK_END.sub("", reply)
        lowered = reply.lower()
    end = lowered.rfind("</action>")
    if end != -1:
        start = lowered.rfind("<action>", 0, end)
        if start != -1:
            return reply[start + len("<action>") : end].strip()
    return reply.strip()


def normalize(text: str) -> str:
    """Lower-case ``text`` and fold runs of whitespace to one space: what env grammars match on."""
    return " ".join(text.lower().split())


def quote(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters with ``...`` if longer.

    >>> quote("jump")
    "'jump'"
    >>> quote("a" * 50, limit=5)
    "'aaaaa...'"
    """
    return repr(text if len(text) <= limit else text[:limit] + "...")
