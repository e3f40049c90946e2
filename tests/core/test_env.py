import numpy as np
import pytest

from palaestra.core import SPLITS, TextEnv


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
