"""Rotation: ViGaL's mental-rotation game on procedural Shepard-Metzler polycubes."""

from palaestra.core import register_text_and_vision

register_text_and_vision(
    "Rotation",
    "palaestra.envs.arcade.rotation.env:RotationEnv",
    family="arcade",
    summary="Mental rotation: name the turn (or mirror) that takes one cube figure to another.",
    max_episode_steps=3,
    expert=True,
)
