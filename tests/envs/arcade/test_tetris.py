"""Tetris: rotations, drops, line clears and top-outs on hand-made wells, actions, views, and the expert."""

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.agents import make_agent, run_episode
from palaestra.core import ActionError
from palaestra.envs.arcade.tetris.env import parse_placement
from palaestra.envs.arcade.tetris.world import KINDS, ROTATIONS, TetrisWorld


def picture_of(world):
    return ["".join("#" if row >> x & 1 else "." for x in range(world.width)) for row in world.rows]


def well(picture, piece):
    return TetrisWorld.from_picture(picture, piece, np.random.default_rng(0))


def test_each_piece_has_its_distinct_rotations():
    counts = {kind: len(ROTATIONS[i]) for i, kind in enumerate(KINDS)}
    assert counts == {"I": 2, "O": 1, "T": 4, "S": 2, "Z": 2, "J": 4, "L": 4}
    t = ROTATIONS[KINDS.index("T")]
    # spawn: bump up; one clockwise turn: bump right; two: bump down; three: bump left
    assert set(t[0].cells) == {(1, 0), (0, 1), (1, 1), (2, 1)}
    assert set(t[1].cells) == {(0, 0), (0, 1), (1, 1), (0, 2)}
    assert set(t[2].cells) == {(0, 0), (1, 0), (2, 0), (1, 1)}
    assert set(t[3].cells) == {(1, 0), (0, 1), (1, 1), (1, 2)}
    i = ROTATIONS[KINDS.index("I")]
    assert (i[0].width, i[0].height, i[1].width, i[1].height) == (4, 1, 1, 4)


def test_a_vertical_i_in_the_gap_clears_four_rows_and_the_rest_moves_down():
    world = well(
        [
            "......",
            "......",
            "#.....",
            "####.#",
            "####.#",
            "####.#",
            "####.#",
        ],
        "I",
    )
    assert world.place(1, 4) == 4
    assert picture_of(world) == ["......"] * 6 + ["#....."]
    assert world.lines == 4 and world.points == 8 and world.cells[6 * 6] != 0


def test_pieces_rest_on_the_highest_cell_below_them_leaving_holes():
    world = well(["....", "....", "....", "#..."], "O")
    world.place(0, 0)  # the O rests on the filled cell at column 0
    assert picture_of(world) == ["....", "##..", "##..", "#..."]
    world.piece = KINDS.index("T")
    world.place(2, 1)  # T pointing down over columns 1-3: its bar catches on the O in column 1
    assert picture_of(world) == [".###", "###.", "##..", "#..."]  # two holes left under column 3


def test_clearing_two_rows_scores_three():
    world = well(["....", "....", "##..", "##.."], "O")
    assert world.place(0, 2) == 2
    assert picture_of(world) == ["...."] * 4 and world.points == 3


def test_topping_out_ends_the_game_with_minus_one():
    env = gym.make("Tetris-Text-v0")
    env.reset(seed=0)
    env.unwrapped.world = well(["#........."] * 20, "I")
    obs, reward, terminated, truncated, info = env.step("rotation 1 column 0")
    assert terminated and reward == -1.0 and not info["success"] and "game over" in obs
    assert info["valid_actions"] == []


def test_reaching_the_target_wins():
    env = gym.make("Tetris-Text-v0", target_lines=2)
    env.reset(seed=0)
    env.unwrapped.world = well(["." * 10] * 18 + ["##.#######", "##.#######"], "I")
    obs, reward, terminated, truncated, info = env.step("rotation 1 column 2")
    assert terminated and info["success"] and info["score"] == 1.0 and reward == 3.0


def test_the_last_lines_give_the_column_heights_and_the_pieces():
    env = gym.make("Tetris-Text-v0", width=6, height=8)
    env.reset(seed=0)
    env.unwrapped.world = well(["......"] * 5 + ["#.....", "#..#..", "##.#.#"], "T")
    env.unwrapped.world.next_piece = KINDS.index("S")
    obs, *_ = env.step("rotation 2 column 3")  # T flat side up, its stem in column 4: rows 5 and 6
    assert obs.splitlines()[-2:] == [
        "Column heights, left to right: 3 1 0 3 3 3.",
        f"Current piece: S. Next piece: {KINDS[env.unwrapped.world.next_piece]}.",
    ]
    vision = gym.make("Tetris-Vision-v0")  # without the text board, the heights are the image's
    text = vision.reset(seed=0)[0]["text"]
    assert "Column heights" not in text and text.splitlines()[-1].startswith("Current piece: ")


@pytest.mark.parametrize(
    "text, placement",
    [
        ("rotation 1 column 3", (1, 3)),
        ("Rotate 2, col 0", (2, 0)),
        ("r1 c3", (1, 3)),
        ("rotation=3 column=7", (3, 7)),
        ("(0, 5)", (0, 5)),
        ("1 3", (1, 3)),
    ],
)
def test_placement_syntax_is_tolerant(text, placement):
    assert parse_placement(text) == placement


def test_illegal_placements_explain_themselves_and_change_nothing():
    with pytest.raises(ActionError, match="rotation R column C"):
        parse_placement("drop it")
    env = gym.make("Tetris-Text-v0")
    env.reset(seed=0)
    env.unwrapped.world = well(["." * 10] * 20, "I")
    key = env.unwrapped.state_key
    *_, info = env.step("rotation 0 column 7")
    assert not info["action_valid"] and "columns 0 to 6" in info["action_error"] and info["state_key"] == key
    *_, info = env.step("rotation 4 column 0")
    assert not info["action_valid"] and "0, 1, 2 and 3" in info["action_error"]
    *_, info = env.step("rotation 2 column 6")  # I has two shapes: rotation 2 is rotation 0
    assert info["action_valid"]


def test_valid_actions_list_every_distinct_placement():
    env = gym.make("Tetris-Text-v0")
    env.reset(seed=0)
    counts = {"I": 7 + 10, "O": 9, "T": 8 + 9 + 8 + 9, "S": 8 + 9, "Z": 8 + 9, "J": 8 + 9 + 8 + 9, "L": 34}
    for kind, count in counts.items():
        env.unwrapped.world.piece = KINDS.index(kind)
        assert len(env.unwrapped.valid_actions()) == count


def test_images_differ_when_states_differ():
    env = gym.make("Tetris-Vision-v0")
    first, info = env.reset(seed=0)
    obs, *_ = env.step(info["valid_actions"][0])
    assert not np.array_equal(first["image"], obs["image"])
    other, _ = env.reset(seed=3)
    assert not np.array_equal(first["image"], other["image"]) or other["text"] != first["text"]


def play(spec, seeds, **kwargs):
    env = gym.make("Tetris-Text-v0", split="test", **kwargs)
    return [run_episode(env, make_agent(spec, env, seed=seed), seed=seed)["lines"] for seed in seeds]


def test_expert_beats_random():
    expert, random = play("expert", range(5)), play("random", range(5))
    assert min(expert) >= 40 and max(random) < 5
