"""``TextEnv``: the base class that gives every palaestra env the contract of DESIGN.md.

A subclass supplies the world and its language; the base does the rest the same way everywhere:
the text spaces, the ``-Vision-`` observation dict, action extraction, the invalid-action policy,
the standard info keys, ``state_key``, seeding by split, instance selection by ``task_id``, the
resources the env holds, world failures, observation clipping, tool schemas and rendering.

What a subclass implements::

    _new_episode(options)   build a fresh world from ``self.np_random`` (and ``self.task_id``)
    _parse(text)            text (already extracted) -> structured action; raise ActionError if illegal
    _advance(action)        apply a legal action -> (reward, terminated); ActionError if the world's
                            own parser refuses it (a simulator's), having changed nothing
    _describe()             the observation text of the current state
    _instructions()         the task, rules, exact action syntax and an example
    _state_bytes()          a canonical byte string of the world state
    _outcome()              (success, score in [0, 1]) of the episode so far
    valid_actions()         the legal actions as strings, or None where they are not finite
    _draw()                 an RGB image of the state (image-capable envs only)
    task_ids()              data-set envs: the instance ids of ``self.split``
    tools()                 tool envs: OpenAI-style schemas of the tools the actions call
    _truncation()           worlds with their own limits: why this step cuts the episode short
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from palaestra.core import info as keys
from palaestra.core.actions import ActionError, extract_action
from palaestra.core.errors import EnvError
from palaestra.core.spaces import UnicodeText
from palaestra.core.window import ImageWindow

SPLITS: tuple[str, ...] = ("train", "test")  # the default splits of an env
CLIP_MARKER = "\n[... {cut} characters cut ...]\n"
NOBODY = object()  # who forfeited an episode that nobody forfeited
# The failure an env holds before its first reset: a step then raises ResetNeeded. TextEnv checks the
# order of calls itself, so palaestra ids are registered without Gymnasium's OrderEnforcing wrapper.
NOT_RESET = "the env has not been reset"
R = TypeVar("R")


def split_seed(seed: int, split: str, splits: Sequence[str] = SPLITS) -> int:
    """The seed of the generator behind episode ``seed`` of ``split``, one of ``splits``.

    Generator seeds interleave the splits (with two splits, train seeds are even and test seeds
    odd), so no episode of one split ever shares its random stream with an episode of another.
    """
    return len(splits) * int(seed) + tuple(splits).index(split)


_SEED_HASHER = hashlib.blake2b(digest_size=32)


def seed_generator(generator: np.random.Generator, seed: int) -> None:
    """Set ``generator`` (a PCG64 one) in place to the stream of ``seed``.

    Gymnasium builds a new generator through numpy's ``SeedSequence`` on every seeded reset, which
    costs about 6 µs, more than a whole step of most palaestra envs. Here the 128-bit state and the
    (odd) 128-bit increment of PCG64 are the BLAKE2b digest of the seed instead: as well mixed, and
    about 2 µs. Distinct seeds give distinct increments, hence distinct PCG64 streams.
    """
    hasher = _SEED_HASHER.copy()  # a third cheaper than a new hasher, as in state_hash
    hasher.update(seed.to_bytes(seed.bit_length() // 8 + 1, "little"))
    digest = hasher.digest()
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(digest[:16], "little"),
            "inc": int.from_bytes(digest[16:], "little") | 1,
        },
        "has_uint32": 0,
        "uinteger": 0,
    }


_STATE_HASHER = hashlib.blake2b(digest_size=8)


def state_hash(data: bytes) -> str:
    """A short stable hash (16 hex digits) of a state's canonical bytes."""
    # A copy of a hasher made once costs a third less than a new one (every step hashes its state).
    hasher = _STATE_HASHER.copy()
    hasher.update(data)
    return hasher.hexdigest()


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, keeping its start and its end around a marker
    that says how many characters were cut (a traceback's last line, a page's end, stay visible)."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    while True:  # the marker's own length depends on the number it shows
        marker = CLIP_MARKER.format(cut=cut)
        kept = limit - len(marker)
        if kept < 0:
            return text[:limit]
        if len(text) - kept == cut:
            break
        cut = len(text) - kept
    head = kept - kept // 3
    return text[:head] + marker + text[len(text) - (kept - head) :]


