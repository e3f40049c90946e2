"""``Snake-Text-v0`` and ``Snake-Vision-v0``: the two-snake game that ViGaL trains on."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from palaestra.core import TextEnv, resolve_preset
from palaestra.envs.arcade.grid import (
    ANSWER_WITH_A_MOVE,
    AXES,
    DIRECTIONS,
    GridText,
    parse_move,
    symbols_note,
)
from palaestra.envs.arcade.painter import TilePainter, board_in_text
from palaestra.envs.arcade.snake import view
from palaestra.envs.arcade.snake.expert import expert_move
from palaestra.envs.arcade.snake.world import SnakeWorld, check_settings

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"size": 8, "opponent": "none", "num_apples": 3, "target_apples": 5},
    "medium": {"size": 10, "opponent": "greedy", "num_apples": 2, "target_apples": 10},
    "hard": {"size": 12, "opponent": "greedy", "num_apples": 1, "target_apples": 15},
}


class SnakeEnv(TextEnv):
    """Snake on an N x N board against an optional opponent snake.

    Observation: the board as text (legend, coordinates, status); with ``vision=True`` a dict of an
    RGB image of the board and a text of the status alone (turn, lengths, apples eaten), or of the
    board too with ``text_board=True``. ``image_size`` runs from 5 pixels a cell to 2048.
    Action: ``up``, ``down``, ``left`` or ``right`` (also ``north``/``east``/``south``/``west``,
    arrows, ``u``/``r``/``d``/``l``, ``move up``).
    Reward: +1 per apple eaten, -1 on death, ``invalid_action_reward`` for an unparsable action.
    The episode ends when the snake dies or has eaten ``target_apples`` (success).
    Score: 0.8 * min(1, eaten / target_apples) + 0.2 if alive at the end.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("Snake-Text-v0", opponent="none")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>up</action>")
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 8}

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        size: int | None = None,
        opponent: str | None = None,
        num_apples: int | None = None,
        target_apples: int | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        settings = resolve_preset(
            PRESETS,
            difficulty,
            size=size,
            opponent=opponent,
            num_apples=num_apples,
            target_apples=target_apples,
        )
        check_settings(**settings)
        self.settings = settings
        base["image_size"] = view.image_side(settings["size"], base.get("image_size"), self.image_shape[0])
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        self._text = GridText(settings["size"], settings["size"], view.SYMBOLS)
        self.world: SnakeWorld | None = None

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.world = SnakeWorld(rng=self.np_random, **self.settings)

    def _parse(self, text: str) -> int:
        return parse_move(text)

    def _advance(self, action: int) -> tuple[float, bool]:
        eaten, died = self.world.step(action)
        if died:
            return -1.0, True
        return float(eaten), self.world.apples_eaten >= self.world.target_apples

    def _outcome(self) -> tuple[bool, float]:
        w = self.world
        progress = min(1.0, w.apples_eaten / w.target_apples)
        return progress >= 1.0, 0.8 * progress + (0.2 if w.alive else 0.0)

    def _state_bytes(self) -> bytes:
        return self.world.state_bytes()

    def valid_actions(self) -> list[str]:
        return list(DIRECTIONS)

    def expert_action(self) -> str:
        return DIRECTIONS[expert_move(self.world)]

    def _extra_info(self) -> dict[str, Any]:
        return {"apples_eaten": self.world.apples_eaten, "alive": self.world.alive}

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        w = self.world
        if not self.text_board:
            return f"Turn {self._turn}.\n{view.status(w)}"
        board = self._text.board(w.grid)
        return f"Turn {self._turn}.\n{board}\n{view.LEGEND}\n{view.status(w, self._text.coords)}"

    def _instructions(self) -> str:
        return self._instruction_text

    @cached_property
    def _instruction_text(self) -> str:
        """The instructions, which depend on the settings alone: written once, read at every reset."""
        s = self.settings
        shown = self.text_board
        enemy_snake = f"An enemy snake{symbols_note('E/e', shown)}"
        enemy = {
            "none": "You are alone on the board.",
            "random": f"{enemy_snake} moves at random among its safe moves.",
            "greedy": f"{enemy_snake} heads for the nearest apple, avoiding certain death.",
        }[s["opponent"]]
        image = f"{view.IMAGE_LEGEND}\n" if self.vision else ""
        return (
            f"You control a snake{symbols_note('Y is its head, y its body', shown)} on a "
            f"{s['size']}x{s['size']} board. {enemy} Both snakes move one cell per turn at the same "
            f"time. Eating an apple{symbols_note('A', shown)} grows your snake by one and scores "
            "+1; a new apple appears. You die (-1, game over) if your head leaves the board, enters "
            "any cell a snake occupies now (your own tail tip excepted, as it moves away), or meets "
            "the enemy head in the same cell. Reversing into your own neck is death. Eat "
            f"{s['target_apples']} apples to win.\n"
            f"{AXES}\n{image}" + ANSWER_WITH_A_MOVE
        )

    @cached_property
    def _painter(self) -> TilePainter:
        return view.board_painter(self.settings["size"], self.image_shape)

    def _draw(self) -> np.ndarray:
        return self._painter.draw(self.world.grid)
