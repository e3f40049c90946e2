import pytest

from palaestra.core import TextEnv


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
