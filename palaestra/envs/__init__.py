"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, household  # noqa: F401
