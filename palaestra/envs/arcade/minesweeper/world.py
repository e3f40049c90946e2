"""Minesweeper's world: the rules, with no text in them.

A ``width x height`` field hides ``mines`` mines. Revealing a safe cell shows how many of its (up to
eight) neighbours are mines; revealing a cell with no mine around it reveals its neighbours too,
spreading over the whole empty region. Revealing a mine loses the game. Flags mark cells the player
believes are mines: a flagged cell cannot be revealed until it is unflagged. The game is won when
every safe cell is revealed.

The mines are placed at the first reveal, away from the revealed cell and its neighbours, so the
first move never loses and always opens a region. They are drawn then, from the generator the world
was made with, as 2048 draws its new tiles: until that reveal every field is the same untouched
field, and its state (``state_bytes``) says so.

Cells are numbered ``y * width + x``; ``x`` grows to the right, ``y`` downwards. ``view`` holds what
a player sees of each cell as a code: 0-8 a revealed cell and its count, then the codes below.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

HIDDEN, FLAG, MINE, EXPLODED = 9, 10, 11, 12  # MINE and EXPLODED appear only once the game is lost
REVEAL, PLACE_FLAG, REMOVE_FLAG = range(3)
VERBS = ("reveal", "flag", "unflag")


@lru_cache(maxsize=16)
def neighbour_table(width: int, height: int) -> tuple[tuple[int, ...], ...]:
    """Each cell's neighbours (up to eight); shared by every field of one size."""
    return tuple(
        tuple(
            (y + dy) * width + x + dx
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if (dx or dy) and 0 <= x + dx < width and 0 <= y + dy < height
        )
        for y in range(height)
        for x in range(width)
    )


@lru_cache(maxsize=16)
def neighbour_lanes(width: int, height: int) -> tuple[int, ...]:
    """Each cell's neighbours as an int with one byte per cell, 1 in the neighbours' bytes.

    Adding the ints of the mines gives every cell's count of neighbouring mines in its byte at once.
    """
    return tuple(sum(1 << 8 * nb for nb in cells) for cells in neighbour_table(width, height))


class MinesweeperWorld:
    """The field and what the player sees of it."""

    def __init__(self, width: int, height: int, mines: int, rng: np.random.Generator):
        """``rng`` places the mines at the first reveal; nothing else is random."""
        if width < 3 or height < 3:
            raise ValueError(f"the field must be at least 3x3, got {width}x{height}")
        if not 1 <= mines <= width * height - 9:
            raise ValueError(
                f"mines must be between 1 and {width * height - 9} on a {width}x{height} field "
                f"(the first cell and its neighbours stay free), got {mines}"
            )
        self.width, self.height, self.mines = width, height, mines
        cells = width * height
        self.neighbours = neighbour_table(width, height)
        self._rng = rng
        self.is_mine = bytearray(cells)
        self.mine_cells: list[int] = []  # empty until the mines are placed
        self.counts = bytearray(cells)
        self.view = bytearray([HIDDEN]) * cells
        self.placed = False
        self.safe_cells = cells - mines
        self.revealed = 0
        self.flags = 0
        self.lost = False
        self.won = False  # every safe cell revealed

    @classmethod
    def from_picture(cls, picture: list[str], rng: np.random.Generator) -> MinesweeperWorld:
        """A field with its mines already placed where ``picture`` (rows of ``*`` mine, ``.`` safe) shows."""
        height, width = len(picture), len(picture[0]) if picture else 0
        if any(len(row) != width for row in picture) or set("".join(picture)) - set("*."):
            raise ValueError("picture must be equal-length rows of '*' (mine) and '.' (safe)")
        mines = "".join(picture).count("*")
        world = cls(width, height, mines, rng)
        world._lay_mines([c for c, mark in enumerate("".join(picture)) if mark == "*"])
        return world

    # -- geometry -------------------------------------------------------------------------------
    def cell(self, x: int, y: int) -> int:
        return y * self.width + x

    def xy(self, cell: int) -> tuple[int, int]:
        return cell % self.width, cell // self.width

    @property
    def untouched(self) -> bool:
        """Nothing revealed or flagged yet: every episode starts in this same visible state."""
        return self.revealed == 0 and self.flags == 0

    @property
    def over(self) -> bool:
        return self.lost or self.won

    # -- rules ----------------------------------------------------------------------------------
    def why_illegal(self, verb: int, cell: int) -> str | None:
        """Why ``verb`` on ``cell`` is not a legal move now, or None when it is."""
        if self.over:
            return "the game is over"
        code = self.view[cell]
        if verb == REVEAL:
            if code == FLAG:
                return "that cell is flagged; unflag it before revealing it"
            if code != HIDDEN:
                return "that cell is already revealed"
        elif verb == PLACE_FLAG:
            if code == FLAG:
                return "that cell is already flagged"
            if code != HIDDEN:
                return "that cell is revealed; only hidden cells can be flagged"
        elif code != FLAG:
            return "that cell has no flag to remove"
        return None

    def play(self, verb: int, cell: int) -> int:
        """Apply a legal move. Returns the number of safe cells it revealed (0 for flags and mines)."""
        if verb == PLACE_FLAG:
            self.view[cell] = FLAG
            self.flags += 1
            return 0
        if verb == REMOVE_FLAG:
            self.view[cell] = HIDDEN
            self.flags -= 1
            return 0
        if not self.placed:
            self._place_mines(cell)
        if self.is_mine[cell]:
            self._explode(cell)
            return 0
        return self._flood(cell)

    def _flood(self, start: int) -> int:
        view, counts, neighbours = self.view, self.counts, self.neighbours
        view[start] = counts[start]
        opened = 1
        stack = [start] if counts[start] == 0 else []
        while stack:
            for nb in neighbours[stack.pop()]:
                if view[nb] == HIDDEN:  # flagged cells stay flagged: the player chose them
                    view[nb] = counts[nb]
                    opened += 1
                    if counts[nb] == 0:
                        stack.append(nb)
        self.revealed += opened
        self.won = self.revealed == self.safe_cells
        return opened

    def _explode(self, cell: int) -> None:
        self.lost = True
        view = self.view
        for c in self.mine_cells:
            if view[c] == HIDDEN:
                view[c] = MINE
        view[cell] = EXPLODED

    def _place_mines(self, first: int) -> None:
        keep_free = {first, *self.neighbours[first]}
        # At most 9 cells are kept free, so the first mines + 9 cells of a random order hold enough mines.
        candidates = self._rng.permutation(len(self.view))[: self.mines + len(keep_free)].tolist()
        self._lay_mines([c for c in candidates if c not in keep_free][: self.mines])

    def _lay_mines(self, cells: list[int]) -> None:
        lanes = neighbour_lanes(self.width, self.height)
        total = 0
        for cell in cells:
            self.is_mine[cell] = 1
            total += lanes[cell]
        self.counts = bytearray(total.to_bytes(len(self.counts), "little"))
        self.mine_cells = cells
        self.placed = True

    def state_bytes(self) -> bytes:
        """The world state: what the player sees and the mines (none until the first reveal places them)."""
        return self.view + self.is_mine
