"""The environment families. Importing this registers every id with Gymnasium."""

from palaestra.envs import (  # noqa: F401
    arcade,
    babyai,
    claims,
    formal,
    household,
    medical,
    persuasion,
    scienceworld,
    webshop,
)
