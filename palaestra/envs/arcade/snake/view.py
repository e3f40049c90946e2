"""How a Snake board looks: the text board with its legend, and the tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.grid import DIRECTIONS
from palaestra.envs.arcade.snake.world import APPLE, BODY, EMPTY, HEAD, OTHER_BODY, OTHER_HEAD, SnakeWorld

SYMBOLS = {EMPTY: ".", APPLE: "A", HEAD: "Y", BODY: "y", OTHER_HEAD: "E", OTHER_BODY: "e"}
LEGEND = "Legend: Y your head, y your body, E enemy head, e enemy body, A apple, . empty."

# The image's colours, and what the instructions of the -Vision- ids say of them.
YOU, ENEMY, APPLE_COLOR = (80, 200, 120), (90, 140, 235), (225, 60, 60)
IMAGE_LEGEND = (
    "The image shows the board, one square cell per board cell, (0, 0) at the top left: your snake "
    "is green (its head the bright green cell with two white eyes, its body darker green), the enemy "
    "snake is blue (a bright blue head with eyes, a darker blue body), apples are red discs and empty "
    "cells are dark grey."
)
MIN_CELL = 5  # pixels per cell: below this the heads' eyes and the apples' discs blur into squares


def status(world: SnakeWorld, coords: list[str] | None = None) -> str:
    """Both snakes and the apples in words, with where they are if ``coords`` names each cell
    (``GridText.coords``); a -Vision- text leaves positions to the image."""
    # Every step and reset writes this: each variant is one f-string, with few pieces built apart.
    snake, other, dead = world.snake, world.other, "" if world.alive else ", dead"
    if not other:
        enemy = "" if world.opponent == "none" else "Enemy: dead.\n"
    elif coords:
        enemy = f"Enemy: head at {coords[other[0]]}, length {len(other)}.\n"
    else:
        enemy = f"Enemy: length {len(other)}.\n"
    if not coords:
        return (
            f"You: heading {DIRECTIONS[world.heading]}, length {len(snake)}{dead}.\n"
            f"{enemy}Eaten: {world.apples_eaten} of {world.target_apples}."
        )
    apples = ", ".join([coords[a] for a in sorted(world.apples)]) or "none"
    return (
        f"You: head at {coords[snake[0]]}, heading {DIRECTIONS[world.heading]}, length {len(snake)}{dead}.\n"
        f"{enemy}Apples at: {apples}. Eaten: {world.apples_eaten} of {world.target_apples}."
    )


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by the world's cell codes."""
    empty = painter.blank(cell)

    def head(color):
        tile = painter.square(cell, color, inset=0.04)
        for cx in (0.33, 0.67):
            tile = painter.disc(cell, (255, 255, 255), 0.11, base=tile, center=(cx, 0.4))
            tile = painter.disc(cell, (20, 20, 20), 0.05, base=tile, center=(cx, 0.4))
        return tile

    tiles = {
        EMPTY: empty,
        APPLE: painter.disc(cell, APPLE_COLOR, 0.32),
        HEAD: head(YOU),
        BODY: painter.square(cell, tuple(int(c * 0.75) for c in YOU)),
        OTHER_HEAD: head(ENEMY),
        OTHER_BODY: painter.square(cell, tuple(int(c * 0.75) for c in ENEMY)),
    }
    return painter.stack([tiles[code] for code in range(len(tiles))])


def image_side(size: int, image_size: int | None, default: int) -> int:
    """The image side for a ``size x size`` board (see ``painter.image_side``)."""
    return painter.grid_image_side(image_size, size, size, MIN_CELL, default, "a Snake board")


def board_painter(size: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(size, size, image_shape)
    return painter.TilePainter(size, size, make_tiles(cell), image_shape)
