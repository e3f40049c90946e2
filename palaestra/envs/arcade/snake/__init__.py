"""Snake: the two-snake arcade game of ViGaL, as a full game and as one-decision questions."""

from palaestra.core import register_text_and_vision

register_text_and_vision(
    "Snake",
    "palaestra.envs.arcade.snake.env:SnakeEnv",
    family="arcade",
    summary="Snake against an enemy snake: eat apples, avoid walls and bodies.",
    max_episode_steps=300,
    expert=True,
)
register_text_and_vision(
    "SnakeDecision",
    "palaestra.envs.arcade.snake.decision:SnakeDecisionEnv",
    family="arcade",
    summary="One Snake position: name the best move and every deadly move (ViGaL format).",
    max_episode_steps=3,
    expert=True,
)
