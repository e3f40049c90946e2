"""A 2048 expert that reads the world: expectimax over the next tile with a board heuristic.

For each legal move the expert averages a heuristic value over every tile that can appear next (each
empty cell, a 2 with probability 0.9 or a 4) of the best move after that tile and the tile after it
(two moves and two tiles deep), and plays the move with the best average.

The heuristic scores each row and column and adds them up. It rewards empty cells and adjacent equal
tiles (merges to come) and penalises lines that are not monotonic and large tiles in general; these
are the features and weights used by the strong public 2048 expectimax players (nneonneo's).
"""

from __future__ import annotations

from palaestra.envs.arcade.g2048.world import FOUR_PROBABILITY, Game2048World

_EMPTY_WEIGHT = 270.0
_MERGE_WEIGHT = 700.0
_MONOTONICITY_WEIGHT = 47.0
_MONOTONICITY_POWER = 4.0
_SUM_WEIGHT = 11.0
_SUM_POWER = 3.5
_DEAD_VALUE = -1e9  # a board with no legal move: the game is lost
_SEARCH_DEPTH = 1  # moves searched after the first move's tile: 1 reaches 4096 in most games

_LINE_VALUES: dict[bytes, float] = {}


def line_value(line: bytes) -> float:
    """The heuristic value of one row or column (exponents)."""
    cached = _LINE_VALUES.get(line)
    if cached is not None:
        return cached
    empty = line.count(0)
    merges = 0
    previous = 0
    for v in line:
        if v:
            merges += v == previous
            previous = v
    left = right = 0.0
    for a, b in zip(line, line[1:]):
        pa, pb = a**_MONOTONICITY_POWER, b**_MONOTONICITY_POWER
        if a > b:
            left += pa - pb
        else:
            right += pb - pa
    total = sum(v**_SUM_POWER for v in line)
    value = (
        _EMPTY_WEIGHT * empty
        + _MERGE_WEIGHT * merges
        - _MONOTONICITY_WEIGHT * min(left, right)
        - _SUM_WEIGHT * total
    )
    _LINE_VALUES[line] = value
    return value


def board_value(board: bytes, size: int) -> float:
    return sum(line_value(board[k * size : (k + 1) * size]) + line_value(board[k::size]) for k in range(size))


def _chance_value(board: bytes, world: Game2048World, depth: int) -> float:
    """Expected value over the new tile; ``depth`` more moves are searched after it."""
    n = world.size
    empty = [i for i, v in enumerate(board) if not v]
    if not empty:
        return board_value(board, n)
    if depth == 0:
        # Only the new tile's row and column change: adjust the board's value instead of recomputing.
        rows = [line_value(board[k * n : (k + 1) * n]) for k in range(n)]
        cols = [line_value(board[k::n]) for k in range(n)]
        base = sum(rows) + sum(cols)
        expected = 0.0
        for cell in empty:
            y, x = divmod(cell, n)
            row, col = board[y * n : (y + 1) * n], board[x::n]
            rest = base - rows[y] - cols[x]
            for exponent, p in ((1, 1.0 - FOUR_PROBABILITY), (2, FOUR_PROBABILITY)):
                new_row = row[:x] + bytes((exponent,)) + row[x + 1 :]
                new_col = col[:y] + bytes((exponent,)) + col[y + 1 :]
                expected += p * (rest + line_value(new_row) + line_value(new_col))
        return expected / len(empty)
    expected = 0.0
    for cell in empty:
        for exponent, p in ((1, 1.0 - FOUR_PROBABILITY), (2, FOUR_PROBABILITY)):
            placed = board[:cell] + bytes((exponent,)) + board[cell + 1 :]
            expected += p * _max_value(placed, world, depth - 1)
    return expected / len(empty)


def _max_value(board: bytes, world: Game2048World, depth: int) -> float:
    best = _DEAD_VALUE
    for move in world.board_moves:
        after, _ = move(board)
        if after != board:
            best = max(best, _chance_value(after, world, depth))
    return best


def expert_move(world: Game2048World) -> int:
    """The direction the expert plays; the world must have a legal move."""
    best_direction, best_value = -1, float("-inf")
    for direction in world.legal:
        after, _ = world.after(direction)
        value = _chance_value(after, world, _SEARCH_DEPTH)
        if value > best_value:
            best_direction, best_value = direction, value
    if best_direction < 0:
        raise ValueError("the game is over: no move changes the board")
    return best_direction
