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


def status(world: SokobanWorld, coords: list[str] | None = None) -> str:
    """How many boxes are on goals, and where you, the boxes and the goals are if ``coords`` names
    each cell (``GridText.coords``); a -Vision- text leaves positions to the image."""
    count = f"Boxes on goals: {world.boxes_on_goals} of {len(world.goals)}."
    if not coords:
        return count

    def cells(group) -> str:
        return ", ".join(coords[c] for c in sorted(group))

    return (
        f"You are at {coords[world.player]}. Boxes at: {cells(world.boxes)}. "
        f"Goals at: {cells(world.goals)}.\n{count}"
    )


# The image's colours, and what the instructions of Sokoban-Vision-v0 say of them.
FLOOR_COLOR, GOAL_COLOR, PLAYER_COLOR = (52, 56, 66), (235, 200, 70), (90, 170, 240)
WALL_COLOR, WALL_EDGE = (120, 84, 60), (80, 56, 40)
BOX_COLOR, BOX_ON_GOAL_COLOR = (200, 140, 60), (90, 200, 110)
IMAGE_LEGEND = (
    "The image shows the board, one square cell per board cell, (0, 0) at the top left: walls are "
    "brown blocks, floor is dark grey, a goal is a small yellow dot on the floor, a box is an "
    "orange square (green once it stands on a goal), and you are a blue disc (with a yellow dot in "
    "its middle when you stand on a goal)."
)
MIN_CELL = 8  # pixels per cell: below this a goal's dot and a box's inner square vanish


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by the world's cell codes."""
    floor = painter.blank(cell, FLOOR_COLOR)
    goal = painter.disc(cell, GOAL_COLOR, 0.16, base=floor)
    wall = painter.square(cell, WALL_COLOR, inset=0.03, base=painter.blank(cell, WALL_EDGE))

    def box(color, base):
        tile = painter.square(cell, color, inset=0.12, base=base)
        return painter.square(cell, tuple(int(c * 0.8) for c in color), inset=0.3, base=tile)

    player = painter.disc(cell, PLAYER_COLOR, 0.33, base=floor)
    tiles = {
        FLOOR: floor,
        WALL: wall,
        GOAL: goal,
        BOX: box(BOX_COLOR, floor),
        BOX_ON_GOAL: box(BOX_ON_GOAL_COLOR, floor),
        PLAYER: player,
        PLAYER_ON_GOAL: painter.disc(cell, GOAL_COLOR, 0.16, base=player),
    }
    return painter.stack([tiles[code] for code in range(len(tiles))])


def board_painter(size: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(size, size, image_shape)
    return painter.TilePainter(size, size, make_tiles(cell), image_shape)
