"""Rotation: ViGaL's mental-rotation game on procedural Shepard-Metzler polycubes."""

from palaestra.core import register_env

for _modality, _vision in (("Text", False), ("Vision", True)):
    register_env(
        f"Rotation-{_modality}-v0",
        "palaestra.envs.arcade.rotation.env:RotationEnv",
        family="arcade",
        summary="Mental rotation: name the turn (or mirror) that takes one cube figure to another.",
        max_episode_steps=3,
        kwargs={"vision": _vision},
    )
