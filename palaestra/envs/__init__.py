"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, claims, formal, household, medical, persuasion, scienceworld  # noqa: F401
