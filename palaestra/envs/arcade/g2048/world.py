"""2048's world: the rules, with no text in them.

An N x N board holds tiles whose values are powers of two. A move slides every tile as far as it goes
in one direction; two tiles of the same value that meet merge into one tile of twice the value, and a
tile made by a merge does not merge again in the same move (``2 2 2 2`` slides left to ``4 4 . .``).
A move that changes nothing is not a legal move. After each move a new tile appears on a random empty
cell: a 2 with probability 0.9, else a 4. The game is over when no move changes the board.

Tiles are stored as exponents (0 empty, ``k`` the tile ``2**k``) in a ``bytes`` board of
``size * size`` cells, row-major: cell ``y * size + x``, ``x`` to the right, ``y`` downwards.
A row or column is a ``bytes`` line of exponents too; what a slide does to a line, the points it
scores and the moves that change it are worked out once per line and kept in tables keyed by the
line, so a move is a few table lookups (done in C by ``map``) and the legal moves a lookup per line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import compress
from operator import itemgetter

import numpy as np

UP, RIGHT, DOWN, LEFT = range(4)
DIRECTIONS = ("up", "right", "down", "left")
FOUR_PROBABILITY = 0.1


def slide_line(line: bytes) -> tuple[bytes, int]:
    """Slide and merge one line towards its start; returns (new line, points = sum of merged tiles)."""
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
    return bytes(out) + bytes(len(line) - len(out)), points


class _Slides(dict):
    """line -> the line slid towards its start, or its end, worked out once per line."""

    def __init__(self, towards_end: bool):
        super().__init__()
        self.towards_end = towards_end

    def __missing__(self, line: bytes) -> bytes:
        if self.towards_end:
            slid = slide_line(line[::-1])[0][::-1]
        else:
            slid = slide_line(line)[0]
        self[line] = slid
        return slid


class _Points(dict):
    """line -> the points a slide of the line scores, worked out once per line.

    Both ways score the same: each run of equal tiles (empty cells aside) makes as many merges
    whichever end it is slid towards.
    """

    def __missing__(self, line: bytes) -> int:
        points = self[line] = slide_line(line)[1]
        return points


_SLIDES = (_Slides(towards_end=False), _Slides(towards_end=True))
_POINTS = _Points()


# line -> bit mask of the moves that change it (bit ``d`` for direction ``d``), as a row and as a
# column: a row changes when its tiles slide left (towards its start) or right (towards its end), a
# column when they slide up or down. Plain dicts, the fastest to look up: _learn_lines fills them.
_ROW_MOVES: dict[bytes, int] = {}
_COLUMN_MOVES: dict[bytes, int] = {}


def _learn_lines(lines: tuple[bytes, ...]) -> None:
    """Work out the moves that change each of ``lines`` not yet known, as a row and as a column."""
    for line in lines:
        if line in _ROW_MOVES:  # known (as a row and as a column: both are learnt together)
            continue
        start, end = _SLIDES[False][line] != line, _SLIDES[True][line] != line
        _ROW_MOVES[line] = start << LEFT | end << RIGHT
        _COLUMN_MOVES[line] = start << UP | end << DOWN


@lru_cache(maxsize=8)
def row_lines(size: int) -> itemgetter:
    """``row_lines(size)(board)``: the rows of a board of ``size``, in one call."""
    return itemgetter(*(slice(k * size, (k + 1) * size) for k in range(size)))


@lru_cache(maxsize=8)
def column_lines(size: int) -> itemgetter:
    """``column_lines(size)(board)``: the columns of a board of ``size``, in one call. Applied to
    the columns joined, it gives the rows back (the joined columns are the board's transpose)."""
    return itemgetter(*(slice(k, None, size) for k in range(size)))


BoardMove = Callable[[bytes], tuple[bytes, int]]


def board_move(size: int, direction: int) -> BoardMove:
    """One direction's move on boards of one size: ``move(board)`` is (the slid board, the points).

    The lines of the move (rows, or columns) are read in one call and slid by table lookups, all
    in C (``map`` over the tables); joined columns are put back in row order by one more call.
    A plain function: calling it costs less than calling an object's ``__call__``.
    """
    slide, points = _SLIDES[direction in (RIGHT, DOWN)].__getitem__, _POINTS.__getitem__
    join = b"".join
    if direction in (LEFT, RIGHT):
        rows = row_lines(size)

        def move(board: bytes) -> tuple[bytes, int]:
            lines = rows(board)
            return join(map(slide, lines)), sum(map(points, lines))

    else:
        columns = column_lines(size)

        def move(board: bytes) -> tuple[bytes, int]:
            lines = columns(board)
            return join(columns(join(map(slide, lines)))), sum(map(points, lines))

    return move


@lru_cache(maxsize=8)
def board_moves(size: int) -> tuple[BoardMove, ...]:
    """The four moves on boards of ``size``, by direction; shared by every world of that size."""
    return tuple(board_move(size, d) for d in range(4))


class Game2048World:
    """The board, the points scored and the legal moves. ``rng`` is the env's ``np_random``.

    ``legal`` lists the directions that change the board, in the order of ``DIRECTIONS``; it is
    recomputed after every move from per-line tables, so legality checks cost nothing. ``rows``
    holds the board's rows (``bytes`` of exponents), read for that and kept for the views.
    """

    legal: tuple[int, ...]
    rows: tuple[bytes, ...]

    def __init__(self, size: int, target: int, rng: np.random.Generator, *, start_tiles: int = 2):
        if size < 2:
            raise ValueError(f"size must be at least 2, got {size}")
        if target < 4 or target & (target - 1):
            raise ValueError(f"target must be a power of two of at least 4, got {target}")
        self.size = size
        self.target = target
        self.target_exponent = target.bit_length() - 1
        self.rng = rng
        self._uniforms: list[float] = []  # drawn from rng in batches, taken from the end
        self.board_moves = board_moves(size)
        # Both fetch every row (column) of a board in one call: legality is checked after every move.
        self._rows = row_lines(size)
        self._columns = column_lines(size)
        self.board = bytes(size * size)
        self.points = 0
        self.moves = 0
        for _ in range(start_tiles):
            self.board = self._with_new_tile(self.board)
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
        return self.board_moves[direction](self.board)

    def move(self, direction: int) -> int:
        """Play a legal move: slide, then add a tile. Returns the points scored."""
        if direction not in self.legal:
            raise ValueError(f"moving {DIRECTIONS[direction]} does not change the board")
        board, points = self.board_moves[direction](self.board)  # self.after(direction), one call less
        self.board = self._with_new_tile(board)
        self.points += points
        self.moves += 1
        self._refresh()
        return points

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
        rows = self.rows = self._rows(board)  # read once here, for legality and the views
        columns = self._columns(board)
        mask = 0
        try:
            for line in rows:
                mask |= _ROW_MOVES[line]
            for line in columns:
                mask |= _COLUMN_MOVES[line]
        except KeyError:  # a line not seen before: work its moves out, then look again
            _learn_lines(rows + columns)
            self._refresh()
            return
        self.legal = _LEGAL[mask]
        largest = self.max_exponent = max(board)
        self.won = largest >= self.target_exponent

    def _with_new_tile(self, board: bytes) -> bytes:
        """``board`` with a new tile on a random empty cell (as it is if it has none)."""
        empty = _EMPTY_CELLS[board.translate(_IS_EMPTY)]
        if not empty:
            return board
        uniforms = self._uniforms
        cell = empty[int((uniforms.pop() if uniforms else self._uniform()) * len(empty))]
        four = (uniforms.pop() if uniforms else self._uniform()) < FOUR_PROBABILITY
        return board[:cell] + (_FOUR if four else _TWO) + board[cell + 1 :]

    def _uniform(self) -> float:
        """A uniform float in [0, 1), from a new batch: one numpy call per draw would cost more than
        the rest of a move. ``_with_new_tile`` takes the batch's floats from the end while it lasts."""
        self._uniforms.extend(self.rng.random(_UNIFORM_BATCH).tolist())  # in place: _with_new_tile holds it
        return self._uniforms.pop()

    def state_bytes(self) -> bytes:
        return self.board


_IS_EMPTY = bytes([1]) + bytes(255)  # translates a board to 1 on each empty cell, 0 elsewhere


class _EmptyCells(dict):
    """A board's empty-cell pattern (``board.translate(_IS_EMPTY)``) -> the indexes of its empty
    cells, worked out once per pattern (at most ``_MAX_PATTERNS`` kept)."""

    def __missing__(self, pattern: bytes) -> tuple[int, ...]:
        if len(self) >= _MAX_PATTERNS:
            self.clear()
        cells = self[pattern] = tuple(compress(range(len(pattern)), pattern))
        return cells


_MAX_PATTERNS = 1 << 16  # every pattern of a 4x4 board
_EMPTY_CELLS = _EmptyCells()
_TWO, _FOUR = bytes((1,)), bytes((2,))  # the exponents of the tiles that spawn
_UNIFORM_BATCH = 64

# legal-move bit mask (bit d set when direction d changes the board) -> the legal directions
_LEGAL = tuple(tuple(d for d in range(4) if mask >> d & 1) for mask in range(16))
