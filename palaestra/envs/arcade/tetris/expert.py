"""A Tetris expert that reads the world: the placement with the best El-Tetris evaluation.

For every rotation and column of the current piece the expert drops the piece on a copy of the well,
clears full rows, and scores the result with Pierre Dellacherie's features as weighted by El-Tetris
(Islam El-Ashi's tuned weights): the landing height, the piece cells removed by the rows it clears,
row and column transitions, holes, and well depths. It plays the placement with the highest score.
"""

from __future__ import annotations

from palaestra.envs.arcade.tetris.world import ROTATIONS, Shape, TetrisWorld, column_tops, landing_row

_LANDING_HEIGHT = -4.500158825082766
_ERODED_CELLS = 3.4181268101392694
_ROW_TRANSITIONS = -3.2178882868487753
_COLUMN_TRANSITIONS = -9.348695305445199
_HOLES = -7.899265427351652
_WELLS = -3.3855972247263626


def expert_move(world: TetrisWorld) -> tuple[int, int]:
    """``(rotation, column)`` of the best placement of the current piece."""
    kind = world.piece
    tops = column_tops(world.rows, world.width)
    best, best_value = (0, 0), float("-inf")
    for rotation, shape in enumerate(ROTATIONS[kind]):
        for column in range(world.width - shape.width + 1):
            top = landing_row(shape, column, tops)
            if top < 0:
                continue  # tops out: only chosen (as the default) when every placement does
            value = _evaluate(world, shape, column, top)
            if value > best_value:
                best, best_value = (rotation, column), value
    return best


def _evaluate(world: TetrisWorld, shape: Shape, column: int, top: int) -> float:
    """The El-Tetris value of the well after ``shape`` lands with its top row at ``top``."""
    width, height, full = world.width, world.height, world.full
    rows = list(world.rows)
    for dy, mask in enumerate(shape.row_masks):
        rows[top + dy] |= mask << column
    cleared = [y for y in range(top, top + shape.height) if rows[y] == full]
    eroded = len(cleared) * sum(1 for _, dy in shape.cells if top + dy in cleared)
    if cleared:
        rows = [0] * len(cleared) + [r for r in rows if r != full]
    landing_height = height - top - (shape.height - 1) / 2

    first = next((y for y, row in enumerate(rows) if row), height)
    row_transitions = 2 * first  # an empty row has one transition at each wall
    column_transitions = 0
    holes = 0
    wells = 0
    walls = 1 | (1 << (width + 1))  # the row framed by filled walls, columns shifted up by one
    inside = (1 << (width + 1)) - 1
    covered = 0  # columns with a filled cell above the current row
    above = 0
    chain: list[int] = []  # chain[k]: columns in a well at least k + 1 deep ending at this row
    for row in rows[first:]:
        framed = (row << 1) | walls
        row_transitions += ((framed ^ (framed >> 1)) & inside).bit_count()
        column_transitions += (row ^ above).bit_count()
        holes += (covered & ~row).bit_count()
        covered |= row
        above = row
        # A well cell is empty with filled cells (or walls) on both sides.
        well_cells = ~row & framed & (framed >> 2) & full
        if well_cells:
            chain = [well_cells] + [c & well_cells for c in chain]
            while not chain[-1]:
                chain.pop()
            wells += sum(c.bit_count() for c in chain)
        else:
            chain = []
    column_transitions += (above ^ full).bit_count()  # the floor counts as filled
    return (
        _LANDING_HEIGHT * landing_height
        + _ERODED_CELLS * eroded
        + _ROW_TRANSITIONS * row_transitions
        + _COLUMN_TRANSITIONS * column_transitions
        + _HOLES * holes
        + _WELLS * wells
    )
