"""Offscreen drawing of grid games: cell codes become tiles in an RGB image.

``TilePainter`` keeps the last image and the codes it shows, and redraws only the cells whose code
changed, so a step costs a few tile copies rather than a whole frame. Tiles are drawn once per
painter with numpy (shapes) and Pillow (labels). ``image_side`` and ``board_in_text`` settle the two
options every arcade game that draws takes: the image's size and whether its text shows the board too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Color = tuple[int, int, int]
BACKGROUND: Color = (24, 26, 33)
GRID_LINE: Color = (40, 44, 54)


MAX_IMAGE_SIZE = 2048  # a 2048 x 2048 RGB image is 12 MiB; a much larger one per step exhausts memory


def image_side(image_size: int | None, minimum: int, default: int, what: str) -> int:
    """The side of a game's square images: ``image_size`` if given, else ``default`` grown to ``minimum``.

    ``minimum`` is the smallest side at which the game draws ``what`` legibly; ``image_size`` must lie
    from there to ``MAX_IMAGE_SIZE``, or a ``ValueError`` names the range.
    """
    if image_size is None:
        return max(default, minimum)
    integer = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not integer or not minimum <= image_size <= MAX_IMAGE_SIZE:
        raise ValueError(
            f"image_size must be an integer from {minimum} to {MAX_IMAGE_SIZE} to draw {what}, "
            f"got {image_size!r}"
        )
    return int(image_size)


def grid_image_side(
    image_size: int | None, rows: int, cols: int, min_cell: int, default: int, what: str
) -> int:
    """``image_side`` for a ``rows x cols`` grid (``what``) whose tiles need ``min_cell`` pixels."""
    return image_side(image_size, min_cell * max(rows, cols), default, f"{what} of {cols}x{rows} cells")


def board_in_text(text_board: bool | None, vision: bool) -> bool:
    """Whether the observation text shows the board: by default only where no image shows it.

    ``text_board=True`` puts the board in a ``-Vision-`` text too; ``False`` is refused without an
    image, where the text is all the agent sees.
    """
    if text_board is None:
        return not vision
    if not text_board and not vision:
        raise ValueError("text_board=False needs vision=True: without an image the text must show the board")
    return bool(text_board)


class TilePainter:
    """Draws a ``rows x cols`` grid of codes, one tile per code, centred in an ``(height, width)`` image.

    Args:
        tiles: ``(K, cell, cell, 3)`` uint8 array; code ``k`` is drawn as ``tiles[k]``.
    """

    def __init__(self, rows: int, cols: int, tiles: np.ndarray, image_shape: tuple[int, int]):
        self.rows, self.cols = rows, cols
        self.tiles = tiles
        self.cell = tiles.shape[1]
        height, width = image_shape
        if self.cell * rows > height or self.cell * cols > width:
            raise ValueError(f"{rows}x{cols} tiles of {self.cell}px do not fit in {height}x{width}")
        self.top = (height - self.cell * rows) // 2
        self.left = (width - self.cell * cols) // 2
        self.image = np.empty((height, width, 3), np.uint8)
        self.image[:] = BACKGROUND
        self._shown = np.full(rows * cols, -1, np.int16)

    @staticmethod
    def cell_size(rows: int, cols: int, image_shape: tuple[int, int]) -> int:
        """The largest tile size that fits the grid in the image."""
        return min(image_shape[0] // rows, image_shape[1] // cols)

    def draw(self, codes: bytes | bytearray | np.ndarray) -> np.ndarray:
        """Update the image to show ``codes`` (row-major, one per cell) and return it (not a copy)."""
        codes = np.frombuffer(codes, np.uint8) if isinstance(codes, (bytes, bytearray)) else codes.ravel()
        changed = np.flatnonzero(codes != self._shown)
        c = self.cell
        for index in changed.tolist():
            y = self.top + (index // self.cols) * c
            x = self.left + (index % self.cols) * c
            self.image[y : y + c, x : x + c] = self.tiles[codes[index]]
        self._shown[changed] = codes[changed]
        return self.image


# -- tiles ------------------------------------------------------------------------------------------
def blank(cell: int, color: Color = BACKGROUND) -> np.ndarray:
    """A tile of one color with a one-pixel grid line on its right and bottom edges."""
    tile = np.empty((cell, cell, 3), np.uint8)
    tile[:] = color
    tile[-1, :] = GRID_LINE
    tile[:, -1] = GRID_LINE
    return tile


def square(cell: int, color: Color, inset: float = 0.08, base: np.ndarray | None = None) -> np.ndarray:
    """A filled square, ``inset`` of the cell away from each edge."""
    tile = blank(cell) if base is None else base.copy()
    m = max(1, round(cell * inset))
    tile[m : cell - m, m : cell - m] = color
    return tile


def disc(
    cell: int,
    color: Color,
    radius: float = 0.35,
    base: np.ndarray | None = None,
    center: tuple[float, float] = (0.5, 0.5),
) -> np.ndarray:
    """A filled disc of ``radius`` (a fraction of the cell) at ``center`` (fractions of the cell)."""
    tile = blank(cell) if base is None else base.copy()
    yy, xx = np.mgrid[0:cell, 0:cell] + 0.5
    inside = (yy - center[1] * cell) ** 2 + (xx - center[0] * cell) ** 2 <= (radius * cell) ** 2
    tile[inside] = color
    return tile


def label(cell: int, text: str, color: Color, base: np.ndarray | None = None) -> np.ndarray:
    """``text`` centred on the tile, in Pillow's built-in font scaled to the cell."""
    tile = blank(cell) if base is None else base.copy()
    image = Image.fromarray(tile)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(8, int(cell * (0.6 if len(text) < 3 else 0.4))))
    box = draw.textbbox((0, 0), text, font=font)
    x = (cell - (box[2] - box[0])) / 2 - box[0]
    y = (cell - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), text, fill=color, font=font)
    return np.asarray(image)


def fitted_label(
    cell: int, text: str, color: Color, base: np.ndarray | None = None, fill: float = 0.85
) -> np.ndarray:
    """Like :func:`label`, in the largest font (at most 0.6 of the cell) whose text spans ``fill`` of it."""
    tile = blank(cell) if base is None else base.copy()
    image = Image.fromarray(tile)
    draw = ImageDraw.Draw(image)
    size = max(8, int(cell * 0.6))
    while True:
        font = ImageFont.load_default(size=size)
        box = draw.textbbox((0, 0), text, font=font)
        if size <= 6 or max(box[2] - box[0], box[3] - box[1]) <= fill * cell:
            break
        size -= 1
    x = (cell - (box[2] - box[0])) / 2 - box[0]
    y = (cell - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), text, fill=color, font=font)
    return np.asarray(image)


def stack(tiles: Sequence[np.ndarray]) -> np.ndarray:
    return np.stack(tiles).astype(np.uint8)
