"""Rotation: answers checked against turns this test computes on its own, the objects' shape, answer
parsing, and the rendered views."""

from collections import deque

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.core import ActionError
from palaestra.core import info as keys
from palaestra.envs.arcade.rotation.env import ANSWERS, PRESETS, RotationEnv, parse_answer
from palaestra.envs.arcade.rotation.render import render_view
from palaestra.envs.arcade.rotation.world import CLOCKWISE, COUNTERCLOCKWISE, HALF_TURN, MIRROR


def about_vertical(degrees: float) -> np.ndarray:
    """The rotation by ``degrees`` counterclockwise seen from above (z up, right-handed axes)."""
    t = np.radians(degrees)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])


# Each answer as this test understands it: clockwise seen from above is a negative angle.
TRANSFORMS = {
    "90 clockwise": about_vertical(-90),
    "90 counterclockwise": about_vertical(90),
    "180": about_vertical(180),
}
MIRRORS = {f"mirror {k}": about_vertical(k) @ np.diag([-1.0, 1.0, 1.0]) for k in (0, 90, 180, 270)}


def shape(cubes) -> set:
    """The cubes as a set of integer points with the minimum corner at the origin."""
    points = np.rint(np.asarray(cubes, float)).astype(int)
    return {tuple(p) for p in (points - points.min(axis=0)).tolist()}


def matching(first, second, transforms) -> list[str]:
    return [name for name, m in transforms.items() if shape(np.asarray(first) @ m.T) == shape(second)]


@pytest.mark.parametrize("difficulty", sorted(PRESETS))
def test_answers_match_independently_computed_turns(difficulty):
    env = gym.make("Rotation-Text-v0", difficulty=difficulty, split="test")
    seen = set()
    for seed in range(40):
        env.reset(seed=seed)
        puzzle = env.unwrapped.puzzle
        one, two, three, four = puzzle.views
        assert matching(one, two, TRANSFORMS) == [ANSWERS[puzzle.example_answer]]
        assert not matching(one, two, MIRRORS)
        turns, mirrors = matching(three, four, TRANSFORMS), matching(three, four, MIRRORS)
        if puzzle.answer == MIRROR:
            assert turns == [] and mirrors, f"seed {seed}: a mirror answer that is no mirror image"
        else:
            assert turns == [ANSWERS[puzzle.answer]] and mirrors == [], f"seed {seed}: answer not unique"
        seen.add(puzzle.answer)
        _, reward, terminated, _, info = env.step(env.unwrapped.expert_action())
        assert reward == 1.0 and terminated and info[keys.SUCCESS]
    mirrors_offered = PRESETS[difficulty]["mirror_prob"] > 0
    assert seen == {CLOCKWISE, COUNTERCLOCKWISE, HALF_TURN} | ({MIRROR} if mirrors_offered else set())
    env.close()


def _connected(cubes) -> bool:
    cells = shape(cubes)
    start = next(iter(cells))
    seen, frontier = {start}, deque([start])
    while frontier:
        x, y, z = frontier.popleft()
        for d in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)):
            n = (x + d[0], y + d[1], z + d[2])
            if n in cells and n not in seen:
                seen.add(n)
                frontier.append(n)
    return seen == cells


@pytest.mark.parametrize("difficulty", sorted(PRESETS))
def test_objects_are_connected_three_dimensional_polycubes(difficulty):
    env = RotationEnv(difficulty=difficulty)
    low, high = PRESETS[difficulty]["min_cubes"], PRESETS[difficulty]["max_cubes"]
    for seed in range(20):
        env.reset(seed=seed)
        for cubes in env.puzzle.views:
            assert low <= len(cubes) <= high and len(shape(cubes)) == len(cubes)
            assert _connected(cubes)
            assert (np.ptp(cubes, axis=0) > 0).all(), "a flat object"
        assert 8 <= len(env.puzzle.views[0]) <= 12


def test_easy_reuses_the_example_object_and_medium_does_not():
    easy, medium = RotationEnv(difficulty="easy"), RotationEnv(difficulty="medium")
    all_turns = {**TRANSFORMS, "none": np.eye(3)}
    for seed in range(10):
        easy.reset(seed=seed)
        medium.reset(seed=seed)
        assert matching(easy.puzzle.views[0], easy.puzzle.views[2], all_turns)
        assert len(medium.puzzle.views[0]) != len(medium.puzzle.views[2]) or not matching(
            medium.puzzle.views[0], medium.puzzle.views[2], all_turns
        )


@pytest.mark.parametrize(
    "text,answer",
    [
        ("90 clockwise", CLOCKWISE),
        ("<answer>90 CW</answer>", CLOCKWISE),
        ("-90", CLOCKWISE),
        ("Rotated 90° clockwise.", CLOCKWISE),
        ("clockwise", CLOCKWISE),
        ("270 counter-clockwise", CLOCKWISE),
        ("90cw", CLOCKWISE),
        ("90 counterclockwise", COUNTERCLOCKWISE),
        ("<answer> 90 degrees anticlockwise </answer>", COUNTERCLOCKWISE),
        ("+90", COUNTERCLOCKWISE),
        ("ccw", COUNTERCLOCKWISE),
        ("−270", COUNTERCLOCKWISE),
        ("180", HALF_TURN),
        ("180 degrees", HALF_TURN),
        ("a half turn", HALF_TURN),
        ("I think <answer>90 cw</answer> no wait <answer>180</answer>", HALF_TURN),
        ("mirror", MIRROR),
        ("<answer>Mirror image</answer>", MIRROR),
        ("reflected", MIRROR),
    ],
)
def test_answer_aliases(text, answer):
    assert parse_answer(text, mirrors=True) == answer


