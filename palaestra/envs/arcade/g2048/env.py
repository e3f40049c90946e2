"""``2048-Text-v0`` and ``2048-Vision-v0``: slide and merge tiles to reach a target tile."""

from __future__ import annotations

from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np

from palaestra.core import ActionError, TextEnv, resolve_preset
from palaestra.envs.arcade import grid
from palaestra.envs.arcade.g2048 import view
from palaestra.envs.arcade.g2048.expert import expert_move
from palaestra.envs.arcade.g2048.world import DIRECTIONS, Game2048World
from palaestra.envs.arcade.painter import TilePainter, board_in_text, grid_image_side

# 2048 players slide, swipe or push the tiles rather than move them.
MOVES = grid.move_names(("move", "slide", "swipe", "push", "go"))

# The legal moves (a tuple of directions, the world's ``legal``) by name, and as the observation says them.
_MOVE_NAMES = {
    legal: tuple(DIRECTIONS[d] for d in legal)
    for count in range(5)
    for legal in combinations(range(4), count)
}
_LEGAL_TEXT = {legal: ", ".join(names) or "none (game over)" for legal, names in _MOVE_NAMES.items()}
# The status line of an observation: moves, points, the largest tile and the target.
_STATUS = "Move %d. Points: %d. Largest tile: %d (target %d)."
# The end of a text board's observation, by the legal moves.
_LEGEND_AND_LEGAL = {legal: f"{view.LEGEND}\nLegal moves: {text}." for legal, text in _LEGAL_TEXT.items()}

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"size": 4, "target": 256},
    "medium": {"size": 4, "target": 2048},
    "hard": {"size": 4, "target": 4096},
}


def parse_move(text: str) -> int:
    """The direction index ``text`` names, in the grid games' words or 2048's own (``slide left``)."""
    return grid.parse_move(text, MOVES)


class Game2048Env(TextEnv):
    """2048 on an N x N board, played until the target tile appears or no move is left.

    Observation: the board as text (coordinates, legend, points, legal moves); with ``vision=True`` a
    dict of an RGB image of the tiles (``image_size`` from 24 pixels a cell to 2048) and a text of
    the status alone (moves, points, largest tile, legal moves), or of the board too with
    ``text_board=True``. Action: ``up``, ``down``, ``left`` or ``right``
    (also ``north``/``south``/``west``/``east``, arrows, ``u``/``d``/``l``/``r``, ``slide left``,
    ``swipe up``). A move that changes nothing is invalid: the board stays as it is
    and the step costs ``invalid_action_reward``; ``valid_actions`` lists only the moves that change
    the board. Reward: the classic 2048 points of the move (the sum of the tiles its merges make)
    divided by the target tile, so merging two halves of the target earns 1.
    The episode ends when a tile reaches ``target`` (success) or no move is left.
    Score: log2(largest tile) / log2(target), at most 1.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("2048-Text-v0", difficulty="easy")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step(info["valid_actions"][0])
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 8}

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        size: int | None = None,
        target: int | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        settings = resolve_preset(PRESETS, difficulty, size=size, target=target)
        if not 2 <= settings["size"] <= 8:
            raise ValueError(f"size must be between 2 and 8, got {settings['size']}")
        if settings["target"] < 4 or settings["target"] & (settings["target"] - 1):
            raise ValueError(f"target must be a power of two of at least 4, got {settings['target']}")
        self.settings = settings
        n = settings["size"]
        base["image_size"] = grid_image_side(
            base.get("image_size"), n, n, view.MIN_CELL, self.image_shape[0], "a 2048 board"
        )
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        self._text = view.BoardText(settings["size"])
        # The text observation as one template: the status, the board, and the legend and legal moves.
        self._page = self._text.page(_STATUS, "%s")
        self.world: Game2048World | None = None

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.world = Game2048World(self.settings["size"], self.settings["target"], self.np_random)

    def _parse(self, text: str) -> int:
        move = MOVES.get(text)  # a listed name as it is, the usual reply, skips parse_move's calls
        if move is None:
            move = parse_move(text)
        if move not in self.world.legal:
            legal = ", ".join(self.valid_actions()) or "none"
            raise ActionError(
                f"moving {DIRECTIONS[move]} changes nothing on this board; legal moves: {legal}"
            )
        return move

    def _advance(self, action: int) -> tuple[float, bool]:
        w = self.world
        points = w.move(action)
        return points / w.target, w.won or not w.legal  # not w.legal: w.over, one call less

    def _outcome(self) -> tuple[bool, float]:
        w = self.world
        return w.won, min(1.0, w.max_exponent / w.target_exponent)

    def _state_bytes(self) -> bytes:
        return self.world.board  # what world.state_bytes() is, one call less

    def valid_actions(self) -> list[str]:
        return list(_MOVE_NAMES[self.world.legal])

    def expert_action(self) -> str:
        return DIRECTIONS[expert_move(self.world)]

    def _extra_info(self) -> dict[str, Any]:
        return {"points": self.world.points, "max_tile": 1 << self.world.max_exponent}

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        w = self.world
        if not self.text_board:
            status = _STATUS % (w.moves, w.points, 1 << w.max_exponent, w.target)
            return f"{status}\nLegal moves: {_LEGAL_TEXT[w.legal]}."
        rows = map(self._text.row_text, w.rows)  # self._text.row_texts(w), one call less
        return self._page % (
            w.moves,
            w.points,
            1 << w.max_exponent,
            w.target,
            *rows,
            _LEGEND_AND_LEGAL[w.legal],
        )

    def _instructions(self) -> str:
        s = self.settings
        image = f"{view.IMAGE_LEGEND}\n" if self.vision else ""
        return (
            f"You play 2048 on a {s['size']}x{s['size']} board. Each move slides every tile as far as "
            "it goes up, down, left or right. Two tiles of the same value that collide merge into one "
            "tile of their sum; a tile made by a merge does not merge again in the same move (a row "
            "2 2 2 2 slid left becomes 4 4 . .). After every move a new tile appears on a random "
            "empty cell: a 2 (90%) or a 4 (10%). A move that changes nothing is not allowed. "
            f"Reward: the sum of the tiles your merges make, divided by {s['target']}. You win by making "
            f"a {s['target']} tile; the game is lost when no move changes the board.\n"
            f"{view.AXES}\n{image}" + grid.ANSWER_WITH_A_MOVE
        )

    @cached_property
    def _painter(self) -> TilePainter:
        return view.board_painter(self.settings["size"], self.image_shape)

    def _draw(self) -> np.ndarray:
        return self._painter.draw(self.world.board)
