"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, formal, household  # noqa: F401
