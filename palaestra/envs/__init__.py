"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import arcade, babyai, household  # noqa: F401
from palaestra.envs import claims  # noqa: F401
