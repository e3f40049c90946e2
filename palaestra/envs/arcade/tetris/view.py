"""How a Tetris well looks: the text symbols, the current piece's rotations, and the tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.tetris.world import GARBAGE, KINDS, ROTATIONS, TetrisWorld

SYMBOLS = {0: "."} | {code: "#" for code in range(1, GARBAGE + 1)}  # every filled cell looks the same
LEGEND = "Legend: # a filled cell, . an empty cell."
AXES = "Columns are numbered from 0 at the left; rows from 0 at the top."
# Guideline colours of I, O, T, S, Z, J, L.
_COLORS = (
    (0, 200, 220),
    (235, 205, 40),
    (165, 70, 200),
    (70, 190, 70),
    (225, 60, 60),
    (50, 90, 220),
    (235, 140, 30),
)
PREVIEW_ROWS = 2  # the current piece is drawn above the well, in its spawn rotation
DIVIDER = GARBAGE + 1  # the code of the line between the preview and the well
# What the instructions of Tetris-Vision-v0 say of the image (_COLORS, make_tiles, WellPainter).
IMAGE_LEGEND = (
    "The image shows the current piece in its rotation 0 at the top, a light grey line below it, "
    "then the well, column 0 at the left. Filled cells are squares in the colour of the piece that "
    "left them: I cyan, O yellow, T purple, S green, Z red, J blue, L orange (grey for cells "
    "filled before the first piece); empty cells are dark."
)
MIN_CELL = 4  # pixels per cell: each cell is a plain coloured square, still one at 4 pixels


def image_rows(height: int) -> int:
    """The rows of cells the image shows for a well ``height`` high: the preview, the divider, the well."""
    return PREVIEW_ROWS + 1 + height


def rotations_text(kind: int, width: int) -> str:
    """The current piece's rotations drawn side by side, each with the columns it may be placed at."""
    shapes = ROTATIONS[kind]
    blocks = []
    for r, shape in enumerate(shapes):
        drawing = [["."] * shape.width for _ in range(shape.height)]
        for x, y in shape.cells:
            drawing[y][x] = "X"
        lines = [f"rotation {r}", f"columns 0-{width - shape.width}"] + ["".join(row) for row in drawing]
        blocks.append(lines)
    depth = max(len(b) for b in blocks)
    widths = [max(len(line) for line in b) for b in blocks]
    out = []
    for i in range(depth):
        out.append("   ".join((b[i] if i < len(b) else "").ljust(w) for b, w in zip(blocks, widths)).rstrip())
    return "\n".join(out)


def make_tiles(cell: int) -> np.ndarray:
    """Tiles indexed by code: 0 empty, 1-7 a cell of each kind of piece, garbage, the preview's divider."""
    tiles = [painter.blank(cell)]
    tiles += [painter.square(cell, color, inset=0.06) for color in _COLORS]
    tiles.append(painter.square(cell, (130, 130, 130), inset=0.06))
    divider = painter.blank(cell)
    divider[cell // 2 - 1 : cell // 2 + 1, :] = (200, 200, 200)
    tiles.append(divider)
    return painter.stack(tiles)


class WellPainter:
    """The image: the current piece above the well, a divider line, then the well."""

    def __init__(self, width: int, height: int, image_shape: tuple[int, int]):
        rows = image_rows(height)
        cell = painter.TilePainter.cell_size(rows, width, image_shape)
        self.width = width
        self.tiles = painter.TilePainter(rows, width, make_tiles(cell), image_shape)
        self.codes = bytearray(rows * width)
        self.codes[PREVIEW_ROWS * width : (PREVIEW_ROWS + 1) * width] = bytes([DIVIDER]) * width
        self.preview = [bytearray(PREVIEW_ROWS * width) for _ in KINDS]
        for kind, preview in enumerate(self.preview):
            shape = ROTATIONS[kind][0]
            left = (width - shape.width) // 2
            for x, y in shape.cells:
                preview[y * width + left + x] = kind + 1

    def draw(self, world: TetrisWorld) -> np.ndarray:
        w = self.width
        self.codes[: PREVIEW_ROWS * w] = self.preview[world.piece]
        self.codes[(PREVIEW_ROWS + 1) * w :] = world.cells
        return self.tiles.draw(self.codes)
