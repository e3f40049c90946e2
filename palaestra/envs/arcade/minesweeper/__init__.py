"""Minesweeper: reveal every safe cell of a field, reading the counts of neighbouring mines."""

from palaestra.core import register_text_and_vision

register_text_and_vision(
    "Minesweeper",
    "palaestra.envs.arcade.minesweeper.env:MinesweeperEnv",
    family="arcade",
    summary="Minesweeper: reveal every safe cell; the first reveal is always safe; flags allowed.",
    max_episode_steps=600,
    expert=True,
)
