"""Snake: the two-snake arcade game of ViGaL, as a full game and as one-decision questions."""

from palaestra.core import register_env

_FAMILY = "arcade"
for _modality, _vision in (("Text", False), ("Vision", True)):
    register_env(
        f"Snake-{_modality}-v0",
        "palaestra.envs.arcade.snake.env:SnakeEnv",
        family=_FAMILY,
        summary="Snake against an enemy snake: eat apples, avoid walls and bodies.",
        max_episode_steps=300,
        kwargs={"vision": _vision},
    )
    register_env(
        f"SnakeDecision-{_modality}-v0",
        "palaestra.envs.arcade.snake.decision:SnakeDecisionEnv",
        family=_FAMILY,
        summary="One Snake position: name the best move and every deadly move (ViGaL format).",
        max_episode_steps=3,
        kwargs={"vision": _vision},
    )
