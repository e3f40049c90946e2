"""Arcade games with text and image views (ViGaL-style): each game registers its ids on import."""

from palaestra.envs.arcade import snake  # noqa: F401
from palaestra.envs.arcade import rotation  # noqa: F401
from palaestra.envs.arcade import sokoban  # noqa: F401
from palaestra.envs.arcade import g2048  # noqa: F401
from palaestra.envs.arcade import minesweeper  # noqa: F401
from palaestra.envs.arcade import tetris  # noqa: F401
