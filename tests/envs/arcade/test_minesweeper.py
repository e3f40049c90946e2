"""Minesweeper: the first move never loses, flood reveal, flags, action syntax, views, and the expert."""

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401
from palaestra.agents import make_agent, run_episode
from palaestra.core import ActionError
from palaestra.envs.arcade.minesweeper.env import parse_action
from palaestra.envs.arcade.minesweeper.expert import deduce, expert_move
from palaestra.envs.arcade.minesweeper.world import (
    FLAG,
    HIDDEN,
    PLACE_FLAG,
    REMOVE_FLAG,
    REVEAL,
    MinesweeperWorld,
)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_first_reveal_never_loses_and_opens_its_neighbourhood(difficulty):
    env = gym.make("Minesweeper-Text-v0", difficulty=difficulty)
    base = env.unwrapped
    cells = np.random.default_rng(5)
    for seed in range(150):
        env.reset(seed=seed)
        x, y = int(cells.integers(base.settings["width"])), int(cells.integers(base.settings["height"]))
        obs, reward, terminated, truncated, info = env.step(f"reveal {x} {y}")
        world = base.world
        assert info["action_valid"] and not world.lost and reward > 0
        first = world.cell(x, y)
        assert world.counts[first] == 0 and not any(world.is_mine[c] for c in world.neighbours[first])
        assert sum(world.is_mine) == base.settings["mines"]
        assert all(world.view[c] != HIDDEN for c in world.neighbours[first])


FIELD = [
    "......",
    "......",
    "....*.",
    "......",
    "*.....",
]


def test_flood_reveals_the_empty_region_and_its_border():
    world = MinesweeperWorld.from_picture(FIELD, np.random.default_rng(0))
    opened = world.play(REVEAL, world.cell(0, 0))
    shown = ["".join(".12345678#"[world.view[world.cell(x, y)]] for x in range(6)) for y in range(5)]
    assert shown == [
        "......",
        "...111",
        "...1##",  # (5, 2) touches no empty cell, so the flood stops short of it
        "11.111",
        "#1....",
    ]
    assert opened == world.revealed == 27 and not world.won
    assert world.play(REVEAL, world.cell(5, 2)) == 1 and world.won


def _reference_flood(world, start):
    """What a reveal of ``start`` opens, cell by cell: the textbook breadth-first flood."""
    opened, queue = {start}, [start]
    while queue:
        cell = queue.pop()
        if world.counts[cell] == 0:
            for nb in world.neighbours[cell]:
                if world.view[nb] == HIDDEN and nb not in opened:
                    opened.add(nb)
                    queue.append(nb)
    return opened


@pytest.mark.parametrize("width, height, mines", [(9, 9, 10), (3, 7, 2), (16, 5, 12), (30, 16, 60)])
def test_flood_matches_a_cell_by_cell_reference_with_flags_in_the_way(width, height, mines):
    rng = np.random.default_rng(width * height)
    for _ in range(60):
        world = MinesweeperWorld(width, height, mines, rng)
        world.play(REVEAL, int(rng.integers(width * height)))
        for cell in rng.choice(width * height, size=4, replace=False):
            if world.view[cell] == HIDDEN:
                world.play(PLACE_FLAG, int(cell))
        hidden = [c for c in range(width * height) if world.view[c] == HIDDEN and not world.is_mine[c]]
        if not hidden:
            continue
        start = hidden[int(rng.integers(len(hidden)))]
        expected = _reference_flood(world, start)
        before, revealed = bytes(world.view), world.revealed
        assert world.play(REVEAL, start) == len(expected)
        assert world.revealed == revealed + len(expected)
        for cell in range(width * height):
            assert world.view[cell] == (world.counts[cell] if cell in expected else before[cell])


def test_numbers_count_neighbouring_mines():
    world = MinesweeperWorld.from_picture(
        ["*.*..", ".....", "*.*..", ".....", "....."], np.random.default_rng(0)
    )
    assert world.play(REVEAL, world.cell(1, 1)) == 1 and world.view[world.cell(1, 1)] == 4
    assert world.play(REVEAL, world.cell(1, 0)) == 1 and world.view[world.cell(1, 0)] == 2