def read_reply(reply: Any, max_length: int) -> str:
    """The action text of an agent's reply (DESIGN.md, "Action text"); ``ActionError`` if it is no text
    or longer than ``max_length``. Shared by every env, single- or multi-agent."""
    if not isinstance(reply, str):
        raise ActionError(f"the action must be text, not {type(reply).__name__}")
    if len(reply) > max_length:
        raise ActionError(f"the reply has {len(reply)} characters, over the limit of {max_length}")
    return extract_action(reply)


def describe_failure(error: BaseException) -> str:
    """One line naming a failure of the world (``ValueError: ...``)."""
    return f"{type(error).__name__}: {error}".splitlines()[0][:500]


class TextEnv(gym.Env):
    """Base of every palaestra env. See the module docstring for what a subclass implements.

    Args:
        vision: observe ``{"text": str, "image": uint8 array (H, W, 3)}`` instead of text alone.
        render_mode: ``"ansi"`` (text), ``"rgb_array"`` (image-capable envs) or ``"human"``
            (a pygame window for image-capable envs, printed text otherwise).
        split: one of the class's ``splits`` (``"train"`` or ``"test"`` by default): which disjoint
            family of instances seeds (and task ids) draw from.
        invalid_action_reward: reward for a step whose text is not a legal action.
        max_invalid_actions: consecutive invalid actions after which the episode is truncated, and
            forfeited: its success is false and its score 0.
        image_size: the side of the (square) images of an env that draws; ``image_shape`` if not given.
        step_timeout: seconds that work handed to another process (a sandbox run, a prover call) may
            take within one step; past it that work is killed and the step fails as a world error.

    Class attributes a subclass may set: ``splits``; ``reset_options`` (the ``options`` keys its
    ``reset`` reads, besides ``task_id``); ``free_text_actions`` (True where any text is a legal action,
    a dialogue's message for one); ``default_step_timeout``.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi", "human"], "render_fps": 4}
    splits: tuple[str, ...] = SPLITS
    reset_options: tuple[str, ...] = ()
    free_text_actions = False
    max_action_length = 1 << 20
    max_observation_length = 1 << 14
    image_shape: tuple[int, int] = (256, 256)  # (height, width) of images, where the env draws them
    default_invalid_action_reward = -0.1
    default_max_invalid_actions = 5
    default_step_timeout = 60.0

    def __init__(
        self,
        *,
        vision: bool = False,
        render_mode: str | None = None,
        split: str = "train",
        invalid_action_reward: float | None = None,
        max_invalid_actions: int | None = None,
        image_size: int | None = None,
        step_timeout: float | None = None,
    ):
        if split not in self.splits:
            raise ValueError(f"split must be one of {self.splits}, got {split!r}")
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
        self.step_timeout = float(self.default_step_timeout if step_timeout is None else step_timeout)
        if self.step_timeout <= 0:
            raise ValueError(f"step_timeout must be positive, got {step_timeout}")
        self.action_space = UnicodeText(self.max_action_length)
        text_space = UnicodeText(self.max_observation_length)
        if vision:
            height, width = self.image_shape
            self.observation_space = spaces.Dict(
                {"text": text_space, "image": spaces.Box(0, 255, (height, width, 3), np.uint8)}
            )
        else:
            self.observation_space = text_space
        self.task_id: str | None = None
        self._turn = 0
        # actor (None in a single-agent env) -> its bad replies in a row
        self._invalid_streaks: dict[Any, int] = {}
        self._forfeiter: Any = NOBODY  # the actor whose invalid replies ended the episode
        self._failure: str | None = NOT_RESET  # the world's error, once it has failed this episode
        self._observed: Any = None  # the last observation, shown again after a world failure
        self._state_key = ""
        self._window: ImageWindow | None = None
        self._own_random: np.random.Generator | None = None  # the generator seeded resets reseed
        self._resources: dict[str, tuple[Any, bool]] = {}  # name -> (resource, per episode)
        self._resource_lock = threading.RLock()

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

    def task_ids(self) -> Sequence[str] | None:
        """Data-set envs: the ids of the instances of ``self.split``; ``None`` for procedural envs."""
        return None

    def tools(self) -> list[dict[str, Any]] | None:
        """Tool envs: OpenAI-style schemas of the tools (``palaestra.core.tools``); ``None`` otherwise."""
        return None

    def _extra_info(self) -> dict[str, Any]:
        """Env-specific info entries added to every info dict."""
        return {}

    def _truncation(self) -> str | None:
        """Why the world itself cuts the episode short after this step (its own time limit, say), or
        ``None``; the step then ends truncated with that ``truncation_reason``."""
        return None

    def expert_action(self) -> str:
        """The action text an expert that sees the whole world would send now (for ``expert`` agents)."""
        raise NotImplementedError(f"{type(self).__name__} has no expert")

    # -- resources ----------------------------------------------------------------------------
    def resource(self, name: str, open_: Callable[[], R], *, per_episode: bool = False) -> R:
        """The resource ``name``, opened by ``open_()`` the first time it is asked for.

        It stays open across episodes, or with ``per_episode`` until the next reset, and is closed
        by ``close()`` and whenever the world fails (the next use opens a fresh one).
        """
        with self._resource_lock:
            held = self._resources.get(name)
            if held is None:
                held = (open_(), per_episode)
                self._resources[name] = held
            return held[0]

    def release_resources(self, *, per_episode_only: bool = False) -> None:
        """Close the resources held (only the per-episode ones with ``per_episode_only``)."""
        if not self._resources:  # most envs hold none: every reset passes here
            return
        with self._resource_lock:
            names = [n for n, (_, each) in self._resources.items() if each or not per_episode_only]
            held = [self._resources.pop(name)[0] for name in names]
        errors = []
        for item in held:
            try:
                item.close()
            except Exception as error:  # noqa: BLE001 - every resource is closed before one error is raised
                errors.append(error)
        if errors:
            raise errors[0]

    # -- the Gymnasium API --------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        options = dict(options) if options else {}
        tasks = self.task_ids()
        if options:  # most resets pass none: they skip the check
            self._check_options(options, tasks)
        if seed is not None:
            self._seed(seed)
        self.release_resources(per_episode_only=True)
        self.task_id = self._choose_task(tasks, options.pop("task_id", None)) if tasks is not None else None
        self._turn = 0
        self._invalid_streaks.clear()
        self._forfeiter = NOBODY
        self._failure = None
        try:
            self._new_episode(options)
            info = self._info()
            info[keys.INSTRUCTIONS] = self._instructions()
            observation = self._observation()
        except Exception as error:
            self._release_after_failure()
            raise EnvError(
                f"{type(self).__name__} failed to start an episode: {describe_failure(error)}"
            ) from error
        schemas = self.tools()
        if schemas is not None:
            info[keys.TOOLS] = schemas
        if self.render_mode == "human":
            self.render()
        return observation, info

    def step(self, action: str):
        self._turn += 1
        if self._failure is not None:
            return self._failed_step()
        actor = self._actor()
        try:
            parsed = self._parse(read_reply(action, self.max_action_length))
        except ActionError as err:
            return self._invalid_step(actor, str(err))
        try:
            reward, terminated = self._advance(parsed)
            info = self._info()
            observation = self._observation()
            ended = None if terminated else self._truncation()
        except ActionError as err:  # the world's own parser refused the command, changing nothing
            return self._invalid_step(actor, str(err))
        except Exception as error:  # the world failed (a crashed prover, a dead JVM), not the agent
            return self._world_failed(describe_failure(error))
        if self._invalid_streaks:
            self._invalid_streaks.pop(actor, None)
        info[keys.ACTION_VALID] = True
        info[keys.ACTION_ERROR] = None
        if ended is not None:
            info[keys.TRUNCATION_REASON] = ended
        if self.render_mode == "human":
            self.render()
        return observation, float(reward), bool(terminated), ended is not None, info

    def render(self):
        if self._failure is NOT_RESET:
            raise ResetNeeded("Cannot call env.render() before calling env.reset()")
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
        """Release every resource and the window. Idempotent, and safe to call from another thread
        while a step runs: that step then fails as a world error instead of waiting on the resource."""
        self.release_resources()
        window, self._window = self._window, None
        if window is not None:
            window.close()

    # -- shared pieces ------------------------------------------------------------------------
    def _seed(self, seed: int) -> None:
        """Seed ``np_random`` for episode ``seed`` of this env's split (what ``Env.reset`` would do, faster).

        The env keeps one generator and reseeds it in place, so ``env.np_random`` is the same object
        across seeded resets; ``np_random_seed`` is the generator seed (see ``split_seed``).
        """
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        generator_seed = split_seed(seed, self.split, self.splits)
        if self._own_random is None:
            self._own_random = np.random.Generator(np.random.PCG64())
        seed_generator(self._own_random, generator_seed)
        self._np_random, self._np_random_seed = self._own_random, generator_seed

    def _check_options(self, options: dict[str, Any], tasks: Sequence[str] | None) -> None:
        allowed = set(self.reset_options) | ({"task_id"} if tasks is not None else set())
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.reset takes no option(s) {', '.join(map(repr, unknown))}; "
                f"it takes: {', '.join(sorted(allowed)) or 'none'}"
            )

    def _choose_task(self, tasks: Sequence[str], task_id: Any) -> str:
        """The task asked for, or one drawn from ``np_random`` (so the seed picks it)."""
        if not tasks:
            raise ValueError(f"{type(self).__name__} has no instances in split {self.split!r}")
        if task_id is None:
            return tasks[int(self.np_random.integers(len(tasks)))]
        if not isinstance(task_id, str) or task_id not in tasks:
            shown = ", ".join(map(repr, list(tasks[:5]))) + (", ..." if len(tasks) > 5 else "")
            raise ValueError(
                f"unknown task_id {task_id!r} for split {self.split!r} of {type(self).__name__}; "
                f"its {len(tasks)} task ids are {shown}"
            )
        return task_id

    def _release_after_failure(self) -> None:
        try:
            self.release_resources()
        except Exception:  # noqa: BLE001 - the world's own error is the one to report
            pass

    def _world_failed(self, reason: str):
        """End the episode as a world failure: ``reason`` is kept, the resources are released."""
        self._failure = reason
        self._release_after_failure()
        return self._failed_step()

    @property
    def turn(self) -> int:
        return self._turn

    @property
    def state_key(self) -> str:
        return state_hash(self._state_bytes())

    def _observation(self, prefix: str = ""):
        self._observed = self._observation_of(prefix + self._describe())
        return self._observed

    def _observation_of(self, text: str):
        """An observation of ``text`` (clipped to the space's bound) and, for vision, the image."""
        if len(text) > self.max_observation_length:
            text = clip_text(text, self.max_observation_length)
        if self.vision:
            return {"text": text, "image": self._draw().copy()}
        return text

    def _actor(self) -> Any:
        """Who sends the next action: ``None`` in a single-agent env (multi-agent envs name a role)."""
        return None

    def _result(self) -> tuple[bool, float]:
        """``_outcome()``, or a failure scoring 0 once the agent has forfeited the episode."""
        return (False, 0.0) if self._forfeiter is not NOBODY else self._outcome()

    def _info(self) -> dict[str, Any]:
        success, score = self._result()
        self._state_key = state_key = state_hash(self._state_bytes())  # self.state_key, one call less
        info = {
            keys.TURN: self._turn,
            keys.STATE_KEY: state_key,
            keys.SUCCESS: bool(success),
            keys.SCORE: float(score),
        }
        if self.task_id is not None:
            info[keys.TASK_ID] = self.task_id
        actions = self.valid_actions()
        if actions is not None:
            info[keys.VALID_ACTIONS] = actions
        info.update(self._extra_info())
        return info

    def _invalid_step(self, actor: Any, error: str):
        """The world stays as it is; after ``max_invalid_actions`` in a row the actor forfeits."""
        streak = self._invalid_streaks[actor] = self._invalid_streaks.get(actor, 0) + 1
        truncated = streak >= self.max_invalid_actions
        if truncated:
            self._forfeiter = actor
        info = self._info()
        info[keys.ACTION_VALID] = False
        info[keys.ACTION_ERROR] = error
        if truncated:
            info[keys.TRUNCATION_REASON] = "invalid_actions"
        observation = self._observation(f"Invalid action: {error}\n\n")
        return observation, self.invalid_action_reward, False, truncated, info

    def _failed_step(self):
        """The episode ends truncated: the world failed, so nothing about it is asked again."""
        if self._failure is NOT_RESET:
            raise ResetNeeded("Cannot call env.step() before calling env.reset()")
        info = {
            keys.TURN: self._turn,
            keys.STATE_KEY: self._state_key,
            keys.SUCCESS: False,
            keys.SCORE: 0.0,
            keys.ACTION_VALID: True,
            keys.ACTION_ERROR: None,
            keys.TRUNCATION_REASON: "env_error",
            keys.ENV_ERROR: self._failure,
        }
        if self.task_id is not None:
            info[keys.TASK_ID] = self.task_id
        note = f"Environment error (not caused by your action): {self._failure}\n\n"
        seen = self._observed
        if isinstance(seen, dict):
            text = clip_text(note + seen["text"], self.max_observation_length)
            observation = {"text": text, "image": seen["image"].copy()}
        else:
            observation = clip_text(note + (seen or ""), self.max_observation_length)
        return observation, 0.0, False, True, info
