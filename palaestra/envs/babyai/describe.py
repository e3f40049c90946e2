"""What the BabyAI agent sees, in words: BabyAI-Text's descriptions of minigrid's egocentric view.

minigrid gives the agent a 7 x 7 view ``image[x, y] = (object, colour, state)`` in which the agent
stands at the bottom middle cell ``(3, 6)`` facing up, and cells it cannot see are ``unseen``. Each
visible object becomes one sentence, relative to the agent::

    You see a red box 1 step right and 2 steps forward
    You see a locked blue door 3 steps forward
    You see a wall 2 steps left

Walls are named only straight ahead, left and right (the nearest one each way), as BabyAI-Text does:
a wall per cell would drown the objects. What the agent holds is ``You carry a blue ball``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# minigrid's encoding (minigrid.core.constants), fixed by its observation format.
OBJECTS = ("unseen", "empty", "wall", "floor", "door", "key", "ball", "box", "goal", "lava", "agent")
COLOURS = ("red", "green", "blue", "purple", "yellow", "grey")
DOOR_STATES = ("open", "closed", "locked")
NOT_DESCRIBED = {"unseen", "empty", "floor", "agent", "wall"}
VIEW = 7
AGENT = (VIEW // 2, VIEW - 1)  # the agent's cell in the view
# The cells straight ahead, to the left and to the right of the agent, nearest first.
STRAIGHT_LINES = (
    ("forward", [(AGENT[0], y) for y in range(AGENT[1] - 1, -1, -1)]),
    ("left", [(AGENT[0] - d, AGENT[1]) for d in range(1, AGENT[0] + 1)]),
    ("right", [(AGENT[0] + d, AGENT[1]) for d in range(1, AGENT[0] + 1)]),
)


def _steps(count: int, word: str) -> str:
    return f"{count} step{'s' if count != 1 else ''} {word}"


def offset_text(right: int, forward: int) -> str:
    """``1 step right and 2 steps forward``: where a cell lies from the agent."""
    parts = []
    if right:
        parts.append(_steps(abs(right), "right" if right > 0 else "left"))
    if forward:
        parts.append(_steps(forward, "forward"))
    return " and ".join(parts)


def object_name(kind: str, colour: str, state: int) -> str:
    if kind == "door":
        return f"{DOOR_STATES[state]} {colour} door"
    return f"{colour} {kind}"


def _article(name: str) -> str:
    return ("an " if name[0] in "aeiou" else "a ") + name


def describe_view(image: np.ndarray) -> list[str]:
    """The sentences of one egocentric view, nearest objects first (ties: left to right)."""
    seen: list[tuple[int, int, int, str]] = []
    for x in range(VIEW):
        for y in range(VIEW):
            kind = OBJECTS[image[x, y, 0]]
            if kind in NOT_DESCRIBED:
                continue
            right, forward = x - AGENT[0], AGENT[1] - y
            name = object_name(kind, COLOURS[image[x, y, 1]], int(image[x, y, 2]))
            seen.append((abs(right) + forward, right, forward, name))
    sentences = [
        f"You see {_article(name)} {offset_text(right, forward)}" for _, right, forward, name in sorted(seen)
    ]
    for direction, cells in STRAIGHT_LINES:
        for distance, (x, y) in enumerate(cells, 1):
            kind = OBJECTS[image[x, y, 0]]
            if kind == "wall":
                sentences.append(f"You see a wall {_steps(distance, direction)}")
            if kind != "empty" and kind != "floor":
                break  # anything else (or what cannot be seen) hides what lies beyond
    return sentences


def carrying_text(carrying: Any) -> str | None:
    """``You carry a blue ball``, or ``None`` with empty hands."""
    if carrying is None:
        return None
    return f"You carry {_article(object_name(carrying.type, carrying.color, 0))}"
