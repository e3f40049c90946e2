"""``TextEnv``: the base class that gives every palaestra env the contract of DESIGN.md.

A subclass supplies the world and its language; the base does the rest the same way everywhere:
the text spaces, the ``-Vision-`` observation dict, action extraction, the invalid-action policy,
the standard info keys, ``state_key``, seeding by split, and rendering.

What a subclass implements::

    _new_episode(options)   build a fresh world from ``self.np_random``
    _parse(text)            text (already extracted) -> structured action; raise ActionError if illegal
    _advance(action)        apply a legal action -> (reward, terminated)
    _describe()             the observation text of the current state
    _instructions()         the task, rules, exact action syntax and an example
    _state_bytes()          a canonical byte string of the world state
    _outcome()              (success, score in [0, 1]) of the episode so far
    valid_actions()         the legal actions as strings, or None where they are not finite
    _draw()                 an RGB image of the state (image-capable envs only)
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.core import info as keys
from palaestra.core.actions import ActionError, extract_action
from palaestra.core.spaces import UnicodeText
from palaestra.core.window import ImageWindow

Split = Literal["train", "test"]
SPLITS: tuple[str, ...] = ("train", "test")


def split_seed(seed: int, split: str) -> int:
    """The seed of the generator behind episode ``seed`` of ``split``.

    Train seeds map to even generator seeds and test seeds to odd ones, so no test episode's random
    stream is ever a training episode's.
    """
    return 2 * int(seed) + SPLITS.index(split)


def seed_generator(generator: np.random.Generator, seed: int) -> None:
    """Set ``generator`` (a PCG64 one) in place to the stream of ``seed``.

    Gymnasium builds a new generator through numpy's ``SeedSequence`` on every seeded reset, which
    costs about 6 µs, more than a whole step of most palaestra envs. Here the 128-bit state and the
    (odd) 128-bit increment of PCG64 are the BLAKE2b digest of the seed instead: as well mixed, and
    about 2 µs. Distinct seeds give distinct increments, hence distinct PCG64 streams.
    """
    digest = hashlib.blake2b(seed.to_bytes(seed.bit_length() // 8 + 1, "little"), digest_size=32).digest()
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(digest[:16], "little"),
            "inc": int.from_bytes(digest[16:], "little") | 1,
        },
        "has_uint32": 0,
        "uinteger": 0,
    }


def state_hash(data: bytes) -> str:
    """A short stable hash (16 hex digits) of a state's canonical bytes."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


