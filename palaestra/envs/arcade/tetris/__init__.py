"""Tetris: place the seven tetrominoes to clear rows, one placement (rotation and column) per step."""

from palaestra.core import register_env

for _modality, _vision in (("Text", False), ("Vision", True)):
    register_env(
        f"Tetris-{_modality}-v0",
        "palaestra.envs.arcade.tetris.env:TetrisEnv",
        family="arcade",
        summary="Tetris with placement actions (rotation, column): clear the target number of rows.",
        max_episode_steps=1000,
        kwargs={"vision": _vision},
    )
