"""``Minesweeper-Text-v0`` and ``Minesweeper-Vision-v0``: reveal every safe cell without hitting a mine."""

from __future__ import annotations

import re
from functools import cached_property
from itertools import compress
from typing import Any

import numpy as np

from palaestra.core import ActionError, TextEnv, normalize, quote, resolve_preset
from palaestra.envs.arcade.minesweeper import view
from palaestra.envs.arcade.minesweeper.expert import expert_move
from palaestra.envs.arcade.minesweeper.world import (
    FLAG,
    HIDDEN,
    PLACE_FLAG,
    REMOVE_FLAG,
    REVEAL,
    VERBS,
    MinesweeperWorld,
)
from palaestra.envs.arcade.painter import TilePainter, board_in_text, grid_image_side

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"width": 6, "height": 6, "mines": 4},
    "medium": {"width": 9, "height": 9, "mines": 10},
    "hard": {"width": 16, "height": 16, "mines": 40},
}
_IS_HIDDEN = bytes(code == HIDDEN for code in range(256))
_IS_FLAG = bytes(code == FLAG for code in range(256))
WIN_REWARD = 1.0
MINE_REWARD = -1.0

_VERB_NAMES = {
    "reveal": REVEAL,
    "open": REVEAL,
    "click": REVEAL,
    "dig": REVEAL,
    "uncover": REVEAL,
    "r": REVEAL,
    "flag": PLACE_FLAG,
    "mark": PLACE_FLAG,
    "f": PLACE_FLAG,
    "unflag": REMOVE_FLAG,
    "unmark": REMOVE_FLAG,
    "u": REMOVE_FLAG,
}
# "reveal 3 4", "flag (3, 4)", "reveal x=3, y=4", "(3,4)" (a bare cell reveals it), "unflag [3 4]."
_ACTION = re.compile(
    r"(?:(?P<verb>[a-z]+)\s*)?[(\[]?\s*(?:x\s*[=:]\s*)?(?P<x>\d{1,4})\s*(?:,\s*|\s+)"
    r"(?:y\s*[=:]\s*)?(?P<y>\d{1,4})\s*[)\]]?"
)


def parse_action(text: str) -> tuple[int, int, int]:
    """``(verb, x, y)`` from the action text; ActionError if it does not name a move on a cell."""
    match = _ACTION.fullmatch(normalize(text).strip(" .!\"'`*"))
    verb = _VERB_NAMES.get(match["verb"] or "reveal") if match else None
    if verb is None:
        raise ActionError(
            f"{quote(text)} is not a move; answer with 'reveal X Y', 'flag X Y' or 'unflag X Y', "
            "for example: reveal 3 4"
        )
    return verb, int(match["x"]), int(match["y"])


