"""The language grid games share: the four moves with their aliases, and a board of cell codes as text."""

from __future__ import annotations

from palaestra.core import ActionError, normalize, quote

DIRECTIONS = ("up", "right", "down", "left")  # the index of a name is its direction
AXES = "Cells are (x, y): x grows to the right, y grows downwards; up is y - 1."
# How a game played with the four moves asks for them (the last line of its instructions).
ANSWER_WITH_A_MOVE = (
    "Each turn, answer with one move: up, down, left or right. You may think first; put the "
    "move in an action tag, for example: <action>left</action>"
)

# The four names and the aliases a person or a model reaches for, in direction order.
_ALIASES = (
    ("up", "u", "north", "↑"),
    ("right", "r", "east", "→"),
    ("down", "d", "south", "↓"),
    ("left", "l", "west", "←"),
)


def symbols_note(note: str, shown: bool) -> str:
    """`` (note)``, naming the text board's symbols for a thing, where the text shows the board;
    nothing where only an image shows it (a -Vision- text without ``text_board``)."""
    return f" ({note})" if shown else ""


def move_names(verbs: tuple[str, ...]) -> dict[str, int]:
    """Every accepted name of a move -> its direction index: each alias bare or after one of ``verbs``."""
    return {
        f"{verb}{name}": index
        for index, names in enumerate(_ALIASES)
        for name in names
        for verb in ("", *(f"{v} " for v in verbs))
    }


MOVES: dict[str, int] = move_names(("move", "go"))


def parse_move(text: str, moves: dict[str, int] = MOVES) -> int:
    """The direction index ``text`` names in ``moves`` (case, spacing and trailing punctuation ignored)."""
    move = moves.get(text)  # the usual reply, a listed name as it is, skips normalizing
    if move is None:
        move = moves.get(normalize(text).strip(" .!\"'`*"))
    if move is None:
        raise ActionError(f"{quote(text)} is not a move; answer with one of: up, down, left, right")
    return move


class GridText:
    """Draws a grid of one-byte cell codes (row-major) as text with column and row numbers.

    The text's fixed parts (numbers, spaces, line breaks) are laid out once in a buffer; a grid is
    drawn by translating its codes to symbols and copying each row's into place, one slice
    assignment per row.

    Args:
        width, height: the grid's size in cells.
        symbols: one character per cell code.
    """

    def __init__(self, width: int, height: int, symbols: dict[int, str]):
        self.width, self.height = width, height
        self._translate = bytes(ord(symbols.get(code, "?")) for code in range(256))
        label = len(str(height - 1))
        header = " " * (label + 2) + " ".join(str(x % 10) for x in range(width))
        rows = [f"{y:>{label}}  " + " ".join("?" * width) for y in range(height)]
        self._buffer = bytearray(header + "\n" + "\n".join(rows), "ascii")
        self._rows = []  # per row: (the places of its symbols in the text, its cells in the grid)
        start = len(header) + 1 + label + 2
        for y in range(height):
            self._rows.append((slice(start, start + 2 * width - 1, 2), slice(y * width, (y + 1) * width)))
            start += len(rows[0]) + 1
        # "(x, y)" of each cell, for the status lines that name cells
        self.coords = [f"({cell % width}, {cell // width})" for cell in range(width * height)]

    def board(self, grid: bytes | bytearray) -> str:
        symbols, text = grid.translate(self._translate), self._buffer
        for place, cells in self._rows:
            text[place] = symbols[cells]
        return text.decode("ascii")
