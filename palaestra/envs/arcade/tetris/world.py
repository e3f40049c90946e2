"""Tetris's world: the rules, with no text in them.

A ``width x height`` well fills with the seven tetrominoes, drawn in shuffled bags of seven (every
piece once per bag). A move places the current piece: the agent picks one of its rotations and the
column of its leftmost cell, and the piece falls straight down from above the well until it rests on
the floor or on a filled cell. Every full row is then cleared and the rows above it move down. A
piece that comes to rest with a cell above the top row tops out the well: the game is over.

Rows are bit masks (bit ``x`` set when column ``x`` is filled), ``rows[0]`` the top row. ``cells``
holds, for drawing, the kind of piece (1-7) that filled each cell (or ``GARBAGE``), row-major from the top.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("I", "O", "T", "S", "Z", "J", "L")
# Spawn orientations as (x, y) cells, y downwards (the guideline's: T, J and L point their bump up).
_SPAWN = {
    "I": ((0, 0), (1, 0), (2, 0), (3, 0)),
    "O": ((0, 0), (1, 0), (0, 1), (1, 1)),
    "T": ((1, 0), (0, 1), (1, 1), (2, 1)),
    "S": ((1, 0), (2, 0), (0, 1), (1, 1)),
    "Z": ((0, 0), (1, 0), (1, 1), (2, 1)),
    "J": ((0, 0), (0, 1), (1, 1), (2, 1)),
    "L": ((2, 0), (0, 1), (1, 1), (2, 1)),
}
GARBAGE = len(KINDS) + 1  # the ``cells`` code of a cell filled by a picture rather than a piece
LINE_REWARDS = (0, 1, 3, 5, 8)  # classic scoring for 0-4 rows cleared at once, in units of 100 points


@dataclass(frozen=True)
class Shape:
    """One rotation of a piece: its cells, size, per-row masks and the lowest cell of each column."""

    cells: tuple[tuple[int, int], ...]
    width: int
    height: int
    row_masks: tuple[int, ...]  # row dy -> bits of the columns the shape fills (leftmost at bit 0)
    bottoms: tuple[int, ...]  # column dx -> the largest dy the shape fills in it


def _shape(cells: tuple[tuple[int, int], ...]) -> Shape:
    min_x = min(x for x, _ in cells)
    min_y = min(y for _, y in cells)
    cells = tuple(sorted(((x - min_x, y - min_y) for x, y in cells), key=lambda c: (c[1], c[0])))
    width = max(x for x, _ in cells) + 1
    height = max(y for _, y in cells) + 1
    masks = tuple(sum(1 << x for x, y in cells if y == dy) for dy in range(height))
    bottoms = tuple(max(y for x, y in cells if x == dx) for dx in range(width))
    return Shape(cells, width, height, masks, bottoms)


def _rotations(kind: str) -> tuple[Shape, ...]:
    """The distinct clockwise rotations of a piece, from its spawn orientation."""
    shapes: list[Shape] = []
    cells = _SPAWN[kind]
    for _ in range(4):
        shape = _shape(cells)
        if shape in shapes:
            break
        shapes.append(shape)
        cells = tuple((-y, x) for x, y in cells)  # a quarter turn clockwise when y points down
    return tuple(shapes)


ROTATIONS: tuple[tuple[Shape, ...], ...] = tuple(_rotations(kind) for kind in KINDS)


def column_tops(rows: list[int], width: int) -> list[int]:
    """Each column's highest filled row (``len(rows)`` for an empty column)."""
    tops = [len(rows)] * width
    seen = 0
    full = (1 << width) - 1
    for y, row in enumerate(rows):
        new = row & ~seen
        while new:
            low = new & -new
            tops[low.bit_length() - 1] = y
            new ^= low
        seen |= row
        if seen == full:
            break
    return tops


def landing_row(shape: Shape, column: int, tops: list[int]) -> int:
    """The row of the shape's top when it falls straight down at ``column`` (negative: it tops out)."""
    return min(tops[column + dx] - 1 - bottom for dx, bottom in enumerate(shape.bottoms))


class TetrisWorld:
    """The well, the current and next pieces, and the lines cleared. ``rng`` is the env's ``np_random``."""

    def __init__(self, width: int, height: int, rng: np.random.Generator):
        if not 4 <= width <= 30 or not 4 <= height <= 60:
            raise ValueError(f"the well must be 4-30 wide and 4-60 high, got {width}x{height}")
        self.width, self.height = width, height
        self.full = (1 << width) - 1
        self.rng = rng
        self.rows = [0] * height
        self.cells = bytearray(width * height)
        self.lines = 0
        self.points = 0
        self.pieces = 0
        self.topped_out = False
        self._bag: list[int] = []
        self.piece = self._draw_piece()
        self.next_piece = self._draw_piece()

    @classmethod
    def from_picture(cls, picture: list[str], piece: str, rng: np.random.Generator) -> TetrisWorld:
        """A well filled as ``picture`` shows (rows from the top, ``#`` filled, ``.`` empty) with ``piece``
        to place next."""
        height, width = len(picture), len(picture[0]) if picture else 0
        if any(len(row) != width for row in picture) or set("".join(picture)) - set("#."):
            raise ValueError("picture must be equal-length rows of '#' (filled) and '.' (empty)")
        world = cls(width, height, rng)
        world.rows = [sum(1 << x for x, mark in enumerate(row) if mark == "#") for row in picture]
        world.cells = bytearray(GARBAGE if mark == "#" else 0 for mark in "".join(picture))
        world.piece = KINDS.index(piece)
        return world

    # -- rules ----------------------------------------------------------------------------------
    def place(self, rotation: int, column: int) -> int:
        """Drop the current piece; returns the rows cleared. The game is over if it tops out."""
        kind = self.piece
        shape = ROTATIONS[kind][rotation % len(ROTATIONS[kind])]
        if not 0 <= column <= self.width - shape.width:
            raise ValueError(f"column {column} puts the piece outside the well")
        top = landing_row(shape, column, column_tops(self.rows, self.width))
        self.pieces += 1
        if top < 0:
            self.topped_out = True
            return 0
        w = self.width
        for dx, dy in shape.cells:
            self.cells[(top + dy) * w + column + dx] = kind + 1
        for dy, mask in enumerate(shape.row_masks):
            self.rows[top + dy] |= mask << column
        cleared = self._clear_rows()
        self.lines += cleared
        self.points += LINE_REWARDS[cleared]
        self.piece, self.next_piece = self.next_piece, self._draw_piece()
        return cleared

    def _clear_rows(self) -> int:
        full_rows = [y for y, row in enumerate(self.rows) if row == self.full]
        if not full_rows:
            return 0
        w = self.width
        kept = [y for y in range(self.height) if self.rows[y] != self.full]
        n = len(full_rows)
        self.rows = [0] * n + [self.rows[y] for y in kept]
        self.cells = bytearray(n * w) + b"".join(self.cells[y * w : (y + 1) * w] for y in kept)
        return n

    def _draw_piece(self) -> int:
        if not self._bag:
            self._bag = self.rng.permutation(len(KINDS)).tolist()
        return self._bag.pop()

    def state_bytes(self) -> bytes:
        """What decides the future: the well, the pieces, the bag and the lines cleared."""
        return b"|".join(
            (
                bytes(self.cells),
                bytes((self.piece, self.next_piece, self.topped_out, *self._bag)),
                self.lines.to_bytes(4, "little"),
            )
        )