class MinesweeperEnv(TextEnv):
    """Minesweeper on a ``width x height`` field with ``mines`` mines; the first reveal is always safe.

    Observation: the field as text (coordinates, legend, counts); with ``vision=True`` a dict of an
    RGB image of the field (``image_size`` from 12 pixels a cell to 2048; by default 256 or the
    minimum if larger) and a text of the status alone (turn, mines, flags, safe cells left), or of
    the field too with ``text_board=True``. Action: ``reveal X Y``, ``flag X Y`` or ``unflag X Y``
    (also ``reveal 3,4``, ``(3, 4)`` for a reveal, ``open``/``click``/``mark``/``unmark``).
    Reward: the safe cells a reveal opens divided by all safe cells (so clearing the field sums to 1),
    plus 1 on winning; -1 on revealing a mine; 0 for flags.
    The episode ends on a mine (failure) or when every safe cell is revealed (success).
    Score: the fraction of safe cells revealed (1 exactly when won).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("Minesweeper-Text-v0", difficulty="easy")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("reveal 2 3")
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 4}

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        width: int | None = None,
        height: int | None = None,
        mines: int | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        settings = resolve_preset(PRESETS, difficulty, width=width, height=height, mines=mines)
        w, h, m = settings["width"], settings["height"], settings["mines"]
        if not (3 <= w <= 64 and 3 <= h <= 64):
            raise ValueError(f"width and height must be between 3 and 64, got {w}x{h}")
        if not 1 <= m <= w * h - 9:
            raise ValueError(f"mines must be between 1 and {w * h - 9} on a {w}x{h} field, got {m}")
        self.settings = settings
        base["image_size"] = grid_image_side(
            base.get("image_size"), h, w, view.MIN_CELL, self.image_shape[0], "a Minesweeper field"
        )
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        self._text = view.FieldText(w, h)
        # Each cell's action strings, made once: valid_actions lists them every step.
        cells = [(x, y) for y in range(h) for x in range(w)]
        self._action_text = [[f"{verb} {x} {y}" for x, y in cells] for verb in VERBS]
        # The listed strings parse by lookup; any other phrasing goes through the grammar.
        self._listed = {
            text: (verb, cell)
            for verb, texts in enumerate(self._action_text)
            for cell, text in enumerate(texts)
        }
        self._reveal_then_flag = self._action_text[REVEAL] + self._action_text[PLACE_FLAG]
        self._first_field = ""  # the all-hidden field's text, made at the first reset
        self.world: MinesweeperWorld | None = None

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        s = self.settings
        self.world = MinesweeperWorld(s["width"], s["height"], s["mines"], self.np_random)

    def _parse(self, text: str) -> tuple[int, int]:
        w = self.world
        action = self._listed.get(text)
        if action is None:
            verb, x, y = parse_action(text)
            if not (0 <= x < w.width and 0 <= y < w.height):
                raise ActionError(
                    f"({x}, {y}) is off the field; x runs from 0 to {w.width - 1}, y from 0 to {w.height - 1}"
                )
            action = verb, w.cell(x, y)
        problem = w.why_illegal(*action)
        if problem is not None:
            verb, cell = action
            raise ActionError(f"cannot {VERBS[verb]} {w.xy(cell)}: {problem}")
        return action

    def _advance(self, action: tuple[int, int]) -> tuple[float, bool]:
        w = self.world
        opened = w.play(*action)
        if w.lost:
            return MINE_REWARD, True
        reward = opened / w.safe_cells
        if w.won:
            reward += WIN_REWARD
        return reward, w.won

    def _outcome(self) -> tuple[bool, float]:
        w = self.world
        return w.won, w.revealed / w.safe_cells

    def _state_bytes(self) -> bytes:
        return self.world.state_bytes()

    def valid_actions(self) -> list[str]:
        w = self.world
        if w.over:
            return []
        if w.untouched:
            return list(self._reveal_then_flag)
        hidden = w.view.translate(_IS_HIDDEN)  # one byte per cell: 1 where hidden, else 0
        actions = list(compress(self._reveal_then_flag, hidden * 2))  # reveal, then flag, each hidden cell
        if w.flags:
            actions += compress(self._action_text[REMOVE_FLAG], w.view.translate(_IS_FLAG))
        return actions

    def expert_action(self) -> str:
        verb, cell = expert_move(self.world)
        return self._action_text[verb][cell]

    def _extra_info(self) -> dict[str, Any]:
        w = self.world
        return {"revealed": w.revealed, "safe_cells": w.safe_cells, "flags": w.flags}

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        w = self.world
        if w.lost:
            status = "You revealed a mine: game over."
        elif w.won:
            status = "Every safe cell is revealed: you won."
        else:
            status = f"Safe cells left to reveal: {w.safe_cells - w.revealed}."
        counts = f"Turn {self.turn}. Mines: {w.mines}. Flags placed: {w.flags}."
        if not self.text_board:
            return f"{counts}\n{status}"
        if w.untouched:
            if not self._first_field:
                self._first_field = self._text.field(w)
            field = self._first_field
        else:
            field = self._text.field(w)
        return f"{counts}\n{field}\n{view.LEGEND}\n{status}"

    def _instructions(self) -> str:
        s = self.settings
        image = f"{view.IMAGE_LEGEND}\n" if self.vision else ""
        return (
            f"You play Minesweeper on a {s['width']}x{s['height']} field hiding {s['mines']} mines. "
            "Reveal a cell to see how many of its 8 neighbours hold mines; a cell with no mine around "
            "it opens its neighbours automatically. Your first reveal is always safe and opens an "
            "area. Revealing a mine ends the game (reward -1). Each reveal earns the safe cells it "
            "opens divided by all safe cells, and revealing every safe cell wins (+1 more). Flags "
            "mark cells you believe are mines; a flagged cell must be unflagged before revealing it.\n"
            f"{view.AXES}\n{image}"
            "Each turn, answer with one move: reveal X Y, flag X Y or unflag X Y. You may think first; "
            "put the move in an action tag, for example: <action>reveal 3 4</action>"
        )

    @cached_property
    def _painter(self) -> TilePainter:
        s = self.settings
        return view.field_painter(s["width"], s["height"], self.image_shape)

    def _draw(self) -> np.ndarray:
        return self._painter.draw(self.world.view)
