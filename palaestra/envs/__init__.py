"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, household, scienceworld  # noqa: F401
