"""2048's world: the rules, with no text in them.

An N x N board holds tiles whose values are powers of two. A move slides every tile as far as it goes
in one direction; two tiles of the same value that meet merge into one tile of twice the value, and a
tile made by a merge does not merge again in the same move (``2 2 2 2`` slides left to ``4 4 . .``).
A move that changes nothing is not a legal move. After each move a new tile appears on a random empty
cell: a 2 with probability 0.9, else a 4. The game is over when no move changes the board.

Tiles are stored as exponents (0 empty, ``k`` the tile ``2**k``) in a ``bytes`` board of
``size * size`` cells, row-major: cell ``y * size + x``, ``x`` to the right, ``y`` downwards.
"""

from __future__ import annotations

from functools import reduce
from operator import itemgetter, or_

import numpy as np

UP, RIGHT, DOWN, LEFT = range(4)
DIRECTIONS = ("up", "right", "down", "left")
FOUR_PROBABILITY = 0.1

# line (exponents, in the direction tiles slide towards the front) -> (slid line, points scored)
_SLIDES: dict[bytes, tuple[bytes, int]] = {}


def slide_line(line: bytes) -> tuple[bytes, int]:
    """Slide and merge one line towards its start; returns (new line, points = sum of merged tiles)."""
    cached = _SLIDES.get(line)
    if cached is not None:
        return cached
    tiles = [v for v in line if v]
    out: list[int] = []
    points = 0
    i = 0
    while i < len(tiles):
        if i + 1 < len(tiles) and tiles[i] == tiles[i + 1]:
            out.append(tiles[i] + 1)
            points += 1 << (tiles[i] + 1)
            i += 2
        else:
            out.append(tiles[i])
            i += 1
    result = (bytes(out) + bytes(len(line) - len(out)), points)
    _SLIDES[line] = result
    return result


TOWARDS_START, TOWARDS_END = 1, 2


class _Mobility(dict):
    """line -> bit flags of the ways it can slide: TOWARDS_START and/or TOWARDS_END change it."""

    def __missing__(self, line: bytes) -> int:
        flags = (TOWARDS_START if slide_line(line)[0] != line else 0) | (
            TOWARDS_END if slide_line(line[::-1])[0] != line[::-1] else 0
        )
        self[line] = flags
        return flags


_MOBILITY = _Mobility()


def line_slices(size: int, direction: int) -> list[tuple[slice, bool]]:
    """For each line of a move: the board slice it occupies and whether tiles slide towards its end."""
    if direction in (LEFT, RIGHT):
        return [(slice(k * size, (k + 1) * size), direction == RIGHT) for k in range(size)]
    return [(slice(k, None, size), direction == DOWN) for k in range(size)]


def slide_board(board: bytes, lines: list[tuple[slice, bool]]) -> tuple[bytes, int]:
    """The board after sliding every line of one move, and the points scored."""
    out = bytearray(board)
    points = 0
    for where, reverse in lines:
        line = board[where]
        if reverse:
            new, gained = slide_line(line[::-1])
            out[where] = new[::-1]
        else:
            new, gained = slide_line(line)
            out[where] = new
        points += gained
    return bytes(out), points


class Game2048World:
    """The board, the points scored and the legal moves. ``rng`` is the env's ``np_random``.

    ``legal`` lists the directions that change the board, in the order of ``DIRECTIONS``; it is
    recomputed after every move from per-line tables, so legality checks cost nothing.
    """

    def __init__(self, size: int, target: int, rng: np.random.Generator, *, start_tiles: int = 2):
        if size < 2:
            raise ValueError(f"size must be at least 2, got {size}")
        if target < 4 or target & (target - 1):
            raise ValueError(f"target must be a power of two of at least 4, got {target}")
        self.size = size
        self.target = target
        self.target_exponent = target.bit_length() - 1
        self.rng = rng
        self.lines = [line_slices(size, d) for d in range(4)]
        # Both fetch every row (column) of a board in one call: legality is checked after every move.
        self._rows = itemgetter(*(where for where, _ in self.lines[LEFT]))
        self._columns = itemgetter(*(where for where, _ in self.lines[UP]))
        self.board = bytes(size * size)
        self.points = 0
        self.moves = 0
        for _ in range(start_tiles):
            self._spawn()
        self._refresh()

    @classmethod
    def from_tiles(cls, tiles: list[list[int]], target: int, rng: np.random.Generator) -> Game2048World:
        """A world showing ``tiles`` (rows of tile values, 0 for empty): for tests and puzzles."""
        size = len(tiles)
        if any(len(row) != size for row in tiles):
            raise ValueError("tiles must be a square list of rows")
        world = cls(size, target, rng, start_tiles=0)
        exponents = []
        for value in (v for row in tiles for v in row):
            if value and (value < 2 or value & (value - 1)):
                raise ValueError(f"{value} is not a tile: tiles are powers of two from 2")
            exponents.append(value.bit_length() - 1 if value else 0)
        world.board = bytes(exponents)
        world._refresh()
        return world

    # -- rules ----------------------------------------------------------------------------------
    def after(self, direction: int) -> tuple[bytes, int]:
        """The board a move leads to, before the new tile, and the points it scores."""
        return slide_board(self.board, self.lines[direction])

    def move(self, direction: int) -> int:
        """Play a legal move: slide, then add a tile. Returns the points scored."""
        if direction not in self.legal:
            raise ValueError(f"moving {DIRECTIONS[direction]} does not change the board")
        self.board, points = self.after(direction)
        self.points += points
        self.moves += 1
        self._spawn()
        self._refresh()
        return points

    @property
    def won(self) -> bool:
        return self.max_exponent >= self.target_exponent

    @property
    def over(self) -> bool:
        """No move changes the board."""
        return not self.legal

    def tiles(self) -> list[list[int]]:
        """The board as rows of tile values (0 for empty)."""
        n = self.size
        return [[(1 << v) if v else 0 for v in self.board[y * n : (y + 1) * n]] for y in range(n)]

    def _refresh(self) -> None:
        board = self.board
        flags = _MOBILITY.__getitem__
        rows = reduce(or_, map(flags, self._rows(board)))
        cols = reduce(or_, map(flags, self._columns(board)))
        # in DIRECTIONS order: up, right, down, left
        self.legal: tuple[int, ...] = _LEGAL[
            (cols & TOWARDS_START) | (rows & TOWARDS_END) | (cols & TOWARDS_END) << 1 | (rows & TOWARDS_START) << 3
        ]
        self.max_exponent = max(board)

    def _spawn(self) -> None:
        board = self.board
        empty = [i for i, v in enumerate(board) if not v]
        if not empty:
            return
        cell = empty[int(self.rng.random() * len(empty))]
        exponent = 2 if self.rng.random() < FOUR_PROBABILITY else 1
        self.board = board[:cell] + bytes((exponent,)) + board[cell + 1 :]

    def state_bytes(self) -> bytes:
        return self.board


# legal-move bit mask (bit d set when direction d changes the board) -> the legal directions
_LEGAL = tuple(tuple(d for d in range(4) if mask >> d & 1) for mask in range(16))
