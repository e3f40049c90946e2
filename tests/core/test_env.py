import threading

import numpy as np
import pytest

from palaestra.core import SPLITS, ActionError, TextEnv, split_seed
from palaestra.core.env import clip_text


class _Drawing(TextEnv):
    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}


def test_image_size_sets_the_image_shape_and_the_observation_space():
    env = _Drawing(vision=True, image_size=64)
    assert env.image_shape == (64, 64)
    assert env.observation_space["image"].shape == (64, 64, 3)
    assert _Drawing().image_shape == TextEnv.image_shape


def test_image_size_is_refused_where_nothing_is_drawn_or_it_is_empty():
    with pytest.raises(ValueError, match="draws no images, so it takes no image_size"):
        TextEnv(image_size=64)
    with pytest.raises(ValueError, match="at least 1"):
        _Drawing(image_size=0)


class _Draws(TextEnv):
    """Observes one number drawn from ``np_random`` per episode."""

    def _new_episode(self, options):
        self.value = int(self.np_random.integers(1 << 62))

    def _describe(self):
        return str(self.value)

    def _instructions(self):
        return ""

    def _state_bytes(self):
        return str(self.value).encode()

    def _outcome(self):
        return False, 0.0


def test_seeded_resets_reseed_one_generator_in_place_and_repeat_exactly():
    env = _Draws()
    first, _ = env.reset(seed=7)
    generator = env.np_random
    unseeded, _ = env.reset()  # continues the stream of seed 7
    again, _ = env.reset(seed=7)
    assert env.np_random is generator and again == first != unseeded
    assert env.reset()[0] == unseeded
    assert env.np_random_seed == 14  # the generator seed of train episode 7
    assert env.reset(seed=np.int64(7))[0] == first


def test_every_seed_and_split_gets_its_own_stream():
    seen = {_Draws(split=split).reset(seed=seed)[0] for split in SPLITS for seed in [*range(500), 2**70]}
    assert len(seen) == 2 * 501


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_a_seed_that_is_not_a_non_negative_integer_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        _Draws().reset(seed=seed)


# -- contract v2: options and task ids, splits, resources, world failures, clipping, tools ----------
class _Catalogue(TextEnv):
    """A data-set env: instances are named, one catalogue per split; a resource counts its openings."""

    splits = ("train", "valid_seen", "valid_unseen")
    reset_options = ("hint",)
    opened = []

    def __init__(self, *, crash_at=None, text_length=10, **base):
        super().__init__(**base)
        self.crash_at, self.text_length = crash_at, text_length

    def task_ids(self):
        return [f"{self.split}/{i}" for i in range(4)]

    def _new_episode(self, options):
        self.hint = options.get("hint", "")
        self.value = self.task_ids().index(self.task_id)
        self.session = self.resource("session", lambda: _Session(self.opened), per_episode=True)
        self.index = self.resource("index", lambda: _Session(self.opened))

    def _parse(self, text):
        if text != "go":
            raise ActionError("say go")
        return text

    def _advance(self, action):
        if self.crash_at is not None and self.turn >= self.crash_at:
            raise BrokenPipeError("the JVM is gone")
        self.value += 1
        return 0.0, False

    def _describe(self):
        return f"value {self.value} " + "x" * self.text_length + " end"

    def _instructions(self):
        return "Say <action>go</action>."

    def _state_bytes(self):
        return str(self.value).encode()

    def _outcome(self):
        return True, 1.0


class _Session:
    def __init__(self, log):
        self.closed = False
        log.append(self)

    def close(self):
        self.closed = True


def test_task_id_picks_the_instance_and_every_info_names_it():
    env = _Catalogue(split="valid_seen")
    obs, info = env.reset(options={"task_id": "valid_seen/2", "hint": "h"})
    assert info["task_id"] == "valid_seen/2" and obs.startswith("value 2") and env.hint == "h"
    assert env.step("go")[-1]["task_id"] == "valid_seen/2"
    drawn = {env.reset(seed=seed)[1]["task_id"] for seed in range(40)}
    assert drawn == set(env.task_ids())  # without a task_id the seed draws one
    assert env.reset(seed=3)[1]["task_id"] == env.reset(seed=3)[1]["task_id"]


