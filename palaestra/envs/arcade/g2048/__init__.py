"""2048: slide and merge numbered tiles on a square board until the target tile appears."""

from palaestra.core import register_env

for _modality, _vision in (("Text", False), ("Vision", True)):
    register_env(
        f"2048-{_modality}-v0",
        "palaestra.envs.arcade.g2048.env:Game2048Env",
        family="arcade",
        summary="2048: slide tiles, merge equal ones, reach the target tile (2048 by default).",
        max_episode_steps=4000,
        kwargs={"vision": _vision},
    )
