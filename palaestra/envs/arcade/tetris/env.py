"""``Tetris-Text-v0`` and ``Tetris-Vision-v0``: place falling pieces to clear rows."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import numpy as np

from palaestra.core import ActionError, TextEnv, normalize, quote, resolve_preset
from palaestra.envs.arcade.grid import GridText
from palaestra.envs.arcade.painter import board_in_text, grid_image_side
from palaestra.envs.arcade.tetris import view
from palaestra.envs.arcade.tetris.expert import expert_move
from palaestra.envs.arcade.tetris.world import KINDS, LINE_REWARDS, ROTATIONS, TetrisWorld, column_tops

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"width": 6, "height": 12, "target_lines": 10},
    "medium": {"width": 10, "height": 20, "target_lines": 40},
    "hard": {"width": 10, "height": 14, "target_lines": 100},
}
TOP_OUT_REWARD = -1.0

# "rotation 1 column 3", "rotate 1, col 3", "r1 c3", "rotation=1 column=3", "1 3", "(1, 3)"
_ACTION = re.compile(
    r"(?:rot(?:ation|ate)?|r)?\s*[=:]?\s*(?P<rotation>\d{1,3})\s*,?\s*"
    r"(?:col(?:umn)?|c|x)?\s*[=:]?\s*(?P<column>\d{1,3})"
)


def parse_placement(text: str) -> tuple[int, int]:
    """``(rotation, column)`` from the action text; ActionError if it does not name a placement."""
    match = _ACTION.fullmatch(normalize(text).strip(" .!\"'`*()[]"))
    if match is None:
        raise ActionError(
            f"{quote(text)} is not a placement; answer with 'rotation R column C', for example: "
            "rotation 1 column 3"
        )
    return int(match["rotation"]), int(match["column"])


class TetrisEnv(TextEnv):
    """Tetris with placement actions: each step drops the current piece at a chosen rotation and column.

    Observation: the well as text (row and column numbers, legend), the current and next pieces, and
    the current piece's rotations drawn with the columns each may take; with ``vision=True`` a dict
    of an RGB image (the current piece above the well; ``image_size`` from 4 pixels a cell to 2048)
    and the same text without the well, or with it too with ``text_board=True``.
    Action: ``rotation R column C`` (also ``rotate R, col C``, ``r1 c3``, ``1 3``): R is the number
    of clockwise quarter turns from the piece's spawn orientation (0-3), C the well column of the
    piece's leftmost cell. The piece falls straight down from above the well. ``valid_actions`` lists
    every distinct placement.
    Reward: 1, 3, 5 or 8 for clearing 1, 2, 3 or 4 rows with one piece; -1 when a piece tops out.
    The episode ends when ``target_lines`` rows are cleared (success) or the well tops out.
    Score: rows cleared / ``target_lines``, at most 1.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("Tetris-Text-v0", difficulty="easy")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("rotation 0 column 0")
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 4}

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        width: int | None = None,
        height: int | None = None,
        target_lines: int | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        settings = resolve_preset(PRESETS, difficulty, width=width, height=height, target_lines=target_lines)
        if not (4 <= settings["width"] <= 30 and 4 <= settings["height"] <= 60):
            raise ValueError(
                f"the well must be 4-30 wide and 4-60 high, got {settings['width']}x{settings['height']}"
            )
        if settings["target_lines"] < 1:
            raise ValueError(f"target_lines must be at least 1, got {settings['target_lines']}")
        self.settings = settings
        base["image_size"] = grid_image_side(
            base.get("image_size"),
            view.image_rows(settings["height"]),
            settings["width"],
            view.MIN_CELL,
            self.image_shape[0],
            "a Tetris well with its preview",
        )
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        width = settings["width"]
        self._text = GridText(width, settings["height"], view.SYMBOLS)
        self._rotations = [view.rotations_text(kind, width) for kind in range(len(KINDS))]
        self._placements = [
            [
                f"rotation {r} column {c}"
                for r, shape in enumerate(shapes)
                for c in range(width - shape.width + 1)
            ]
            for shapes in ROTATIONS
        ]
        self.world: TetrisWorld | None = None

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.world = TetrisWorld(self.settings["width"], self.settings["height"], self.np_random)

    def _parse(self, text: str) -> tuple[int, int]:
        rotation, column = parse_placement(text)
        w = self.world
        if w.topped_out:
            raise ActionError("the game is over: the well topped out")
        if rotation > 3:
            raise ActionError(
                f"rotation {rotation} does not exist; rotations are 0, 1, 2 and 3 quarter turns"
            )
        shape = ROTATIONS[w.piece][rotation % len(ROTATIONS[w.piece])]
        last = w.width - shape.width
        if column > last:
            raise ActionError(
                f"column {column} puts the {KINDS[w.piece]} piece in rotation {rotation} outside the "
                f"well; its leftmost cell may be in columns 0 to {last}"
            )
        return rotation, column

    def _advance(self, action: tuple[int, int]) -> tuple[float, bool]:
        w = self.world
        cleared = w.place(*action)
        if w.topped_out:
            return TOP_OUT_REWARD, True
        return float(LINE_REWARDS[cleared]), w.lines >= self.settings["target_lines"]

    def _outcome(self) -> tuple[bool, float]:
        progress = min(1.0, self.world.lines / self.settings["target_lines"])
        return progress >= 1.0, progress

    def _state_bytes(self) -> bytes:
        return self.world.state_bytes()

    def valid_actions(self) -> list[str]:
        if self.world.topped_out:
            return []
        return list(self._placements[self.world.piece])

    def expert_action(self) -> str:
        rotation, column = expert_move(self.world)
        return f"rotation {rotation} column {column}"

    def _extra_info(self) -> dict[str, Any]:
        return {"lines": self.world.lines, "pieces": self.world.pieces}

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        w = self.world
        if w.topped_out:
            status = "The last piece topped out the well: game over."
        else:
            # the pieces come last, after the column heights the text board sums up: a reader of the
            # last lines alone (a small policy) has the whole decision
            heights = ""
            if self.text_board:
                tops = column_tops(w.rows, w.width)
                heights = f"Column heights, left to right: {' '.join(str(w.height - t) for t in tops)}.\n"
            status = (
                f"Placements of {KINDS[w.piece]} (X marks its cells):\n{self._rotations[w.piece]}\n"
                f"{heights}Current piece: {KINDS[w.piece]}. Next piece: {KINDS[w.next_piece]}."
            )
        target = self.settings["target_lines"]
        counts = f"Piece {w.pieces + 1}. Rows cleared: {w.lines} of {target}. Points: {w.points}."
        if not self.text_board:
            return f"{counts}\n{status}"
        return f"{counts}\n{self._text.board(w.cells)}\n{view.LEGEND}\n{status}"

    def _instructions(self) -> str:
        s = self.settings
        image = f"{view.IMAGE_LEGEND}\n" if self.vision else ""
        return (
            f"You play Tetris in a well {s['width']} columns wide and {s['height']} rows high. Pieces "
            "(I, O, T, S, Z, J, L) come in shuffled bags of seven. Each turn you place the current "
            "piece: choose its rotation (clockwise quarter turns from the orientation shown as "
            "rotation 0) and the column of its leftmost cell; it then falls straight down until it "
            "rests on the floor or on a filled cell. Full rows are cleared and the rows above move "
            "down. Clearing 1, 2, 3 or 4 rows with one piece earns 1, 3, 5 or 8. A piece that comes to "
            "rest sticking out above the top row ends the game (reward -1). Clear "
            f"{s['target_lines']} rows to win.\n"
            f"{view.AXES}\n{image}"
            "Each turn, answer with one placement: rotation R column C. You may think first; put the "
            "placement in an action tag, for example: <action>rotation 1 column 3</action>"
        )

    @cached_property
    def _painter(self) -> view.WellPainter:
        s = self.settings
        return view.WellPainter(s["width"], s["height"], self.image_shape)

    def _draw(self) -> np.ndarray:
        return self._painter.draw(self.world)
