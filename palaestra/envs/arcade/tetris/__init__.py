"""Tetris: place the seven tetrominoes to clear rows, one placement (rotation and column) per step."""

from palaestra.core import register_text_and_vision

register_text_and_vision(
    "Tetris",
    "palaestra.envs.arcade.tetris.env:TetrisEnv",
    family="arcade",
    summary="Tetris with placement actions (rotation, column): clear the target number of rows.",
    max_episode_steps=1000,
    expert=True,
)
