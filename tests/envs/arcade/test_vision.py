"""What every arcade game's -Vision- id shares: the image, not the text, shows the board; the
instructions say what the image's colours mean; ``image_size`` is checked at construction."""

import re

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401  (registers the ids)
from palaestra.envs.arcade.painter import MAX_IMAGE_SIZE
from palaestra.envs.arcade.rotation.env import _coordinates

GAMES = ("Snake", "SnakeDecision", "Sokoban", "2048", "Minesweeper", "Tetris", "Rotation")

# How each game's text draws its board (the part a -Vision- text leaves to the image).
BOARDS = {
    "Snake": lambda env: env._text.board(env.world.grid),
    "SnakeDecision": lambda env: env._text.board(env.world.grid),
    "Sokoban": lambda env: env._text.board(env.world.grid),
    "2048": lambda env: env._text.board(env.world),
    "Minesweeper": lambda env: env._text.field(env.world),
    "Tetris": lambda env: env._text.board(env.world.cells),
    "Rotation": lambda env: _coordinates(env.puzzle.views[3]),  # the object the question is about
}
# The colours each game's Vision instructions must name (what its painter draws).
COLOURS = {
    "Snake": ("green", "blue", "red", "dark grey"),
    "SnakeDecision": ("green", "blue", "red", "dark grey"),
    "Sokoban": ("brown", "dark grey", "yellow", "orange", "green", "blue"),
    "2048": ("beige", "off-white", "orange", "red", "yellow", "near black"),
    "Minesweeper": ("slate-blue", "light grey", "blue", "green", "red", "purple", "black"),
    "Tetris": ("cyan", "yellow", "purple", "green", "red", "blue", "orange", "light grey"),
    "Rotation": ("light blue", "dark outline", "dark grey", "white"),
}
# The smallest image each game draws at its default settings: pixels a cell times cells a side.
MINIMUM = {
    "Snake": 5 * 10,
    "SnakeDecision": 5 * 10,
    "Sokoban": 8 * 7,
    "2048": 24 * 4,
    "Minesweeper": 12 * 9,
    "Tetris": 4 * (20 + 3),  # the well's 20 rows, the preview's 2 and the divider
    "Rotation": 64,
}
_POSITION = re.compile(r"\(\d+, ?\d+")  # "(3, 4)" or "(0,0,0)": where something is


def _play(env, steps=3):
    """Observations of a reset on seed 2 and a few expert moves (all the text a short game shows)."""
    obs, _ = env.reset(seed=2)
    seen = [(obs["text"] if isinstance(obs, dict) else obs, BOARDS[_game(env)](env.unwrapped))]
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(env.unwrapped.expert_action())
        seen.append((obs["text"] if isinstance(obs, dict) else obs, BOARDS[_game(env)](env.unwrapped)))
        if terminated or truncated:
            break
    return seen


def _game(env):
    return env.spec.id.split("-")[0]


@pytest.mark.parametrize("game", GAMES)
def test_the_vision_text_leaves_the_board_to_the_image(game):
    for text, board in _play(gym.make(f"{game}-Vision-v0")):
        assert board not in text
        assert not any(row.strip() and row in text for row in board.splitlines()[1:])
        assert not _POSITION.search(text), f"the text says where things are: {text}"
    for text, board in _play(gym.make(f"{game}-Text-v0")):
        assert board in text


@pytest.mark.parametrize("game", GAMES)
def test_text_board_puts_the_board_in_the_vision_text_too(game):
    both = _play(gym.make(f"{game}-Vision-v0", text_board=True))
    alone = _play(gym.make(f"{game}-Vision-v0"))
    text = _play(gym.make(f"{game}-Text-v0"))
    for (with_board, board), (without, _), (text_only, _) in zip(both, alone, text):
        assert board in with_board
        assert len(with_board) > len(without)
        if game != "Rotation":  # Rotation's Vision text speaks of views, its Text of objects
            assert with_board == text_only


