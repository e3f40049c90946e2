"""Snake's world: the rules, with no text in them.

An N x N board holds the agent's snake, optionally an opponent snake, and apples. Both snakes move at
once, one cell a turn. A snake dies when its head leaves the board, enters a cell that any snake
occupies at the start of the turn (its own tail tip excepted, which moves away), or meets the other
head in the same cell. Eating an apple grows the snake by one and a new apple appears on a free cell.
These rules make a move's deadliness depend only on the board, so "deadly" is exact.

Cells are numbered ``y * size + x``; ``x`` grows to the right, ``y`` downwards. A snake is an
``array("H")`` of its cells from head to tail: its bytes go into the state as they are.
"""

from __future__ import annotations

import functools
from array import array

import numpy as np

UP, RIGHT, DOWN, LEFT = range(4)
_DX = (0, 1, 0, -1)
_DY = (-1, 0, 1, 0)

# Cell codes of ``SnakeWorld.grid``.
EMPTY, APPLE, HEAD, BODY, OTHER_HEAD, OTHER_BODY = range(6)
OPPONENTS = ("none", "random", "greedy")
START_LENGTH = 3
MIN_SIZE = 5
# The text of a 50x50 board is about 5,600 characters, well inside ``TextEnv.max_observation_length``
# (16,384); from about 90 it would no longer fit.
MAX_SIZE = 50


def check_settings(size: int, num_apples: int, opponent: str, target_apples: int) -> None:
    """Raise ``ValueError`` unless these are settings Snake plays with.

    The board side runs from ``MIN_SIZE`` to ``MAX_SIZE``, and at most ``size`` apples lie on it at
    once (each is listed in the status line, so both bounds keep the text inside the observation).
    """
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE}, got {size}")
    if size > MAX_SIZE:
        raise ValueError(
            f"size must be at most {MAX_SIZE} (a larger board's text outgrows the observation), got {size}"
        )
    if not 1 <= num_apples <= size:
        raise ValueError(f"num_apples must be from 1 to the board size ({size}), got {num_apples}")
    if target_apples < 1:
        raise ValueError(f"target_apples must be at least 1, got {target_apples}")
    if opponent not in OPPONENTS:
        raise ValueError(f"opponent must be one of {OPPONENTS}, got {opponent!r}")


@functools.cache
def _neighbour_table(size: int) -> tuple[tuple[int | None, ...], ...]:
    """For each cell, its neighbour in each direction (None off the board); built once per size."""
    table = []
    for cell in range(size * size):
        x, y = cell % size, cell // size
        table.append(
            tuple(
                (y + _DY[d]) * size + x + _DX[d]
                if 0 <= x + _DX[d] < size and 0 <= y + _DY[d] < size
                else None
                for d in range(4)
            )
        )
    return tuple(table)


