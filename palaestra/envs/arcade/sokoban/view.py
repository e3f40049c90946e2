"""How a Sokoban level looks: the text board with its legend, and the tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.sokoban.world import (
    BOX,
    BOX_ON_GOAL,
    FLOOR,
    GOAL,
    PLAYER,
    PLAYER_ON_GOAL,
    WALL,
    SokobanWorld,
)

# The standard Sokoban symbols, with "_" for floor so that the spaced-out board stays readable.
SYMBOLS = {FLOOR: "_", WALL: "#", GOAL: ".", BOX: "$", BOX_ON_GOAL: "*", PLAYER: "@", PLAYER_ON_GOAL: "+"}
LEGEND = "Legend: # wall, _ floor, . goal, $ box, * box on a goal, @ you, + you on a goal."


def status(world: SokobanWorld, coords: list[str]) -> str:
    """Where the player, the boxes and the goals are; ``coords`` names each cell (``GridText.coords``)."""

    def cells(group) -> str:
        return ", ".join(coords[c] for c in sorted(group))

    return (
        f"You are at {coords[world.player]}. Boxes at: {cells(world.boxes)}. "
        f"Goals at: {cells(world.goals)}.\n"
        f"Boxes on goals: {world.boxes_on_goals} of {len(world.goals)}."
    )


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by the world's cell codes."""
    floor = painter.blank(cell, (52, 56, 66))
    goal_color = (235, 200, 70)
    goal = painter.disc(cell, goal_color, 0.16, base=floor)
    wall = painter.square(cell, (120, 84, 60), inset=0.03, base=painter.blank(cell, (80, 56, 40)))
    box_color = (200, 140, 60)

    def box(color, base):
        tile = painter.square(cell, color, inset=0.12, base=base)
        return painter.square(cell, tuple(int(c * 0.8) for c in color), inset=0.3, base=tile)

    player_color = (90, 170, 240)
    player = painter.disc(cell, player_color, 0.33, base=floor)
    tiles = {
        FLOOR: floor,
        WALL: wall,
        GOAL: goal,
        BOX: box(box_color, floor),
        BOX_ON_GOAL: box((90, 200, 110), floor),
        PLAYER: player,
        PLAYER_ON_GOAL: painter.disc(cell, goal_color, 0.16, base=player),
    }
    return painter.stack([tiles[code] for code in range(len(tiles))])


def board_painter(size: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(size, size, image_shape)
    return painter.TilePainter(size, size, make_tiles(cell), image_shape)
