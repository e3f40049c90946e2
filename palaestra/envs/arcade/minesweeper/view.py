"""How a Minesweeper field looks: the text grid with its legend, and the tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.minesweeper.world import EXPLODED, FLAG, HIDDEN, MINE, MinesweeperWorld

_SYMBOLS = {0: ".", HIDDEN: "#", FLAG: "F", MINE: "*", EXPLODED: "X"} | {k: str(k) for k in range(1, 9)}
_TRANSLATE = bytes(ord(_SYMBOLS.get(code, "?")) for code in range(256))
LEGEND = (
    "Legend: # hidden, F flagged, . revealed with no mine around, 1-8 revealed with that many mines "
    "among its 8 neighbours, * a mine, X the mine that exploded."
)
AXES = "Cells are (x, y): x is the column (left to right), y the row (top to bottom), both from 0."

_NUMBER_COLORS = (
    (0, 0, 0),
    (70, 130, 255),
    (60, 170, 80),
    (230, 70, 70),
    (150, 90, 230),
    (200, 120, 40),
    (40, 180, 190),
    (220, 220, 220),
    (150, 150, 150),
)


# What the instructions of Minesweeper-Vision-v0 say of the colours (_NUMBER_COLORS, make_tiles).
IMAGE_LEGEND = (
    "The image shows the field, (0, 0) at the top left: a hidden cell is a slate-blue square, a "
    "revealed cell is light grey, blank when no mine is around it and otherwise showing its count "
    "(1 blue, 2 green, 3 red, 4 purple, 5 orange, 6 teal, 7 white, 8 grey), a flag is a red disc "
    "on a hidden cell, a mine is a black disc, and the mine that exploded is a black disc on red."
)
MIN_CELL = 12  # pixels per cell: the counts are written in an 8-pixel font


class FieldText:
    """Renders fields of one size as text.

    The text's fixed parts (coordinates, spacing, line breaks) are laid out once in a buffer; a field
    is drawn by copying each row's symbols into their places, one slice assignment per row.
    """

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        label = len(str(height - 1))
        col = len(str(width - 1))  # each symbol right-aligned under its column number
        header = " " * (label + 2) + " ".join(f"{x:>{col}}" for x in range(width))
        prefixes = [f"{y:>{label}}  " + " " * (col - 1) for y in range(height)]
        rows = [prefix + (" " * col).join("?" * width) for prefix in prefixes]
        self._buffer = bytearray(header + "\n" + "\n".join(rows), "ascii")
        self._rows = []  # per row: (the places of its symbols in the text, its cells in the field)
        start = len(header) + 1 + len(prefixes[0])
        for y in range(height):
            places = slice(start, start + width * (col + 1) - col, col + 1)
            self._rows.append((places, slice(y * width, (y + 1) * width)))
            start += len(rows[0]) + 1

    def field(self, world: MinesweeperWorld) -> str:
        symbols, text = world.view.translate(_TRANSLATE), self._buffer
        for place, cells in self._rows:
            text[place] = symbols[cells]
        return text.decode("ascii")


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by the world's view codes."""
    revealed = painter.square(cell, (190, 190, 190), inset=0.0)
    hidden = painter.square(cell, (110, 118, 135), inset=0.06)
    tiles = {0: revealed, HIDDEN: hidden}
    for count in range(1, 9):
        tiles[count] = painter.label(cell, str(count), _NUMBER_COLORS[count], base=revealed)
    tiles[FLAG] = painter.disc(cell, (230, 60, 50), 0.22, base=hidden)
    tiles[MINE] = painter.disc(cell, (20, 20, 20), 0.3, base=revealed)
    tiles[EXPLODED] = painter.disc(cell, (20, 20, 20), 0.3, base=painter.square(cell, (230, 50, 50), 0.0))
    return painter.stack([tiles[code] for code in range(len(tiles))])


def field_painter(width: int, height: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(height, width, image_shape)
    return painter.TilePainter(height, width, make_tiles(cell), image_shape)