@functools.cache
def _exit_table(size: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each cell, its neighbours on the board as (direction, cell), in direction order."""
    return tuple(
        tuple((d, cell) for d, cell in enumerate(row) if cell is not None) for row in _neighbour_table(size)
    )


@functools.cache
def _placements(size: int) -> tuple[tuple[tuple[int, ...] | None, ...], ...]:
    """By heading, then by head cell: a straight snake of START_LENGTH with its head on that cell,
    heading that way, as its cells from head to tail and then the cell ahead of its head; None
    where these do not all lie on the board. Built once per size."""
    neighbours = _neighbour_table(size)
    table = []
    for heading in range(4):
        back = (heading + 2) % 4
        row = []
        for head in range(size * size):
            cells = [head]
            while len(cells) < START_LENGTH and cells[-1] is not None:
                cells.append(neighbours[cells[-1]][back])
            cells.append(neighbours[head][heading])
            row.append(tuple(cells) if None not in cells else None)
        table.append(tuple(row))
    return tuple(table)


class _Distances(dict):
    """cell -> the Manhattan distance from it to every cell of the board (bytes), worked out on first use."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __missing__(self, cell: int) -> bytes:
        size = self.size
        x, y = cell % size, cell // size
        row = self[cell] = bytes(abs(x - c % size) + abs(y - c // size) for c in range(size * size))
        return row


@functools.cache
def _distance_table(size: int) -> _Distances:
    """The distances between cells of a board of ``size`` (at most 98 at the largest size, so a byte each)."""
    return _Distances(size)


class SnakeWorld:
    """The board and both snakes. ``rng`` is the env's ``np_random``; nothing else draws randomness."""

    def __init__(
        self, size: int, num_apples: int, opponent: str, target_apples: int, rng: np.random.Generator
    ):
        check_settings(size, num_apples, opponent, target_apples)
        self.size = size
        self.opponent = opponent
        self.target_apples = target_apples
        self.rng = rng
        self.neighbours = _neighbour_table(size)
        self.exits = _exit_table(size)
        self.distances = _distance_table(size)
        self.grid = bytearray(size * size)
        self.snake = array("H")
        self.other = array("H")
        self.apples: list[int] = []
        self.heading = UP
        self.other_heading = UP
        self.alive = True
        self.apples_eaten = 0
        self._place_snake(self.snake, HEAD, BODY, is_agent=True)
        if opponent != "none":
            self._place_snake(self.other, OTHER_HEAD, OTHER_BODY, is_agent=False)
        for _ in range(num_apples):
            self._spawn_apple()

    @classmethod
    def arranged(
        cls,
        size: int,
        snake: list[tuple[int, int]],
        apples: list[tuple[int, int]],
        other: list[tuple[int, int]] = (),
        opponent: str = "none",
        target_apples: int = 10,
        rng: np.random.Generator | None = None,
    ) -> SnakeWorld:
        """A world laid out by hand: snakes as (x, y) cells from head to tail, apples as (x, y)."""
        world = cls.__new__(cls)
        world.size, world.opponent, world.target_apples = size, opponent, target_apples
        world.rng = rng if rng is not None else np.random.default_rng(0)
        world.neighbours = _neighbour_table(size)
        world.exits = _exit_table(size)
        world.distances = _distance_table(size)
        world.grid = bytearray(size * size)
        world.snake = array("H", [y * size + x for x, y in snake])
        world.other = array("H", [y * size + x for x, y in other])
        world.apples = [y * size + x for x, y in apples]
        world.alive, world.apples_eaten = True, 0
        for body, head_code, body_code in ((world.snake, HEAD, BODY), (world.other, OTHER_HEAD, OTHER_BODY)):
            for i, cell in enumerate(body):
                world.grid[cell] = head_code if i == 0 else body_code
        for cell in world.apples:
            world.grid[cell] = APPLE
        world.heading = _heading(world, world.snake)
        world.other_heading = _heading(world, world.other) if world.other else UP
        return world

    def copy(self) -> SnakeWorld:
        """An independent copy with its own generator, for looking ahead without touching the env's."""
        twin = SnakeWorld.__new__(SnakeWorld)
        twin.__dict__.update(self.__dict__)
        twin.grid = bytearray(self.grid)
        twin.snake, twin.other, twin.apples = self.snake[:], self.other[:], list(self.apples)
        twin.rng = np.random.default_rng(0)
        return twin

    # -- geometry -------------------------------------------------------------------------------
    def neighbour(self, cell: int, direction: int) -> int | None:
        """The cell next to ``cell`` in ``direction``, or None off the board."""
        return self.neighbours[cell][direction]

    def xy(self, cell: int) -> tuple[int, int]:
        return cell % self.size, cell // self.size

    # -- rules ----------------------------------------------------------------------------------
    def is_deadly(self, direction: int, *, for_agent: bool = True) -> bool:
        """Whether moving the snake in ``direction`` kills it, whatever the other snake does."""
        body = self.snake if for_agent else self.other
        target = self.neighbours[body[0]][direction]
        return target is None or (self.grid[target] >= HEAD and target != body[-1])

    def deadly_moves(self, *, for_agent: bool = True) -> list[int]:
        return [d for d in range(4) if self.is_deadly(d, for_agent=for_agent)]

    def step(self, direction: int) -> tuple[int, bool]:
        """Move both snakes; the agent's way is ``direction``. Returns (apples the agent ate, agent died)."""
        grid, neighbours, snake, other = self.grid, self.neighbours, self.snake, self.other
        # A move is deadly off the board or into a snake, but for the mover's own tail tip (see is_deadly).
        agent_target = neighbours[snake[0]][direction]
        agent_dies = agent_target is None or (grid[agent_target] >= HEAD and agent_target != snake[-1])
        if other:
            other_dir = self._opponent_move()
            other_target = neighbours[other[0]][other_dir]
            other_dies = other_target is None or (grid[other_target] >= HEAD and other_target != other[-1])
            if agent_target is not None and agent_target == other_target:
                agent_dies = other_dies = True

        eaten = 0
        if agent_dies:
            self.alive = False
        else:
            eaten = self._advance(snake, agent_target, HEAD, BODY)
            self.heading = direction
            self.apples_eaten += eaten
        if other:
            if other_dies:
                for cell in other:
                    grid[cell] = EMPTY
                del other[:]
            else:
                self._advance(other, other_target, OTHER_HEAD, OTHER_BODY)
                self.other_heading = other_dir
        return eaten, agent_dies

    def _advance(self, body: array, target: int, head_code: int, body_code: int) -> int:
        grid = self.grid
        ate = grid[target] == APPLE
        if ate:
            self.apples.remove(target)
        else:
            grid[body.pop()] = EMPTY
        grid[body[0]] = body_code
        body.insert(0, target)  # a snake is a few cells: a short move of memory
        grid[target] = head_code
        if ate:
            self._spawn_apple()
        return int(ate)

    # -- the opponent's policies ----------------------------------------------------------------
    def _opponent_move(self) -> int:
        if self.opponent == "random":
            safe = self._safe_moves_of_other()
            return safe[self._randint(len(safe))] if safe else self.other_heading
        return self.greedy_move()

    def _safe_moves_of_other(self) -> list[int]:
        """The opponent's moves that are not deadly (as ``is_deadly(d, for_agent=False)``), in order."""
        grid, other = self.grid, self.other
        tail = other[-1]
        return [d for d, target in self.exits[other[0]] if grid[target] < HEAD or target == tail]

    def greedy_move(self) -> int:
        """The greedy opponent's move: the safe move that brings its head closest to an apple (ties,
        or no apple: the first safe one in DIRECTIONS; no safe move: straight on). Deterministic, so an
        expert can predict it."""
        grid, other, apples, distances = self.grid, self.other, self.apples, self.distances
        tail = other[-1]
        best, best_distance = self.other_heading, 2 * MAX_SIZE  # farther than any two cells
        for d, target in self.exits[other[0]]:  # safety and distance in one pass, no list of safe moves
            if grid[target] < HEAD or target == tail:
                distance = min(map(distances[target].__getitem__, apples)) if apples else 0
                if distance < best_distance:
                    best, best_distance = d, distance
        return best

    # -- set-up ---------------------------------------------------------------------------------
    def _place_snake(self, body: array, head_code: int, body_code: int, *, is_agent: bool) -> None:
        """A straight snake of START_LENGTH on free cells, heading away from its body, with a free
        cell ahead: a random heading and head cell, drawn again until they fit."""
        grid, placements, random = self.grid, _placements(self.size), self.rng.random
        cell_count = len(grid)
        while True:  # the draws of _randint, inlined: half a reset's time goes to drawing and placing
            heading = int(random() * 4)
            cells = placements[heading][int(random() * cell_count)]
            if cells is not None and not any(map(grid.__getitem__, cells)):  # all EMPTY (0)
                break
        cells = cells[:START_LENGTH]  # the cell ahead stays free
        body.extend(cells)
        self.grid[cells[0]] = head_code
        for c in cells[1:]:
            self.grid[c] = body_code
        if is_agent:
            self.heading = heading
        else:
            self.other_heading = heading

    def _randint(self, n: int) -> int:
        """A uniform integer in [0, n) from the env's generator."""
        return int(self.rng.random() * n)

    def _spawn_apple(self) -> None:
        """An apple on a uniformly chosen free cell (by rejection while the board is mostly free)."""
        grid, random = self.grid, self.rng.random
        cells = len(grid)
        for _ in range(16):
            cell = int(random() * cells)  # self._randint(cells), one call less
            if grid[cell] == EMPTY:
                break
        else:
            free = [i for i, code in enumerate(self.grid) if code == EMPTY]
            if not free:
                return
            cell = free[self._randint(len(free))]
        self.apples.append(cell)
        self.grid[cell] = APPLE

    def state_bytes(self) -> bytes:
        """Canonical bytes of everything that decides the future: board, body orders, headings, count."""
        return b"|".join(  # join takes the grid and the snakes' arrays as they are, with no copies
            (
                self.grid,
                self.snake,
                self.other,
                bytes((self.heading, self.other_heading, self.alive, self.apples_eaten % 256)),
            )
        )


def _heading(world: SnakeWorld, body: array) -> int:
    """The direction from a snake's neck to its head."""
    for direction in range(4):
        if world.neighbour(body[1], direction) == body[0]:
            return direction
    raise ValueError("a snake's head must be next to its neck")
