"""Household: ALFWorld's household tasks in procedurally generated homes, in ALFWorld's language."""

from palaestra.core import register_env

register_env(
    "Household-Text-v0",
    "palaestra.envs.household.env:HouseholdEnv",
    family="household",
    summary="ALFWorld's six household task types in generated homes, with ALFWorld's commands and texts.",
    max_episode_steps=50,
    expert=True,
)
