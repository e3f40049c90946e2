"""Tools: how an env whose actions call tools declares them, and how a tool call becomes action text.

A tool env returns OpenAI-style function schemas from ``TextEnv.tools()``; ``reset`` puts them in
``info["tools"]``. An agent may then answer with text actions or with native tool calls, and one
mapping joins the two (``tool_call_text``)::

    search(query="red shoes")          <->  search[red shoes]
    run_python(code="print(1)")        <->  run_python[print(1)]
    finish()                           <->  finish[]
    move(x=1, y=2)                     <->  move[{"x": 1, "y": 2}]

A tool with one parameter takes the argument's text between the brackets, as written (a string) or
as JSON (anything else); a tool with several takes a JSON object of them. Envs parse both with
``parse_tool_call``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from palaestra.core.actions import ActionError, quote

_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[(.*)\]\s*", re.DOTALL)


def function_tool(name: str, description: str, parameters: dict[str, str]) -> dict[str, Any]:
    """An OpenAI-style schema of a tool whose parameters are strings, each with its description.

    >>> function_tool("search", "Search the corpus.", {"query": "what to look for"})["function"]["name"]
    'search'
    """
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    key: {"type": "string", "description": text} for key, text in parameters.items()
                },
                "required": list(parameters),
                "additionalProperties": False,
            },
        },
    }


def tool_names(schemas: list[dict[str, Any]]) -> list[str]:
    return [schema["function"]["name"] for schema in schemas]


def tool_call_text(name: str, arguments: dict[str, Any], schemas: list[dict[str, Any]]) -> str:
    """The action text of a call of tool ``name`` with ``arguments``; ``ActionError`` for an unknown
    tool, and for arguments the schema does not name (so a malformed call is an invalid action)."""
    by_name = {schema["function"]["name"]: schema["function"] for schema in schemas}
    if name not in by_name:
        raise ActionError(f"there is no tool {quote(name)}; the tools are: {', '.join(by_name)}")
    if not isinstance(arguments, dict):
        raise ActionError(f"the arguments of {name} must be a JSON object")
    parameters = list(by_name[name].get("parameters", {}).get("properties", {}))
    unknown = [key for key in arguments if key not in parameters]
    if unknown:
        raise ActionError(f"{name} takes no argument(s) {', '.join(map(quote, unknown))}")
    if not arguments:
        return f"{name}[]"
    if len(parameters) == 1:
        value = arguments[parameters[0]]
        return f"{name}[{value if isinstance(value, str) else json.dumps(value)}]"
    return f"{name}[{json.dumps(arguments, ensure_ascii=False)}]"


def parse_tool_call(text: str) -> tuple[str, str] | None:
    """``(name, argument text)`` of an action written ``name[argument]``; ``None`` for other text.

    >>> parse_tool_call("search[red shoes]")
    ('search', 'red shoes')
    >>> parse_tool_call("look around") is None
    True
    """
    match = _CALL.fullmatch(text)
    return (match.group(1).lower(), match.group(2)) if match else None
