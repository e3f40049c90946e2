"""Persuasion: talk a listener into a wrong answer about a generated world, with eleven strategies."""

from palaestra.core import register_env

register_env(
    "Persuasion-Text-v0",
    "palaestra.envs.persuasion.env:PersuasionEnv",
    family="persuasion",
    summary="Persuade a (simulated or LLM) listener of a wrong answer in K rounds, with 11 strategies.",
    max_episode_steps=40,
    expert=True,
)
