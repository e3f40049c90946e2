"""``BabyAI-<Level>-Text-v0`` and ``-Vision-v0``: minigrid's BabyAI levels in words (BabyAI-Text).

The world is minigrid's own level (``minigrid`` from the ``babyai`` extra); this module is its
language: the mission and what the agent sees, described relative to it, and the six actions in
words. The expert is minigrid's ``BabyAIBot``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image

from palaestra.core import ActionError, TextEnv, normalize, quote
from palaestra.core.registry import missing_extra
from palaestra.envs.babyai.describe import carrying_text, describe_view

# Our level names -> the minigrid ids an episode is drawn from, and the most steps any of them allows
# (minigrid's own ``max_steps``, which ends the episode truncated; tests check these figures).
LEVELS: dict[str, tuple[tuple[str, ...], int]] = {
    "GoTo": (("BabyAI-GoTo-v0",), 576),
    "GoToLocal": (("BabyAI-GoToLocal-v0",), 64),
    "Pickup": (("BabyAI-Pickup-v0",), 576),
    "PickupLoc": (("BabyAI-PickupLoc-v0",), 64),
    "Open": (("BabyAI-Open-v0",), 576),
    "OpenDoor": (("BabyAI-OpenDoor-v0",), 576),
    "PutNext": (("BabyAI-PutNextS7N4-v0",), 392),
    "PutNextLocal": (("BabyAI-PutNextLocal-v0",), 128),
    "Unlock": (("BabyAI-Unlock-v0",), 576),
    # The single-room mix BabyAI-Text trains on: go to, pick up, put next to, drawn per episode.
    "MixedLocal": (("BabyAI-GoToLocal-v0", "BabyAI-PickupLoc-v0", "BabyAI-PutNextLocal-v0"), 128),
}
PLAN_BUDGET = 200  # breadth-first searches one replan of BabyAIBot may take (a normal one takes a few)
ACTIONS = ("turn left", "turn right", "go forward", "pick up", "drop", "toggle")  # minigrid's 0..5
_SYNONYMS = {"left": 0, "right": 1, "forward": 2, "pickup": 3, "pick": 3, "open": 5}
_WORDS = {**{name: index for index, name in enumerate(ACTIONS)}, **_SYNONYMS}


def parse_babyai_action(text: str) -> int:
    """The minigrid action index of ``text`` (``go forward``, ``turn left`` ...); ``ActionError`` if none."""
    key = normalize(text).rstrip(".")
    if key in _WORDS:
        return _WORDS[key]
    raise ActionError(f"{quote(text)} is not an action; answer with one of: {', '.join(ACTIONS)}")


class _PlanTooLong(Exception):
    """BabyAIBot went past its search budget in one replan."""


def _budgeted_bot(world: Any) -> Any:
    """A BabyAIBot whose replans raise ``_PlanTooLong`` past ``PLAN_BUDGET`` searches."""
    from minigrid.utils.baby_ai_bot import BabyAIBot

    class BudgetedBot(BabyAIBot):
        def _breadth_first_search(self, *args: Any, **kwargs: Any) -> Any:
            if self.bfs_counter - self.searches_at_replan >= PLAN_BUDGET:
                raise _PlanTooLong
            return super()._breadth_first_search(*args, **kwargs)

    bot = BudgetedBot(world)
    bot.searches_at_replan = bot.bfs_counter
    return bot


def _bounded_plan(bot: Any, action_taken: int | None) -> int | None:
    """The bot's next action, or ``None`` if it could not plan within its budget."""
    bot.searches_at_replan = bot.bfs_counter
    try:
        return int(bot.replan(action_taken))
    except _PlanTooLong:
        return None


def _silent(*args: Any, **kwargs: Any) -> None:
    """``print`` for minigrid's level generator."""


