"""``SnakeDecision-Text-v0`` / ``-Vision-v0``: ViGaL's one-decision Snake task.

An episode is one board position from a game in progress. The agent names its best move and the
set of deadly moves::

    <best_answer>UP</best_answer> <worst_answer>LEFT, DOWN</worst_answer>

``<worst_answer>None</worst_answer>`` says no move is deadly. The answer may come inside an
``<action>`` tag like any action; ``valid_actions`` lists all 64 well-formed answers (each best move
with each set of deadly moves), so the ``random`` agent answers in the format. Reward: 1 when the
best move is safe and the deadly set is exactly right, plus 0.1 for an answer in the right format.
Score and success: whether the answer is right. A reply without both tags is invalid and may be
retried; after ``max_invalid_actions`` (default 3) such replies in a row the episode is truncated.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import numpy as np

from palaestra.core import ActionError, TextEnv, resolve_preset
from palaestra.envs.arcade.grid import AXES, DIRECTIONS, MOVES, GridText, symbols_note
from palaestra.envs.arcade.painter import TilePainter, board_in_text
from palaestra.envs.arcade.snake import view
from palaestra.envs.arcade.snake.env import PRESETS
from palaestra.envs.arcade.snake.expert import expert_move
from palaestra.envs.arcade.snake.world import SnakeWorld, check_settings

FORMAT_REWARD = 0.1
MAX_WARMUP_TURNS = 24
_BEST = re.compile(r"<best_answer>(.*?)</best_answer>", re.IGNORECASE | re.DOTALL)
_WORST = re.compile(r"<worst_answer>(.*?)</worst_answer>", re.IGNORECASE | re.DOTALL)
_SEPARATORS = re.compile(r"\s*(?:,|;|/|\band\b|\s)\s*", re.IGNORECASE)


def parse_answer(text: str) -> tuple[int, frozenset[int]]:
    """``(best move, deadly set)`` from the two answer tags; ActionError if either is missing or wrong."""
    best, worst = _BEST.findall(text), _WORST.findall(text)
    if not best or not worst:
        raise ActionError(
            "answer with both tags, e.g. <best_answer>UP</best_answer> "
            "<worst_answer>LEFT, DOWN</worst_answer> (or <worst_answer>None</worst_answer>)"
        )
    best_move = MOVES.get(best[-1].strip().lower())
    if best_move is None:
        raise ActionError(f"best_answer {best[-1].strip()[:40]!r} is not one of UP, DOWN, LEFT, RIGHT")
    deadly = set()
    worst_text = worst[-1].strip()
    if worst_text.lower() not in ("none", ""):
        for word in _SEPARATORS.split(worst_text):
            if not word:
                continue
            move = MOVES.get(word.lower())
            if move is None:
                raise ActionError(f"worst_answer lists {word[:40]!r}, which is not a move")
            deadly.add(move)
    return best_move, frozenset(deadly)


def format_answer(best: int, deadly: frozenset[int] | set[int]) -> str:
    worst = ", ".join(DIRECTIONS[d].upper() for d in sorted(deadly)) or "None"
    return f"<best_answer>{DIRECTIONS[best].upper()}</best_answer> <worst_answer>{worst}</worst_answer>"


# Every well-formed answer: each best move with each subset of the four moves as the deadly set.
ANSWERS = tuple(
    format_answer(best, {d for d in range(4) if subset >> d & 1}) for best in range(4) for subset in range(16)
)
EXAMPLE = "<best_answer>UP</best_answer> <worst_answer>LEFT, DOWN</worst_answer>"


class SnakeDecisionEnv(TextEnv):
    """One Snake position, one answer: the best move and the deadly moves. See the module docstring."""

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 2}
    default_invalid_action_reward = 0.0
    default_max_invalid_actions = 3

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        size: int | None = None,
        opponent: str | None = None,
        num_apples: int | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        self.settings = resolve_preset(
            PRESETS, difficulty, size=size, opponent=opponent, num_apples=num_apples
        )
        check_settings(**self.settings)
        base["image_size"] = view.image_side(
            self.settings["size"], base.get("image_size"), self.image_shape[0]
        )
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        self._text = GridText(self.settings["size"], self.settings["size"], view.SYMBOLS)
        self.world: SnakeWorld | None = None
        self.deadly: frozenset[int] = frozenset()
        self._answered: bool | None = None  # None until answered, then whether right

    def _new_episode(self, options: dict[str, Any]) -> None:
        # Play a few turns with random safe moves so positions come from games in progress.
        while True:
            world = SnakeWorld(rng=self.np_random, **self.settings)
            for _ in range(int(self.np_random.integers(MAX_WARMUP_TURNS + 1))):
                safe = [d for d in range(4) if not world.is_deadly(d)]
                if not safe or world.step(safe[int(self.np_random.integers(len(safe)))])[1]:
                    break
            if world.alive and len(world.deadly_moves()) < 4:
                break
        self.pose(world)

    def pose(self, world: SnakeWorld) -> None:
        """Ask about ``world`` instead (hand-made or curated positions); the answer is worked out here."""
        if world.size != self.settings["size"]:
            raise ValueError(
                f"the position is {world.size}x{world.size}; this env asks about size {self.settings['size']}"
            )
        self.world, self.deadly, self._answered = world, frozenset(world.deadly_moves()), None

    def _parse(self, text: str) -> tuple[int, frozenset[int]]:
        return parse_answer(text)

    def _advance(self, action: tuple[int, frozenset[int]]) -> tuple[float, bool]:
        best, deadly = action
        self._answered = best not in self.deadly and deadly == self.deadly
        return float(self._answered) + FORMAT_REWARD, True

    def _outcome(self) -> tuple[bool, float]:
        return bool(self._answered), float(bool(self._answered))

    def _state_bytes(self) -> bytes:
        return self.world.state_bytes() + bytes((self._answered is None, bool(self._answered)))

    def valid_actions(self) -> list[str]:
        return list(ANSWERS)

    def expert_action(self) -> str:
        return format_answer(expert_move(self.world), self.deadly)

    def _describe(self) -> str:
        w = self.world
        question = (
            "Which move is best now, and which moves are deadly? Answer: "
            "<best_answer>MOVE</best_answer> <worst_answer>MOVES or None</worst_answer>"
        )
        if self._answered is not None:
            question = f"Your answer was {'right' if self._answered else 'wrong'}."
        if not self.text_board:
            return f"{view.status(w)}\n{question}"
        return f"{self._text.board(w.grid)}\n{view.LEGEND}\n{view.status(w, self._text.coords)}\n{question}"

    def _instructions(self) -> str:
        n, shown = self.settings["size"], self.text_board
        image = f"{view.IMAGE_LEGEND}\n" if self.vision else ""
        return (
            f"This is a position from a game of Snake on a {n}x{n} board. You control the "
            f"snake{symbols_note('Y is its head', shown)}; the enemy snake{symbols_note('E/e', shown)}, "
            "if any, moves at the same time. A move is deadly when it takes your head off the board "
            "or into a cell any snake occupies now (your own tail tip excepted, as it moves away). "
            "Name the best move, one that is not deadly and heads for an "
            f"apple{symbols_note('A', shown)}, and every deadly move.\n"
            f"{AXES}\n{image}"
            f"Answer in this format: {EXAMPLE}. Moves are UP, DOWN, LEFT, RIGHT; write "
            "<worst_answer>None</worst_answer> when no move is deadly. You may think first; then put "
            f"the answer in an action tag, for example: <action>{EXAMPLE}</action>\n"
            "Reward: 1 when your best move is safe and your deadly moves are exactly right, plus 0.1 "
            "for the format."
        )

    @cached_property
    def _painter(self) -> TilePainter:
        return view.board_painter(self.settings["size"], self.image_shape)

    def _draw(self) -> np.ndarray:
        return self._painter.draw(self.world.grid)
