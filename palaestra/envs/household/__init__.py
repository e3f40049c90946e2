"""Household: ALFWorld's household tasks in procedurally generated homes, in ALFWorld's language; and
ALFWorld's own games on its own engine."""

from palaestra.core import register_env
from palaestra.envs.household.alfworld_env import ALFWORLD_VARIABLE

register_env(
    "Household-Text-v0",
    "palaestra.envs.household.env:HouseholdEnv",
    family="household",
    summary="ALFWorld's six household task types in generated homes, with ALFWorld's commands and texts.",
    max_episode_steps=50,
    expert=True,
)
register_env(
    "ALFWorld-v0",
    "palaestra.envs.household.alfworld_env:ALFWorldEnv",
    family="household",
    summary="ALFWorld's text games (json_2.1.1 game folders) on ALFWorld's own engine, by task_id.",
    max_episode_steps=50,
    extra="alfworld",
    expert=True,
    data=(ALFWORLD_VARIABLE, "ALFWorld's json_2.1.1 folder of game folders (alfworld-download writes it)"),
)
