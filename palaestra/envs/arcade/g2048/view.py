"""How a 2048 board looks: the text grid with coordinates, and the numbered tiles of the image."""

from __future__ import annotations

import numpy as np

from palaestra.envs.arcade import painter
from palaestra.envs.arcade.g2048.world import Game2048World

LEGEND = "Legend: a number is a tile of that value, . is an empty cell."
AXES = "Cells are (x, y): x is the column (left to right), y the row (top to bottom)."

# Classic colours: pale tiles for small values, warm for larger ones; dark text on the two palest.
_COLORS = (
    (205, 193, 180),
    (238, 228, 218),
    (237, 224, 200),
    (242, 177, 121),
    (245, 149, 99),
    (246, 124, 95),
    (246, 94, 59),
    (237, 207, 114),
    (237, 204, 97),
    (237, 200, 80),
    (237, 197, 63),
    (237, 194, 46),
)
_BIG_COLOR = (60, 58, 50)
# What the instructions of 2048-Vision-v0 say of the colours above.
IMAGE_LEGEND = (
    "The image shows the board, (0, 0) at the top left: every tile is a square with its value "
    "written on it, and empty cells are plain beige squares. Tiles warm up with their value: 2 and "
    "4 are off-white with dark digits, 8 to 64 go from light orange to red, 128 to 2048 are yellow, "
    "and larger tiles are near black; from 8 up the digits are white."
)
MIN_CELL = 24  # pixels per cell: in smaller tiles a four-digit value is too small to read
_MAX_KNOWN_ROWS = 1 << 16


def max_exponent(size: int) -> int:
    """The largest exponent a board of ``size`` can hold: every cell doubling the one before it."""
    return size * size + 1


class BoardText:
    """Renders boards of one size: each exponent's cell text is formatted once, each row's text once.

    The text is a template (the column numbers, then one line per row: its number and a ``%s``)
    filled with the rows' texts, which are looked up by the row's exponents; rows recur across
    boards, so a board's text is a few lookups and one ``%``.
    """

    def __init__(self, size: int):
        self.size = size
        width = len(str(1 << max_exponent(size)))
        self.cells = [f"{'.' if e == 0 else 1 << e:>{width + 1}}" for e in range(max_exponent(size) + 1)]
        label = len(str(size - 1))
        header = " " * label + "".join(f"{x:>{width + 1}}" for x in range(size))
        self._template = "\n".join([header] + [f"{y:>{label}}%s" for y in range(size)])
        # row_text(row): the text of a row (its exponents), without its number
        self.row_text = _RowTexts(self.cells).__getitem__

    def board(self, world: Game2048World) -> str:
        return self._template % self.row_texts(world)

    def row_texts(self, world: Game2048World) -> tuple[str, ...]:
        """The texts of the board's rows, without their numbers: what the template is filled with."""
        return tuple(map(self.row_text, world.rows))

    def page(self, head: str, tail: str) -> str:
        """A ``%`` template of ``head``, the board and ``tail``, each on lines of its own: ``head``
        and ``tail`` are ``%`` templates themselves, and the board's part takes ``row_texts``."""
        return "\n".join([head, self._template, tail])


class _RowTexts(dict):
    """A row's exponents -> its text (without its number), worked out once (at most
    ``_MAX_KNOWN_ROWS`` kept)."""

    def __init__(self, cells: list[str]):
        super().__init__()
        self.cells = cells

    def __missing__(self, line: bytes) -> str:
        if len(self) >= _MAX_KNOWN_ROWS:
            self.clear()
        text = self[line] = "".join([self.cells[v] for v in line])
        return text


def make_tiles(cell: int, size: int) -> np.ndarray:
    """Tiles indexed by exponent: 0 an empty cell, ``k`` the tile ``2**k`` with its value written on it."""
    tiles = [painter.square(cell, _COLORS[0], inset=0.05)]
    for exponent in range(1, max_exponent(size) + 1):
        color = _COLORS[exponent] if exponent < len(_COLORS) else _BIG_COLOR
        text_color = (119, 110, 101) if exponent <= 2 else (249, 246, 242)
        base = painter.square(cell, color, inset=0.05)
        tiles.append(painter.fitted_label(cell, str(1 << exponent), text_color, base=base))
    return painter.stack(tiles)


def board_painter(size: int, image_shape: tuple[int, int]) -> painter.TilePainter:
    cell = painter.TilePainter.cell_size(size, size, image_shape)
    return painter.TilePainter(size, size, make_tiles(cell, size), image_shape)
