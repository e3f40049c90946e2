"""2048's merge rules on hand-made rows, move legality, winning and losing, views, and the expert's
strength."""

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.agents import make_agent, run_episode
from palaestra.core import ActionError
from palaestra.envs.arcade.g2048.env import parse_move
from palaestra.envs.arcade.g2048.world import DOWN, LEFT, RIGHT, UP, Game2048World


def world_of(tiles, target=2048):
    return Game2048World.from_tiles(tiles, target, np.random.default_rng(0))


def slid(tiles, direction):
    """The board after the slide of ``direction`` (before the new tile) and its points."""
    world = world_of(tiles)
    assert direction in world.legal
    board, points = world.after(direction)
    n = len(tiles)
    return [[(1 << v) if v else 0 for v in board[y * n : (y + 1) * n]] for y in range(n)], points


@pytest.mark.parametrize(
    "row, left, points",
    [
        ([2, 2, 2, 2], [4, 4, 0, 0], 8),
        ([2, 2, 4, 0], [4, 4, 0, 0], 4),  # the new 4 does not merge again with the 4
        ([4, 4, 8, 8], [8, 16, 0, 0], 24),
        ([2, 0, 0, 2], [4, 0, 0, 0], 4),
        ([0, 2, 4, 8], [2, 4, 8, 0], 0),
        ([8, 0, 8, 16], [16, 16, 0, 0], 16),  # no chain merge into 32
        ([2, 2, 2, 0], [4, 2, 0, 0], 4),  # the leading pair merges first
    ],
)
def test_slide_left_merges_each_tile_once(row, left, points):
    tiles = [row, [0] * 4, [0] * 4, [0] * 4]
    board, got_points = slid(tiles, LEFT)
    assert board[0] == left and got_points == points


def test_every_direction_slides_towards_itself():
    tiles = [[2, 0, 0, 0], [2, 0, 0, 0], [4, 0, 0, 0], [4, 0, 0, 2]]
    assert slid(tiles, UP)[0] == [[4, 0, 0, 2], [8, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert slid(tiles, DOWN)[0] == [[0, 0, 0, 0], [0, 0, 0, 0], [4, 0, 0, 0], [8, 0, 0, 2]]
    assert slid(tiles, RIGHT)[0] == [[0, 0, 0, 2], [0, 0, 0, 2], [0, 0, 0, 4], [0, 0, 4, 2]]
    assert slid([[2, 2, 2, 0], [0] * 4, [0] * 4, [0] * 4], RIGHT)[0][0] == [0, 0, 2, 4]


def test_a_move_that_changes_nothing_is_invalid_and_changes_nothing():
    env = gym.make("2048-Text-v0")
    env.reset(seed=0)
    base = env.unwrapped
    base.world = world_of([[2, 4, 8, 16], [0] * 4, [0] * 4, [0] * 4])
    key = base.state_key
    assert base.valid_actions() == ["down"]
    obs, reward, terminated, truncated, info = env.step("left")
    assert not info["action_valid"] and "changes nothing" in info["action_error"]
    assert (
        "down" in info["action_error"] and info["state_key"] == key and reward == base.invalid_action_reward
    )
    obs, reward, terminated, truncated, info = env.step("swipe down")
    assert info["action_valid"] and info["state_key"] != key


def test_a_move_adds_exactly_one_tile():
    world = world_of([[2, 2, 0, 0], [0] * 4, [0] * 4, [4, 0, 0, 0]])
    world.move(LEFT)
    counts = [v for row in world.tiles() for v in row if v]
    assert len(counts) == 3 and sorted(counts)[-2:] == [4, 4] and sorted(counts)[0] in (2, 4)
    assert world.points == 4


def test_reaching_the_target_wins_with_reward_one():
    env = gym.make("2048-Text-v0", difficulty="easy")
    env.reset(seed=0)
    env.unwrapped.world = world_of([[128, 128, 0, 0], [0] * 4, [0] * 4, [0] * 4], target=256)
    obs, reward, terminated, truncated, info = env.step("left")
    assert terminated and info["success"] and info["score"] == 1.0 and reward == 1.0
    assert info["max_tile"] == 256 and "Largest tile: 256" in obs


def test_a_full_board_without_merges_is_lost():
    env = gym.make("2048-Text-v0")
    env.reset(seed=0)
    checker = [[2, 4, 2, 4], [4, 2, 4, 2], [2, 4, 2, 4], [4, 2, 0, 2]]
    env.unwrapped.world = world_of(checker)
    obs, reward, terminated, truncated, info = env.step("right")
    world = env.unwrapped.world
    if world.over:  # the new tile filled the last cell without a merge
        assert terminated and not info["success"] and info["valid_actions"] == []
        assert 0 < info["score"] < 1
    else:
        assert not terminated and info["valid_actions"]


@pytest.mark.parametrize(
    "text, move", [("up", UP), ("SLIDE LEFT", LEFT), ("→", RIGHT), (" d ", DOWN), ("swipe up.", UP)]
)
def test_move_aliases(text, move):
    assert parse_move(text) == move


def test_move_errors_say_what_to_send():
    with pytest.raises(ActionError, match="up, down, left, right"):
        parse_move("diagonal")


def test_presets_and_overrides():
    easy = gym.make("2048-Text-v0", difficulty="easy").unwrapped
    assert easy.settings == {"size": 4, "target": 256}
    custom = gym.make("2048-Text-v0", difficulty="hard", size=5).unwrapped
    assert custom.settings == {"size": 5, "target": 4096}
    obs, _ = gym.make("2048-Text-v0", size=3, target=64).reset(seed=1)
    assert "target 64" in obs and len(obs.splitlines()[1:5]) == 4
    with pytest.raises(ValueError, match="power of two"):
        gym.make("2048-Text-v0", target=1000)
    with pytest.raises(ValueError, match="difficulty"):
        gym.make("2048-Text-v0", difficulty="insane")


def test_images_differ_when_states_differ():
    env = gym.make("2048-Vision-v0")
    first, info = env.reset(seed=0)
    other, _ = env.reset(seed=1)
    assert not np.array_equal(first["image"], other["image"])
    obs, *_ = env.step(env.unwrapped.valid_actions()[0])
    assert not np.array_equal(obs["image"], other["image"])
    again, _ = env.reset(seed=0)
    assert np.array_equal(again["image"], first["image"])


def play(spec, seeds, **kwargs):
    env = gym.make("2048-Text-v0", split="test", **kwargs)
    infos = [run_episode(env, make_agent(spec, env, seed=seed), seed=seed) for seed in seeds]
    return [(info["success"], info["score"]) for info in infos]


def test_expert_beats_random():
    expert = play("expert", range(5), target=512)
    random = play("random", range(5), target=512)
    assert all(success for success, _ in expert)
    assert not any(success for success, _ in random)
    assert min(score for _, score in expert) > max(score for _, score in random)
