"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, claims, formal, household, medical, scienceworld  # noqa: F401
from palaestra.envs import persuasion  # noqa: F401
