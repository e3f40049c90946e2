"""Arcade games with text and image views (ViGaL-style): each game registers its ids on import."""

from palaestra.envs.arcade import g2048, minesweeper, rotation, snake, sokoban, tetris  # noqa: F401
