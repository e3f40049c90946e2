"""How a Snake board looks: the text board with its legend, and the tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.grid import DIRECTIONS
from palaestra.envs.arcade.snake.world import APPLE, BODY, EMPTY, HEAD, OTHER_BODY, OTHER_HEAD, SnakeWorld

SYMBOLS = {EMPTY: ".", APPLE: "A", HEAD: "Y", BODY: "y", OTHER_HEAD: "E", OTHER_BODY: "e"}
LEGEND = "Legend: Y your head, y your body, E enemy head, e enemy body, A apple, . empty."


def status(world: SnakeWorld, coords: list[str]) -> str:
    """Both snakes and the apples in words; ``coords`` names each cell (``GridText.coords``)."""
    you = (
        f"You: head at {coords[world.snake[0]]}, heading {DIRECTIONS[world.heading]}, "
        f"length {len(world.snake)}{'' if world.alive else ', dead'}.\n"
    )
    if world.other:
        enemy = f"Enemy: head at {coords[world.other[0]]}, length {len(world.other)}.\n"
    else:
        enemy = "" if world.opponent == "none" else "Enemy: dead.\n"
    apples = ", ".join([coords[a] for a in sorted(world.apples)]) or "none"
    return f"{you}{enemy}Apples at: {apples}. Eaten: {world.apples_eaten} of {world.target_apples}."


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by the world's cell codes."""
    empty = painter.blank(cell)
    you, enemy = (80, 200, 120), (90, 140, 235)

    def head(color):
        tile = painter.square(cell, color, inset=0.04)
        for cx in (0.33, 0.67):
            tile = painter.disc(cell, (255, 255, 255), 0.11, base=tile, center=(cx, 0.4))
            tile = painter.disc(cell, (20, 20, 20), 0.05, base=tile, center=(cx, 0.4))
        return tile

    tiles = {
        EMPTY: empty,
        APPLE: painter.disc(cell, (225, 60, 60), 0.32),
        HEAD: head(you),
        BODY: painter.square(cell, tuple(int(c * 0.75) for c in you)),
        OTHER_HEAD: head(enemy),
        OTHER_BODY: painter.square(cell, tuple(int(c * 0.75) for c in enemy)),
    }
    return painter.stack([tiles[code] for code in range(len(tiles))])


def board_painter(size: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(size, size, image_shape)
    return painter.TilePainter(size, size, make_tiles(cell), image_shape)
