"""``Rotation-Text-v0`` and ``Rotation-Vision-v0``: ViGaL's mental-rotation game.

An episode is one question. Four views of 3D objects made of cubes form an example pair (an object
and the same object turned about the vertical axis, with the turn stated) and a test pair; the agent
names the test pair's turn::

    <answer>90 clockwise</answer>

The answers are ``90 clockwise``, ``90 counterclockwise`` and ``180`` (turns seen from above), and at
``hard`` difficulty also ``mirror`` (the fourth object is a mirror image of the third, which no turn
makes). Reward and score: 1 for the right answer, else 0. A reply that names no answer is invalid and
may be retried; after ``max_invalid_actions`` (default 3) such replies in a row the episode is truncated.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from palaestra.core import ActionError, TextEnv, quote, resolve_preset
from palaestra.envs.arcade.painter import MAX_IMAGE_SIZE, board_in_text, image_side
from palaestra.envs.arcade.rotation import render
from palaestra.envs.arcade.rotation.expert import expert_answer
from palaestra.envs.arcade.rotation.world import (
    CLOCKWISE,
    COUNTERCLOCKWISE,
    HALF_TURN,
    MIRROR,
    RotationPuzzle,
    check_settings,
)

ANSWERS = ("90 clockwise", "90 counterclockwise", "180", "mirror")  # by answer index
_TURN_PHRASES = ("90 degrees clockwise", "90 degrees counterclockwise", "180 degrees")

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"min_cubes": 8, "max_cubes": 9, "same_object": True, "mirror_prob": 0.0},
    "medium": {"min_cubes": 8, "max_cubes": 10, "same_object": False, "mirror_prob": 0.0},
    "hard": {"min_cubes": 10, "max_cubes": 12, "same_object": False, "mirror_prob": 0.25},
}

_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.IGNORECASE | re.DOTALL)
_DIRECTION_WORDS = re.compile(r"\b(?:counter[\s-]?clockwise|anti[\s-]?clockwise|ccw)\b|\b(?:clockwise|cw)\b")
_FILLER = frozenset(
    (
        "the",
        "a",
        "an",
        "it",
        "is",
        "its",
        "by",
        "of",
        "answer",
        "rotation",
        "rotated",
        "rotate",
        "rotates",
        "turned",
        "turn",
        "turns",
        "degrees",
        "degree",
        "deg",
        "image",
    )
)
_MIRROR_WORDS = frozenset(("mirror", "mirrored", "reflection", "reflected", "flipped"))
_NUMBERS = {"90": 90, "180": 180, "270": 270, "quarter": 90, "half": 180}


def parse_answer(text: str, mirrors: bool) -> int:
    """The answer index named by ``text`` (the last ``<answer>`` tag, or the whole text).

    Accepts ``90 clockwise``, ``90 cw``, ``-90`` (negative angles are clockwise), ``clockwise``,
    ``270 counterclockwise``, ``180``, ``half turn``, ``90°  CCW`` and the like; ``mirror`` (or
    ``mirrored``, ``reflection``) where mirrors are among the answers. Raises ActionError otherwise.
    """
    tags = _ANSWER_TAG.findall(text)
    phrase = tags[-1] if tags else text
    phrase = re.sub(r"(\d)([a-z°])", r"\1 \2", phrase.lower()).replace("°", " ").replace("\u2212", "-")
    phrase = _DIRECTION_WORDS.sub(lambda m: " cw " if m.group() in ("clockwise", "cw") else " ccw ", phrase)
    words = [w for w in re.split(r"[\s.,;:!?\"'`*()\[\]]+", phrase) if w and w not in _FILLER]
    allowed = ", ".join(ANSWERS if mirrors else ANSWERS[:3])
    if words and set(words) <= _MIRROR_WORDS:
        if not mirrors:
            raise ActionError(f"mirror is not among the answers here; answer with one of: {allowed}")
        return MIRROR
    angle = sign = direction = None
    for word in words:
        if word in ("cw", "ccw") and direction is None:
            direction = word
        elif word.lstrip("+-") in _NUMBERS and angle is None:
            angle = _NUMBERS[word.lstrip("+-")]
            sign = word[0] if word[0] in "+-" else None
        else:
            raise ActionError(
                f"{quote(text.strip())} is not an answer; answer with one of: {allowed}, "
                "e.g. <answer>180</answer>"
            )
    if angle is None and direction is None:
        raise ActionError(f"no answer given; answer with one of: {allowed}, e.g. <answer>180</answer>")
    if angle == 180:
        return HALF_TURN
    if sign is not None and direction is not None:
        raise ActionError("give either a signed angle (-90 is clockwise) or a direction, not both")
    if sign is not None:
        clockwise = sign == "-"
    elif direction is not None:
        clockwise = direction == "cw"
    else:
        raise ActionError(f"say which way the {angle}-degree turn goes; answer with one of: {allowed}")
    if angle == 270:
        clockwise = not clockwise
    return CLOCKWISE if clockwise else COUNTERCLOCKWISE


def _coordinates(cubes: np.ndarray) -> str:
    return " ".join(f"({x},{y},{z})" for x, y, z in cubes.tolist())


class RotationEnv(TextEnv):
    """One mental-rotation question: which turn about the vertical axis takes view 3 to view 4.

    Observation (``-Text-``): the four objects' cube coordinates, the example pair's turn and the
    question. With ``vision=True``: a dict whose text states the example's turn and the question, and
    whose image shows the four views in a 2x2 grid (``image_size`` square, even, 64 to 2048; 1 2
    above, 3 4 below); ``text_board=True`` lists the coordinates there too.
    Action: one of ``valid_actions()``, bare or in an ``<action>`` or ``<answer>`` tag, e.g.
    ``<action>90 clockwise</action>`` (aliases: ``90 cw``,
    ``-90``, ``270 ccw``; ``90 ccw``, ``+90``; ``180``, ``half turn``; ``mirror``). Reward: 1 for the
    right answer, else 0; the episode ends with the first valid answer.

    Args:
        difficulty: ``easy`` (the test pair shows the example's object, 8 or 9 cubes), ``medium``
            (a new object of 8 to 10 cubes) or ``hard`` (10 to 12 cubes, and a quarter of the test
            pairs are mirror images: answer ``mirror``).
        min_cubes, max_cubes, same_object, mirror_prob: override the preset.
        text_board: whether the text lists the cube coordinates (always for ``-Text-``; by default
            not for ``-Vision-``, whose image shows the objects).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("Rotation-Vision-v0", difficulty="hard")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<answer>180</answer>")
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 1}
    default_invalid_action_reward = 0.0
    default_max_invalid_actions = 3

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        min_cubes: int | None = None,
        max_cubes: int | None = None,
        same_object: bool | None = None,
        mirror_prob: float | None = None,
        text_board: bool | None = None,
        **base: Any,
    ):
        self.settings = resolve_preset(
            PRESETS,
            difficulty,
            min_cubes=min_cubes,
            max_cubes=max_cubes,
            same_object=same_object,
            mirror_prob=mirror_prob,
        )
        check_settings(self.settings["min_cubes"], self.settings["max_cubes"], self.settings["mirror_prob"])
        side = image_side(base.get("image_size"), render.MIN_IMAGE_SIZE, self.image_shape[0], "four views")
        if side % 2:  # the four views tile the image in a 2x2 grid
            raise ValueError(
                f"image_size must be even, from {render.MIN_IMAGE_SIZE} to {MAX_IMAGE_SIZE}, got {side}"
            )
        base["image_size"] = side
        super().__init__(**base)
        self.text_board = board_in_text(text_board, self.vision)
        self.puzzle: RotationPuzzle | None = None
        self._given: int | None = None  # the answer given, None until answered
        self._image: np.ndarray | None = None  # the four views, drawn once per episode

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.puzzle = RotationPuzzle(rng=self.np_random, **self.settings)
        self._given = None
        self._image = None

    def _parse(self, text: str) -> int:
        return parse_answer(text, self.puzzle.mirrors)

    def _advance(self, action: int) -> tuple[float, bool]:
        self._given = action
        return float(action == self.puzzle.answer), True

    def _outcome(self) -> tuple[bool, float]:
        right = self._given is not None and self._given == self.puzzle.answer
        return right, float(right)

    def _state_bytes(self) -> bytes:
        return self.puzzle.state_bytes() + bytes((255 if self._given is None else self._given,))

    def valid_actions(self) -> list[str]:
        return list(ANSWERS if self.puzzle.mirrors else ANSWERS[:3])

    def expert_action(self) -> str:
        return f"<answer>{ANSWERS[expert_answer(self.puzzle)]}</answer>"

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        p = self.puzzle
        example = f"turned {_TURN_PHRASES[p.example_answer]}"
        lines = []
        if self.vision:
            lines += [
                (
                    "The image shows four views of objects made of cubes, in a 2x2 grid: 1 top left, "
                    "2 top right, 3 bottom left, 4 bottom right."
                ),
                f"Example pair: view 2 shows the object of view 1 {example} about the vertical axis.",
                "Test pair: views 3 and 4.",
            ]
        else:
            lines.append(f"Example pair: object 2 is object 1 {example} about the vertical z axis.")
        if self.text_board:
            for index, cubes in enumerate(p.views):
                if index == 2 and not self.vision:
                    lines.append("Test pair: objects 3 and 4.")
                lines.append(f"Object {index + 1} ({len(cubes)} cubes): {_coordinates(cubes)}")
        what = "view" if self.vision else "object"
        if self._given is None:
            lines.append(
                f"Question: which turn about the vertical axis takes {what} 3 to {what} 4? Answer "
                f"with one of: {', '.join(self.valid_actions())}."
            )
        else:
            verdict = "right" if self._given == p.answer else f"wrong; the answer was {ANSWERS[p.answer]}"
            lines.append(f"You answered {ANSWERS[self._given]}: {verdict}.")
        return "\n".join(lines)

    def _instructions(self) -> str:
        p = self.puzzle
        seen = "views" if self.vision else "objects"
        text = [
            (
                "This is a mental-rotation test. Each object is made of unit cubes joined face to "
                f"face. You are shown four {seen}: an example pair, where the second is the first "
                "turned about the vertical axis by a stated amount, and a test pair. Say which turn "
                "about the vertical axis takes the third to the fourth. Clockwise and "
                "counterclockwise are as seen from above; 180 is a half turn."
            )
        ]
        if p.mirrors:
            text.append(
                "The fourth may instead be a mirror image of the third (turned any way), which no "
                "turn can produce: then answer mirror."
            )
        if self.vision:
            text.append(
                "The image shows the four views in a 2x2 grid, numbered 1 2 (top) and 3 4 (bottom), "
                "all seen by the same camera from above and in front, with the vertical axis upright. "
                + render.IMAGE_LEGEND
            )
        if self.text_board:
            text.append(
                "Objects are lists of cube coordinates (x, y, z): x points east, y north and z up "
                "(z is the vertical axis), so a clockwise quarter turn takes (x, y, z) to (y, -x, z). "
                "Each object is shifted so that its smallest x, y and z are 0, and its cubes are "
                "listed in sorted order: the order says nothing about which cube is which."
            )
        text.append(
            f"Answer with one of: {', '.join(self.valid_actions())}. You may think first; then put "
            "the answer in an action tag, for example: <action>90 clockwise</action>, or in an "
            "answer tag: <answer>90 clockwise</answer> (also accepted: 90 cw, -90 for clockwise, "
            "90 ccw or +90 for counterclockwise, half turn for 180). "
            "Reward: 1 for the right answer, 0 otherwise."
        )
        return "\n".join(text)

    def _draw(self) -> np.ndarray:
        if self._image is None:
            cell = self.image_shape[0] // 2
            views = [render.render_view(cubes, cell) for cubes in self.puzzle.views]
            self._image = render.tile_views(views, self.image_shape[0])
        return self._image
