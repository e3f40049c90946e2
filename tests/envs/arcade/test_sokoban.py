"""Sokoban's rules on hand-made levels, its generator's promise (every level solvable, and solved by
the expert), move parsing, and its images."""

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.core import info as keys
from palaestra.envs.arcade.grid import DIRECTIONS
from palaestra.envs.arcade.sokoban import view
from palaestra.envs.arcade.sokoban.env import PRESETS, SokobanEnv
from palaestra.envs.arcade.sokoban.expert import solve
from palaestra.envs.arcade.sokoban.world import DOWN, LEFT, MAX_SIZE, RIGHT, UP, WALK, SokobanWorld


def level(text: str) -> SokobanWorld:
    """A world from a square level in the standard symbols (``_`` or space for floor)."""
    rows = [row.replace(" ", "") for row in text.strip().splitlines()]
    size = len(rows)
    assert all(len(row) == size for row in rows), "levels here are square"
    cells = "".join(rows)
    floor = bytes(c != "#" for c in cells)
    goals = [i for i, c in enumerate(cells) if c in ".*+"]
    boxes = [i for i, c in enumerate(cells) if c in "$*"]
    player = next(i for i, c in enumerate(cells) if c in "@+")
    return SokobanWorld(size, floor, goals, boxes, player)


def env_on(world: SokobanWorld, **kwargs) -> SokobanEnv:
    env = SokobanEnv(size=world.size, num_boxes=len(world.goals), **kwargs)
    env.reset(seed=0)
    env.world = world
    return env


CORRIDOR = """
# # # # # #
# @ $ _ . #
# _ _ _ _ #
# _ _ $ . #
# _ _ _ _ #
# # # # # #
"""


def test_pushing_boxes_onto_goals_until_solved():
    env = env_on(level(CORRIDOR))
    _, reward, terminated, _, info = env.step("right")  # the box goes to (3, 1), not yet a goal
    assert reward == pytest.approx(-0.01) and not terminated and info[keys.SCORE] == 0.0
    _, reward, terminated, _, info = env.step("right")  # onto the goal at (4, 1)
    assert reward == pytest.approx(0.99) and info["boxes_on_goals"] == 1 and info[keys.SCORE] == 0.5
    for move in ("down", "left", "down"):  # walk round behind the box at (3, 3)
        _, reward, terminated, _, info = env.step(move)
        assert reward == pytest.approx(-0.01) and not terminated
    assert env.world.xy(env.world.player) == (2, 3)
    _, reward, terminated, truncated, info = env.step("<action>RIGHT</action>")
    assert reward == pytest.approx(-0.01 + 1 + 10) and terminated and not truncated
    assert info[keys.SUCCESS] and info[keys.SCORE] == 1.0


def test_rewards_for_box_on_and_off_a_goal():
    env = env_on(
        level("""
# # # # # #
# _ _ _ _ #
# @ * . $ #
# _ _ _ _ #
# _ _ _ _ #
# # # # # #
""")
    )
    _, reward, terminated, _, info = env.step("right")  # the box leaves the goal at (2, 2) for (3, 2), a goal
    assert reward == pytest.approx(-0.01) and info["boxes_on_goals"] == 1 and not terminated
    env.world = level("""
# # # # # #
# _ _ _ _ #
# @ * _ . #
# _ _ _ $ #
# _ _ _ _ #
# # # # # #
""")
    _, reward, *_ = env.step("right")  # pushed off a goal onto plain floor
    assert reward == pytest.approx(-1.01) and env.world.boxes_on_goals == 0


def test_blocked_moves_are_invalid_and_say_why():
    env = env_on(
        level("""
# # # # # #
# @ $ $ . #
# _ _ _ . #
# _ _ _ _ #
# _ _ _ _ #
# # # # # #
""")
    )
    state = env.state_key
    assert env.valid_actions() == ["down"]
    _, reward, terminated, _, info = env.step("up")
    assert not info[keys.ACTION_VALID]
    assert "wall" in info[keys.ACTION_ERROR] and "legal moves now: down" in info[keys.ACTION_ERROR]
    _, reward, terminated, _, info = env.step("right")
    assert not info[keys.ACTION_VALID] and "another box is at (3, 1)" in info[keys.ACTION_ERROR]
    assert reward == env.invalid_action_reward and env.state_key == state and not terminated


@pytest.mark.parametrize(
    "text,direction",
    [("up", UP), ("  Down ", DOWN), ("move left.", LEFT), ("<think>hmm</think> east", RIGHT), ("↑", UP)],
)
def test_move_aliases(text, direction):
    env = env_on(
        level("""
# # # # # #
# _ _ _ _ #
# _ @ _ _ #
# _ _ $ . #
# _ _ _ _ #
# # # # # #
""")
    )
    before = env.world.player
    _, _, _, _, info = env.step(text)
    assert info[keys.ACTION_VALID]
    assert env.world.player == before + env.world.delta[direction]