class BabyAIEnv(TextEnv):
    """One BabyAI level of minigrid, observed in words (and, for vision, as minigrid's own rendering).

    Observation: the mission, a sentence per visible object relative to the agent ("You see a red box
    1 step right and 2 steps forward"), the nearest walls ahead, left and right, and what the agent
    carries; with ``vision=True`` the text keeps the mission and what is carried (``text_board=True``
    keeps the sentences too) and the image is minigrid's view of the whole grid, the agent's field of
    view highlighted. Actions: ``turn left``, ``turn right``, ``go forward``, ``pick up``, ``drop``,
    ``toggle``. Reward: minigrid's, 1 - 0.9 * steps / max_steps on success, else 0; the level's own
    step limit ends the episode truncated (``truncation_reason = "time_limit"``). Score: that reward.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("BabyAI-GoToLocal-Text-v0")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>go forward</action>")
    """

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 8}

    def __init__(self, *, level: str = "GoToLocal", text_board: bool | None = None, **base: Any):
        if level not in LEVELS:
            raise ValueError(f"unknown BabyAI level {level!r}; levels: {', '.join(LEVELS)}")
        missing = missing_extra("babyai")
        if missing:
            raise ImportError(f"BabyAI envs need minigrid: {missing}")
        super().__init__(**base)
        if text_board is False and not self.vision:
            raise ValueError(
                "text_board=False only applies to -Vision- ids; -Text- ids always describe the view"
            )
        self.level = level
        self.describe_view = (not self.vision) or bool(text_board)
        self._levels: dict[str, Any] = {}  # minigrid id -> its env, made on first use
        self.world: Any = None
        self.reward = 0.0
        self._ended = False
        self._moves = 0
        self._bot: Any = None
        self._advice: tuple[int, str] | None = None  # (moves when asked, the bot's action)
        self._last_action: int | None = None

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        import gymnasium as gym

        ids = LEVELS[self.level][0]
        minigrid_id = ids[int(self.np_random.integers(len(ids)))]
        if minigrid_id not in self._levels:
            import minigrid  # noqa: F401  (registers the BabyAI ids with Gymnasium)
            from minigrid.envs.babyai.core import roomgrid_level

            # It prints a line for each layout it draws and throws away, not output of the agent's. A
            # name in its module shadows the builtin there; redirecting stdout instead would be
            # process-wide, and not safe with episodes in other threads.
            roomgrid_level.print = _silent

            self._levels[minigrid_id] = gym.make(minigrid_id).unwrapped
        self.world = self._levels[minigrid_id]
        self._view, _ = self.world.reset(seed=int(self.np_random.integers(1 << 62)))
        self.reward, self._ended, self._moves = 0.0, False, 0
        self._bot, self._advice, self._last_action = None, None, None

    def _parse(self, text: str) -> int:
        return parse_babyai_action(text)

    def _advance(self, action: int) -> tuple[float, bool]:
        self._view, reward, terminated, truncated, _ = self.world.step(action)
        self._last_action, self._moves = action, self._moves + 1
        self.reward, self._ended = float(reward), bool(truncated)
        return self.reward, bool(terminated)

    def _truncation(self) -> str | None:
        return "time_limit" if self._ended else None

    def _outcome(self) -> tuple[bool, float]:
        return self.reward > 0, self.reward

    def _state_bytes(self) -> bytes:
        w = self.world
        held = "" if w.carrying is None else f"{w.carrying.type}:{w.carrying.color}"
        head = f"{w.mission}|{tuple(map(int, w.agent_pos))}|{int(w.agent_dir)}|{held}|{w.step_count}|"
        return head.encode() + w.grid.encode().tobytes()

    def valid_actions(self) -> list[str]:
        return list(ACTIONS)

    def expert_action(self) -> str:
        """``BabyAIBot``'s advice, replanned once per move (it is told the move actually made).

        The bot can plan forever: on some Unlock layouts its subgoals keep pushing exploration
        subgoals. A plan that needs more than ``PLAN_BUDGET`` searches is abandoned; a fresh bot
        plans from the current state, and if it is stuck too the expert turns left and tries again
        next move (so it fails such an episode rather than hang).
        """
        if self._advice is None or self._advice[0] != self._moves:
            action = None
            if self._bot is not None:
                action = _bounded_plan(self._bot, self._last_action)
            if action is None:
                self._bot = _budgeted_bot(self.world)
                action = _bounded_plan(self._bot, None)
            if action is None:
                self._bot, action = None, 0
            self._advice = (self._moves, ACTIONS[int(action)])
        return self._advice[1]

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        lines = [f"Goal: {self.world.mission}"]
        if self.describe_view:
            lines += describe_view(self._view["image"])
        carried = carrying_text(self.world.carrying)
        lines.append(carried or "You carry nothing")
        steps_left = self.world.max_steps - self.world.step_count
        lines.append(f"Steps left: {steps_left}")
        return "\n".join(lines)

    def _instructions(self) -> str:
        view = (
            "Each turn you are told what you see, relative to you, and what you carry."
            if self.describe_view
            else "Each turn an image shows the whole grid from above: you are the red triangle, pointing "
            "the way you face; the lighter cells are what you can see. Walls are grey, doors are "
            "coloured frames (a locked door has a keyhole), keys, balls and boxes have their colours."
        )
        return (
            "You are an agent in a grid world of rooms, with objects (keys, balls, boxes) and doors. "
            f"Complete the goal you are given in as few steps as you can. {view}\n"
            "Actions: turn left, turn right (turn in place), go forward (one cell), pick up (the object "
            "in front of you), drop (what you carry, in front of you), toggle (open or close the door "
            "in front of you; a locked door needs the key of its colour in your hands). You can carry "
            "one object. Doors must be open to pass.\n"
            "Answer with one action, e.g. <action>go forward</action>."
        )

    def _draw(self) -> np.ndarray:
        side = self.image_shape[0]
        tile = max(1, math.ceil(side / self.world.width))
        frame = self.world.get_frame(highlight=True, tile_size=tile)
        return np.asarray(Image.fromarray(frame).resize(self.image_shape[::-1], Image.NEAREST))