@pytest.mark.parametrize(
    "text,message",
    [
        ("90", "which way"),
        ("270", "which way"),
        ("-90 cw", "not both"),
        ("banana", "not an answer"),
        ("90 clockwise or 180", "not an answer"),
        ("not mirror", "not an answer"),
        ("<answer></answer>", "no answer"),
        ("", "no answer"),
    ],
)
def test_bad_answers_say_what_to_send(text, message):
    with pytest.raises(ActionError, match=message):
        parse_answer(text, mirrors=True)


def test_mirror_is_invalid_where_it_is_not_offered():
    with pytest.raises(ActionError, match="mirror is not among the answers"):
        parse_answer("mirror", mirrors=False)
    env = gym.make("Rotation-Text-v0", difficulty="medium")
    _, info = env.reset(seed=0)
    assert "mirror" not in info[keys.VALID_ACTIONS] and "mirror" not in info[keys.INSTRUCTIONS]
    _, reward, terminated, truncated, info = env.step("<answer>mirror</answer>")
    assert not info[keys.ACTION_VALID] and not terminated and not truncated and reward == 0.0


def test_wrong_answer_ends_the_episode_with_nothing():
    env = gym.make("Rotation-Vision-v0", difficulty="hard")
    env.reset(seed=3)
    right = env.unwrapped.puzzle.answer
    wrong = next(a for a in range(4) if a != right)
    obs, reward, terminated, _, info = env.step(ANSWERS[wrong])
    assert reward == 0.0 and terminated and not info[keys.SUCCESS] and info[keys.SCORE] == 0.0
    assert f"the answer was {ANSWERS[right]}" in obs["text"]


def test_text_observation_lists_the_coordinates():
    env = RotationEnv(difficulty="medium", render_mode="ansi")
    env.reset(seed=5)
    text = env.render()
    for index, cubes in enumerate(env.puzzle.views):
        listed = " ".join(f"({x},{y},{z})" for x, y, z in cubes.tolist())
        assert f"Object {index + 1} ({len(cubes)} cubes): {listed}" in text
    example = {
        CLOCKWISE: "90 degrees clockwise",
        COUNTERCLOCKWISE: "90 degrees counterclockwise",
        HALF_TURN: "180 degrees",
    }[env.puzzle.example_answer]
    assert f"object 2 is object 1 turned {example}" in text


def test_vision_image_tiles_four_distinct_views_and_is_drawn_once():
    env = gym.make("Rotation-Vision-v0", image_size=192)
    obs, _ = env.reset(seed=1)
    image = obs["image"]
    assert image.shape == (192, 192, 3) and image.dtype == np.uint8
    quads = [image[r : r + 96, c : c + 96] for r in (0, 96) for c in (0, 96)]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not np.array_equal(quads[i], quads[j])
    assert env.unwrapped._draw() is env.unwrapped._draw()  # cached for the episode
    env.step("banana")  # an invalid reply keeps the same picture
    obs2, *_ = env.step("banana")
    assert np.array_equal(obs2["image"], image)
    other, _ = env.reset(seed=2)
    assert not np.array_equal(other["image"], image)


def test_renderer_keeps_east_right_and_up_up():
    # an L: an arm along x (east) with a column rising at its east end
    cubes = np.array([(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0), (3, 0, 1), (3, 0, 2)])
    image = render_view(cubes, 128).astype(int)
    background = image[0, 0]
    drawn = np.abs(image - background).sum(axis=2) > 30
    rows, cols = np.nonzero(drawn)
    top = rows < np.percentile(rows, 25)  # the highest pixels belong to the column
    assert cols[top].mean() > cols.mean(), "the column at the east end should be on the right"
    # turning the figure changes the picture; turning it back restores it exactly
    turned = cubes @ about_vertical(90).round().astype(int).T
    assert not np.array_equal(render_view(turned, 128), render_view(cubes, 128))
    again = turned @ about_vertical(-90).round().astype(int).T
    assert np.array_equal(render_view(again, 128), render_view(cubes, 128))


def test_presets_and_overrides():
    env = RotationEnv(difficulty="hard", mirror_prob=0.0, max_cubes=11)
    assert env.settings == {"min_cubes": 10, "max_cubes": 11, "same_object": False, "mirror_prob": 0.0}
    env.reset(seed=0)
    assert "mirror" not in env.valid_actions()
    with pytest.raises(ValueError, match="difficulty"):
        RotationEnv(difficulty="expert")
    with pytest.raises(ValueError, match="min_cubes"):
        RotationEnv(min_cubes=12, max_cubes=9)
    with pytest.raises(ValueError, match="mirror_prob"):
        RotationEnv(mirror_prob=1.5)
    with pytest.raises(ValueError, match="image_size"):
        RotationEnv(image_size=31)


def test_human_render_mode_opens_a_window():
    # The 2x2 grid of views is shown in a pygame window (SDL's dummy display here).
    import pygame

    env = gym.make("Rotation-Vision-v0", render_mode="human")
    env.reset(seed=0)
    env.step("180")
    assert pygame.display.get_surface().get_size() == env.observation_space["image"].shape[1::-1]
    env.close()
    assert pygame.display.get_surface() is None