def test_unknown_options_task_ids_and_splits_are_clear_errors():
    env = _Catalogue()
    with pytest.raises(ValueError, match="takes no option\\(s\\) 'seed_offset'; it takes: hint, task_id"):
        env.reset(options={"seed_offset": 1})
    with pytest.raises(ValueError, match="unknown task_id 'valid_seen/2' for split 'train'"):
        env.reset(options={"task_id": "valid_seen/2"})
    with pytest.raises(ValueError, match="split must be one of \\('train', 'valid_seen', 'valid_unseen'\\)"):
        _Catalogue(split="test")
    with pytest.raises(ValueError, match="takes no option\\(s\\) 'task_id'"):
        _Draws().reset(options={"task_id": "0"})


def test_splits_of_any_number_never_share_a_generator_seed():
    splits = _Catalogue.splits
    seeds = [split_seed(seed, split, splits) for split in splits for seed in range(1000)]
    assert len(set(seeds)) == len(seeds)
    assert split_seed(5, "test") == 11  # the two default splits keep the seeds they always had


def test_resources_open_lazily_live_per_episode_or_per_env_and_close_once():
    log = _Catalogue.opened = []
    env = _Catalogue()
    assert log == []
    env.reset(seed=0)
    session, index = log
    env.reset(seed=1)
    assert session.closed and not index.closed and len(log) == 3  # a new session, the same index
    closer = threading.Thread(target=env.close)
    closer.start()
    closer.join()
    env.close()
    assert all(r.closed for r in log)
    env.reset(seed=2)  # a closed env opens what it needs again
    assert len(log) == 5


def test_a_world_failure_ends_the_episode_as_an_env_error_and_frees_its_resources():
    log = _Catalogue.opened = []
    env = _Catalogue(crash_at=2)
    env.reset(seed=0, options={"task_id": "train/0"})
    env.step("go")
    obs, reward, terminated, truncated, info = env.step("go")
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert info["truncation_reason"] == "env_error"
    assert info["env_error"] == "BrokenPipeError: the JVM is gone"
    assert info["score"] == 0.0 and info["success"] is False
    assert obs.startswith("Environment error (not caused by your action): BrokenPipeError")
    assert "value 1" in obs  # the last state shown stays visible
    assert all(r.closed for r in log)
    assert env.step("go")[3] is True  # the failed world is not asked again
    assert env.reset(seed=0)[1]["turn"] == 0  # a new episode starts cleanly


def test_a_world_that_cannot_start_raises_env_error():
    from palaestra.core.errors import EnvError

    class _NoStart(_Draws):
        def _new_episode(self, options):
            raise FileNotFoundError("games/valid_seen missing")

    with pytest.raises(EnvError, match="_NoStart failed to start an episode: FileNotFoundError: games"):
        _NoStart().reset(seed=0)


def test_long_observations_are_clipped_with_a_marker_saying_how_much_was_cut():
    env = _Catalogue(text_length=50_000)
    obs, _ = env.reset(seed=0, options={"task_id": "train/0"})
    assert len(obs) == env.max_observation_length and env.observation_space.contains(obs)
    assert obs.startswith("value 0 xxx") and obs.endswith("xxx end")
    cut = int(obs.split("[... ")[1].split(" characters cut")[0])
    assert cut + len(obs) - len(f"\n[... {cut} characters cut ...]\n") == len("value 0 ") + 50_000 + len(
        " end"
    )


@pytest.mark.parametrize("length", [0, 5, 99, 100, 101, 1000, 123_456])
def test_clip_text_keeps_the_bound_exactly(length):
    text = "".join(chr(65 + i % 26) for i in range(length))
    clipped = clip_text(text, 100)
    assert clipped == text if length <= 100 else (len(clipped) == 100 and "characters cut" in clipped)


def test_forfeiting_by_invalid_replies_scores_zero_whatever_was_reached():
    env = _Catalogue(max_invalid_actions=2)
    env.reset(seed=0)
    assert env.step("go")[-1]["score"] == 1.0
    env.step("no")
    *_, truncated, info = env.step("no")
    assert truncated and info["truncation_reason"] == "invalid_actions"
    assert (info["success"], info["score"]) == (False, 0.0)


def test_a_step_or_render_before_the_first_reset_raises_reset_needed_through_gym_make():
    # palaestra ids are registered without Gymnasium's OrderEnforcing wrapper: TextEnv checks the order.
    import gymnasium as gym
    from gymnasium.error import ResetNeeded

    import palaestra  # noqa: F401

    env = gym.make("Snake-Text-v0")
    assert env.env is env.unwrapped  # TimeLimit over the env: no checker or order wrappers between
    with pytest.raises(ResetNeeded, match="before calling env.reset"):
        env.step("up")
    with pytest.raises(ResetNeeded, match="before calling env.reset"):
        env.render()
    env.reset(seed=0)
    assert env.step("up")[4]["action_valid"]
