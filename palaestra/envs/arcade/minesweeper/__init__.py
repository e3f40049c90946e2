"""Minesweeper: reveal every safe cell of a field, reading the counts of neighbouring mines."""

from palaestra.core import register_env

for _modality, _vision in (("Text", False), ("Vision", True)):
    register_env(
        f"Minesweeper-{_modality}-v0",
        "palaestra.envs.arcade.minesweeper.env:MinesweeperEnv",
        family="arcade",
        summary="Minesweeper: reveal every safe cell; the first reveal is always safe; flags allowed.",
        max_episode_steps=600,
        kwargs={"vision": _vision},
    )