def test_unsolvable_positions_are_reported_and_the_expert_still_moves():
    world = level("""
# # # # # #
# $ _ _ _ #
# _ @ _ _ #
# _ _ _ . #
# _ _ _ _ #
# # # # # #
""")
    assert solve(world) is None
    assert world.dead_boxes() == [world.size + 1]
    env = env_on(world)
    _, _, _, _, info = env.step(env.expert_action())
    assert info[keys.ACTION_VALID] and info["deadlock"]


@pytest.mark.parametrize("difficulty", sorted(PRESETS))
def test_every_generated_level_is_solved_by_the_expert(difficulty):
    env = gym.make("Sokoban-Text-v0", difficulty=difficulty, split="test")
    for seed in range(30):
        _, info = env.reset(seed=seed)
        world = env.unwrapped.world
        n = PRESETS[difficulty]["num_boxes"]
        assert len(world.boxes) == len(world.goals) == n and world.boxes_on_goals == 0
        assert not world.dead_boxes() and not info["deadlock"]
        done = False
        while not done:
            _, _, terminated, truncated, info = env.step(env.unwrapped.expert_action())
            assert info[keys.ACTION_VALID]
            done = terminated or truncated
        assert terminated and info[keys.SUCCESS], f"{difficulty} seed {seed} not solved"
    env.close()


def test_solutions_replay_on_the_world():
    rng = np.random.default_rng(5)
    for _ in range(10):
        world = SokobanWorld.generate(7, 2, rng)
        moves = solve(world)
        for direction in moves:
            assert direction in world.legal_moves()
            world.step(direction)
        assert world.solved


def test_expert_replans_after_a_detour():
    env = gym.make("Sokoban-Text-v0", difficulty="hard")
    env.reset(seed=4)
    world = env.unwrapped.world
    first = env.unwrapped.expert_action()  # the expert has a plan now
    rng = np.random.default_rng(0)
    for _ in range(5):  # wander off the plan, walking only, so the level stays solvable
        walks = [d for d in world.legal_moves() if world.move_kind(d) == WALK]
        world.step(walks[int(rng.integers(len(walks)))])
    assert first in DIRECTIONS
    for _ in range(200):
        _, _, terminated, _, info = env.step(env.unwrapped.expert_action())
        assert info[keys.ACTION_VALID]
        if terminated:
            break
    assert info[keys.SUCCESS]


def test_levels_depend_on_seed_and_split():
    boards = set()
    for split in ("train", "test"):
        env = gym.make("Sokoban-Text-v0", split=split)
        for seed in range(5):
            obs, _ = env.reset(seed=seed)
            boards.add(obs)
    assert len(boards) == 10


def test_presets_and_overrides():
    env = SokobanEnv(difficulty="hard", size=9)
    assert env.settings == {"size": 9, "num_boxes": 3}
    env.reset(seed=1)
    assert env.world.size == 9 and len(env.world.boxes) == 3
    with pytest.raises(ValueError, match="difficulty"):
        SokobanEnv(difficulty="brutal")
    with pytest.raises(ValueError, match="boxes"):
        SokobanEnv(size=6, num_boxes=5)
    with pytest.raises(ValueError, match="size must be at least 5, got 4"):
        SokobanEnv(size=4)
    with pytest.raises(ValueError, match="size must be at most 16 .*, got 17"):
        SokobanEnv(size=MAX_SIZE + 1)


def test_the_largest_board_fits_the_observation_space():
    env = gym.make("Sokoban-Text-v0", size=MAX_SIZE)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    with pytest.raises(ValueError, match="walls all round"):
        level(CORRIDOR.replace("# @", "_ @"))


def test_text_board_has_legend_and_coordinates():
    env = env_on(level(CORRIDOR), render_mode="ansi")
    text = env.render()
    assert "0 1 2 3 4 5" in text and view.LEGEND in text
    assert "1  # @ $ _ . #" in text
    assert "You are at (1, 1). Boxes at: (2, 1), (3, 3)." in text


def test_images_follow_the_state_and_redraw_incrementally():
    env = gym.make("Sokoban-Vision-v0", difficulty="hard")
    obs, _ = env.reset(seed=2)
    images = [obs["image"]]
    for _ in range(12):
        obs, _, terminated, _, _ = env.step(env.unwrapped.expert_action())
        assert not np.array_equal(obs["image"], images[-1]), "a move left the image unchanged"
        images.append(obs["image"])
        if terminated:
            break
    fresh = view.board_painter(env.unwrapped.world.size, (256, 256)).draw(env.unwrapped.world.grid)
    assert np.array_equal(fresh, images[-1]), "incremental redraw drifted from a full draw"
    assert images[0].shape == (256, 256, 3) and images[0].dtype == np.uint8


def test_image_size_and_render_modes():
    env = gym.make("Sokoban-Vision-v0", image_size=128, render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    assert obs["image"].shape == (128, 128, 3)
    assert np.array_equal(env.render(), obs["image"])
    human = gym.make("Sokoban-Text-v0", render_mode="human")
    human.reset(seed=0)
    human.step(human.unwrapped.valid_actions()[0])
    human.close()