def test_flags_block_reveals_until_removed():
    env = gym.make("Minesweeper-Text-v0")
    env.reset(seed=0)
    env.step("reveal 4 4")
    world = env.unwrapped.world
    hidden = next(c for c, code in enumerate(world.view) if code == HIDDEN)
    x, y = world.xy(hidden)
    obs, reward, *_, info = env.step(f"flag {x} {y}")
    assert info["action_valid"] and reward == 0 and world.view[hidden] == FLAG and info["flags"] == 1
    assert f"unflag {x} {y}" in info["valid_actions"] and f"reveal {x} {y}" not in info["valid_actions"]
    key = info["state_key"]
    *_, info = env.step(f"reveal {x} {y}")
    assert not info["action_valid"] and "unflag it" in info["action_error"] and info["state_key"] == key
    *_, info = env.step(f"flag {x} {y}")
    assert not info["action_valid"] and "already flagged" in info["action_error"]
    *_, info = env.step(f"unflag ({x}, {y})")
    assert info["action_valid"] and world.view[hidden] == HIDDEN and info["flags"] == 0


def test_revealing_a_mine_loses_and_shows_the_mines():
    env = gym.make("Minesweeper-Text-v0", width=5, height=5, mines=3)
    env.reset(seed=0)
    # The corner cell (0, 0) is safe but walled in by mines, so the first reveal cannot win.
    world = MinesweeperWorld.from_picture(
        [".*...", "**...", ".....", ".....", "....."], np.random.default_rng(0)
    )
    env.unwrapped.world = world
    *_, info = env.step("reveal 4 4")
    assert info["revealed"] == world.safe_cells - 1 and not info["success"]
    obs, reward, terminated, truncated, info = env.step("reveal 1 0")
    assert terminated and reward == -1.0 and not info["success"] and info["valid_actions"] == []
    assert "X" in obs and obs.count("*") + obs.count("F") >= world.mines - 1 and "game over" in obs


def test_revealing_every_safe_cell_wins_with_bonus():
    env = gym.make("Minesweeper-Text-v0", width=4, height=3, mines=1)  # the size of the field put in
    env.reset(seed=0)
    env.unwrapped.world = MinesweeperWorld.from_picture(["....", "....", "*..."], np.random.default_rng(0))
    obs, reward, terminated, truncated, info = env.step("reveal 3 0")
    assert terminated and info["success"] and info["score"] == 1.0 and reward == pytest.approx(2.0)


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("reveal 3 4", (REVEAL, 3, 4)),
        ("reveal 3,4", (REVEAL, 3, 4)),
        ("(3, 4)", (REVEAL, 3, 4)),
        ("Open [3 4].", (REVEAL, 3, 4)),
        ("flag x=3, y=4", (PLACE_FLAG, 3, 4)),
        ("UNFLAG 10 12", (REMOVE_FLAG, 10, 12)),
        ("mark (0,0)", (PLACE_FLAG, 0, 0)),
    ],
)
def test_action_syntax_is_tolerant(text, parsed):
    assert parse_action(text) == parsed


@pytest.mark.parametrize("text", ["reveal", "explode 3 4", "reveal 3", "reveal -1 2", "3 4 5"])
def test_bad_actions_say_what_to_send(text):
    with pytest.raises(ActionError, match="reveal X Y"):
        parse_action(text)


def test_off_field_cells_are_rejected():
    env = gym.make("Minesweeper-Text-v0", difficulty="easy")
    env.reset(seed=0)
    *_, info = env.step("reveal 6 0")
    assert not info["action_valid"] and "off the field" in info["action_error"]


def test_expert_deductions_are_sound():
    """Every cell the expert proves safe is safe and every proven mine is a mine."""
    for seed in range(30):
        world = MinesweeperWorld(16, 16, 40, np.random.default_rng(seed))
        while not world.over:
            if world.placed:
                safe, mines, _ = deduce(world)
                assert not any(world.is_mine[c] for c in safe)
                assert all(world.is_mine[c] for c in mines)
            world.play(*expert_move(world))


def test_images_differ_when_states_differ():
    env = gym.make("Minesweeper-Vision-v0")
    first, _ = env.reset(seed=0)
    obs, *_ = env.step("reveal 4 4")
    assert not np.array_equal(first["image"], obs["image"])
    hidden = next(c for c, code in enumerate(env.unwrapped.world.view) if code == HIDDEN)
    x, y = env.unwrapped.world.xy(hidden)
    flagged, *_ = env.step(f"flag {x} {y}")
    assert not np.array_equal(flagged["image"], obs["image"])


def play(spec, seeds, **kwargs):
    env = gym.make("Minesweeper-Text-v0", split="test", **kwargs)
    return sum(run_episode(env, make_agent(spec, env, seed=seed), seed=seed)["success"] for seed in seeds)


def test_expert_beats_random():
    expert, random = play("expert", range(30)), play("random", range(30))
    assert expert >= 25 and random <= 3