class TextEnv(gym.Env):
    """Base of every palaestra env. See the module docstring for what a subclass implements.

    Args:
        vision: observe ``{"text": str, "image": uint8 array (H, W, 3)}`` instead of text alone.
        render_mode: ``"ansi"`` (text), ``"rgb_array"`` (image-capable envs) or ``"human"``
            (a pygame window for image-capable envs, printed text otherwise).
        split: ``"train"`` or ``"test"``: which disjoint family of instances seeds draw from.
        invalid_action_reward: reward for a step whose text is not a legal action.
        max_invalid_actions: consecutive invalid actions after which the episode is truncated.
        image_size: the side of the (square) images of an env that draws; ``image_shape`` if not given.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi", "human"], "render_fps": 4}
    max_action_length = 1 << 20
    max_observation_length = 1 << 14
    image_shape: tuple[int, int] = (256, 256)  # (height, width) of images, where the env draws them
    default_invalid_action_reward = -0.1
    default_max_invalid_actions = 5

    def __init__(
        self,
        *,
        vision: bool = False,
        render_mode: str | None = None,
        split: Split = "train",
        invalid_action_reward: float | None = None,
        max_invalid_actions: int | None = None,
        image_size: int | None = None,
    ):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        draws = "rgb_array" in self.metadata["render_modes"]
        if vision and not draws:
            raise ValueError(f"{type(self).__name__} draws no images, so it has no vision variant")
        if image_size is not None:
            if not draws:
                raise ValueError(f"{type(self).__name__} draws no images, so it takes no image_size")
            if image_size < 1:
                raise ValueError(f"image_size must be at least 1, got {image_size}")
            self.image_shape = (image_size, image_size)
        self.vision = vision
        self.render_mode = render_mode
        self.split = split
        self.invalid_action_reward = float(
            self.default_invalid_action_reward if invalid_action_reward is None else invalid_action_reward
        )
        self.max_invalid_actions = int(
            self.default_max_invalid_actions if max_invalid_actions is None else max_invalid_actions
        )
        if self.max_invalid_actions < 1:
            raise ValueError("max_invalid_actions must be at least 1")
        self.action_space = UnicodeText(self.max_action_length)
        text_space = UnicodeText(self.max_observation_length)
        if vision:
            height, width = self.image_shape
            self.observation_space = spaces.Dict(
                {"text": text_space, "image": spaces.Box(0, 255, (height, width, 3), np.uint8)}
            )
        else:
            self.observation_space = text_space
        self._turn = 0
        self._invalid_streak = 0
        self._window: ImageWindow | None = None
        self._own_random: np.random.Generator | None = None  # the generator seeded resets reseed

    # -- the subclass's part ------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def _parse(self, text: str) -> Any:
        raise NotImplementedError

    def _advance(self, action: Any) -> tuple[float, bool]:
        raise NotImplementedError

    def _describe(self) -> str:
        raise NotImplementedError

    def _instructions(self) -> str:
        raise NotImplementedError

    def _state_bytes(self) -> bytes:
        raise NotImplementedError

    def _outcome(self) -> tuple[bool, float]:
        raise NotImplementedError

    def _draw(self) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} draws no images")

    def valid_actions(self) -> list[str] | None:
        """The legal actions now, as strings; ``None`` where they are not a finite list."""
        return None

    def _extra_info(self) -> dict[str, Any]:
        """Env-specific info entries added to every info dict."""
        return {}

    def expert_action(self) -> str:
        """The action text an expert that sees the whole world would send now (for ``expert`` agents)."""
        raise NotImplementedError(f"{type(self).__name__} has no expert")

    # -- the Gymnasium API --------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._seed(seed)
        self._turn = 0
        self._invalid_streak = 0
        self._new_episode(dict(options or {}))
        info = self._info()
        info[keys.INSTRUCTIONS] = self._instructions()
        if self.render_mode == "human":
            self.render()
        return self._observation(), info

    def step(self, action: str):
        self._turn += 1
        try:
            if not isinstance(action, str):
                raise ActionError(f"the action must be text, not {type(action).__name__}")
            if len(action) > self.max_action_length:
                raise ActionError(
                    f"the reply has {len(action)} characters, over the limit of {self.max_action_length}"
                )
            parsed = self._parse(extract_action(action))
        except ActionError as err:
            self._invalid_streak += 1
            error = str(err)
            truncated = self._invalid_streak >= self.max_invalid_actions
            info = self._info()
            info[keys.ACTION_VALID] = False
            info[keys.ACTION_ERROR] = error
            if truncated:
                info[keys.TRUNCATION_REASON] = "invalid_actions"
            obs = self._observation(f"Invalid action: {error}\n\n")
            return obs, self.invalid_action_reward, False, truncated, info
        self._invalid_streak = 0
        reward, terminated = self._advance(parsed)
        info = self._info()
        info[keys.ACTION_VALID] = True
        info[keys.ACTION_ERROR] = None
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(reward), bool(terminated), False, info

    def render(self):
        if self.render_mode == "ansi":
            return self._describe()
        if self.render_mode == "rgb_array":
            return self._draw().copy()
        if self.render_mode == "human":
            if "rgb_array" in self.metadata["render_modes"]:
                if self._window is None:
                    self._window = ImageWindow(type(self).__name__, self.metadata["render_fps"])
                self._window.show(self._draw())
            else:
                print(self._describe(), flush=True)
        return None

    def close(self):
        if self._window is not None:
            self._window.close()
            self._window = None

    # -- shared pieces ------------------------------------------------------------------------
    def _seed(self, seed: int) -> None:
        """Seed ``np_random`` for episode ``seed`` of this env's split (what ``Env.reset`` would do, faster).

        The env keeps one generator and reseeds it in place, so ``env.np_random`` is the same object
        across seeded resets; ``np_random_seed`` is the generator seed (see ``split_seed``).
        """
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        generator_seed = split_seed(seed, self.split)
        if self._own_random is None:
            self._own_random = np.random.Generator(np.random.PCG64())
        seed_generator(self._own_random, generator_seed)
        self._np_random, self._np_random_seed = self._own_random, generator_seed

    @property
    def turn(self) -> int:
        return self._turn

    @property
    def state_key(self) -> str:
        return state_hash(self._state_bytes())

    def _observation(self, prefix: str = ""):
        text = prefix + self._describe()
        if self.vision:
            return {"text": text, "image": self._draw().copy()}
        return text

    def _info(self) -> dict[str, Any]:
        success, score = self._outcome()
        info = {
            keys.TURN: self._turn,
            keys.STATE_KEY: self.state_key,
            keys.SUCCESS: bool(success),
            keys.SCORE: float(score),
        }
        actions = self.valid_actions()
        if actions is not None:
            info[keys.VALID_ACTIONS] = actions
        info.update(self._extra_info())
        return info
