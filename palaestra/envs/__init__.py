"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, household, medical  # noqa: F401
