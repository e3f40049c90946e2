"""2048: slide and merge numbered tiles on a square board until the target tile appears."""

from palaestra.core import register_text_and_vision

register_text_and_vision(
    "2048",
    "palaestra.envs.arcade.g2048.env:Game2048Env",
    family="arcade",
    summary="2048: slide tiles, merge equal ones, reach the target tile (2048 by default).",
    max_episode_steps=4000,
    expert=True,
)
