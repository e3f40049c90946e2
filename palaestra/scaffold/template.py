"""The scaffold's templates: ``{{key}}`` fields and whole-line ``{% if flag %}`` blocks.

A line that is only ``{% if flag %}``, ``{% if not flag %}``, ``{% else %}`` or ``{% endif %}`` opens,
turns or closes a block (blocks nest); every other line is kept where all enclosing blocks hold, with
its ``{{key}}`` fields filled in. The templates stay plain Python, TOML and Markdown to read.
"""

from __future__ import annotations

import re
from importlib import resources

_DIRECTIVE = re.compile(r"\s*\{%\s*(if not|if|else|endif)\s*(\w*)\s*%\}\s*")
_FIELD = re.compile(r"\{\{(\w+)\}\}")


def render(text: str, fields: dict[str, str], flags: dict[str, bool]) -> str:
    """``text`` with its blocks resolved by ``flags`` and its fields filled from ``fields``.

    >>> text = "{% if loud %}\\nHELLO {{who}}\\n{% else %}\\nhello {{who}}\\n{% endif %}\\n"
    >>> render(text, {"who": "you"}, {"loud": False})
    'hello you\\n'
    """
    out: list[str] = []
    stack: list[bool] = []  # whether each open block's current branch is kept
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        directive = _DIRECTIVE.fullmatch(line)
        if directive is None:
            if all(stack):
                out.append(_fill(line, fields, number))
            continue
        word, flag = directive.groups()
        if word in ("if", "if not"):
            if flag not in flags:
                raise KeyError(f"line {number}: unknown flag {flag!r}")
            stack.append(flags[flag] == (word == "if"))
        elif not stack:
            raise ValueError(f"line {number}: {word} without an if")
        elif word == "else":
            stack[-1] = not stack[-1]
        else:
            stack.pop()
    if stack:
        raise ValueError(f"{len(stack)} if block(s) left open")
    return "".join(out)


def _fill(line: str, fields: dict[str, str], number: int) -> str:
    unknown = [key for key in _FIELD.findall(line) if key not in fields]
    if unknown:
        raise KeyError(f"line {number}: unknown field(s) {', '.join(unknown)}")
    return _FIELD.sub(lambda match: fields[match.group(1)], line)


def template(name: str) -> str:
    """The text of the template file ``name`` (package data of ``palaestra.scaffold``)."""
    return resources.files("palaestra.scaffold").joinpath("templates", name).read_text(encoding="utf-8")