@pytest.mark.parametrize("game", GAMES)
def test_text_ids_always_show_the_board(game):
    with pytest.raises(ValueError, match="text_board=False needs vision=True"):
        gym.make(f"{game}-Text-v0", text_board=False)


@pytest.mark.parametrize("game", GAMES)
def test_vision_instructions_say_what_the_colours_mean(game):
    _, vision = gym.make(f"{game}-Vision-v0").reset(seed=0)
    _, text = gym.make(f"{game}-Text-v0").reset(seed=0)
    for colour in COLOURS[game]:
        assert colour in vision["instructions"], colour
    assert "The image shows" in vision["instructions"]
    assert "The image" not in text["instructions"]


@pytest.mark.parametrize(
    "game, symbols", [("Snake", "(Y is its head"), ("SnakeDecision", "(E/e)"), ("Sokoban", "You (@)")]
)
def test_instructions_name_text_symbols_only_where_the_text_shows_them(game, symbols):
    def instructions(env_id, **kwargs):
        return gym.make(env_id, **kwargs).reset(seed=0)[1]["instructions"]

    assert symbols in instructions(f"{game}-Text-v0")
    assert symbols in instructions(f"{game}-Vision-v0", text_board=True)
    assert symbols not in instructions(f"{game}-Vision-v0")


def test_the_named_colours_are_the_drawn_ones():
    # Snake's apple is drawn red and its head green, as its instructions say.
    env = gym.make("Snake-Vision-v0", image_size=100)  # 10 pixels a cell on the 10x10 board
    obs, _ = env.reset(seed=0)
    world = env.unwrapped.world

    def centre(cell):
        x, y = world.xy(cell)
        return obs["image"][y * 10 + 5, x * 10 + 5].astype(int)

    red, green, blue = centre(world.apples[0])
    assert red > 2 * green and red > 2 * blue
    red, green, blue = centre(world.snake[0])
    assert green > red + 60 and green > blue + 40


@pytest.mark.parametrize("game", GAMES)
def test_image_size_runs_from_the_games_minimum_to_the_maximum(game):
    low, high = MINIMUM[game], MAX_IMAGE_SIZE
    for size in (low, high):
        env = gym.make(f"{game}-Vision-v0", image_size=size)
        obs, _ = env.reset(seed=0)
        assert obs["image"].shape == (size, size, 3)
        obs, *_ = env.step(env.unwrapped.expert_action())
        assert obs["image"].shape == (size, size, 3) and obs["image"].any()
    allowed = f"from {low} to {high}"
    for size in (low - 1, 1, high + 1, 100_000):
        with pytest.raises(ValueError, match=f"image_size must be .*{allowed}.*got {size}"):
            gym.make(f"{game}-Vision-v0", image_size=size)
    with pytest.raises(ValueError, match=allowed):  # Text ids draw too (rgb_array, human)
        gym.make(f"{game}-Text-v0", image_size=low - 1)


def test_the_minimum_grows_with_the_board_and_the_default_with_it():
    with pytest.raises(ValueError, match="from 250 to 2048"):
        gym.make("Snake-Vision-v0", size=50, image_size=249)
    # 12 pixels a cell cannot fit a 30x30 field in the usual 256: the default grows to fit
    env = gym.make("Minesweeper-Vision-v0", width=30, height=30, mines=100)
    obs, _ = env.reset(seed=0)
    assert obs["image"].shape == (360, 360, 3)
    assert gym.make("Minesweeper-Vision-v0").reset(seed=0)[0]["image"].shape == (256, 256, 3)


def test_image_size_must_be_an_integer_and_rotations_even():
    for size in (True, 100.0, "100"):
        with pytest.raises(ValueError, match="image_size must be an integer"):
            gym.make("Sokoban-Vision-v0", image_size=size)
    with pytest.raises(ValueError, match="image_size must be even"):
        gym.make("Rotation-Vision-v0", image_size=129)
    assert gym.make("Sokoban-Vision-v0", image_size=np.int64(100)).reset(seed=0)[0]["image"].shape[0] == 100
