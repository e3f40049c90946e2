"""Sokoban's world: the rules and the level generator, with no text in them.

A ``size x size`` board of walls and floor holds goals, as many boxes as goals, and the player. The
player moves one cell up, right, down or left; walking into a box pushes it one cell further, which
is only possible when that cell is free floor (no wall, no second box). Boxes are never pulled. The
level is solved when every box is on a goal.

Levels are made by reverse play, so every one is solvable: carve a room at random, put the boxes on
goals, and *pull* them away, the player stepping backwards; every pull reversed is a legal push, so
the pulls reversed solve the level. The pulls are searched breadth-first, and the level is a state of
the deepest layer reached (the most pushes from solved) with no box left on a goal.

Cells are numbered ``y * size + x``; ``x`` grows to the right, ``y`` downwards.
"""

from __future__ import annotations

import copy
from collections import deque

import numpy as np

UP, RIGHT, DOWN, LEFT = range(4)
_DX = (0, 1, 0, -1)
_DY = (-1, 0, 1, 0)

# Cell codes of ``SokobanWorld.grid``: what is on each cell, as drawn.
FLOOR, WALL, GOAL, BOX, BOX_ON_GOAL, PLAYER, PLAYER_ON_GOAL = range(7)
# Outcomes of a move (``SokobanWorld.move_kind``).
BLOCKED, WALK, PUSH = range(3)

MIN_SIZE = 5
# Generation time grows with the board (about 0.5 s a level at 16 with 2 boxes, 10 s at 50); 16 keeps
# it under a second and the text (about 900 characters) far inside ``TextEnv.max_observation_length``.
MAX_SIZE = 16
_SEARCH_STATES = 3000  # states the reverse search visits at most (it bounds the time a level takes)
_MAX_ROOMS = 200  # rooms tried before giving up (a level is found within a few for sane settings)


def check_settings(size: int, num_boxes: int) -> None:
    """Raise ``ValueError`` unless levels of ``size`` with ``num_boxes`` boxes can be generated."""
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE}, got {size}")
    if size > MAX_SIZE:
        raise ValueError(
            f"size must be at most {MAX_SIZE} (larger levels take seconds to generate), got {size}"
        )
    most = (size - 2) ** 2 // 4
    if not 1 <= num_boxes <= most:
        raise ValueError(f"a {size}x{size} board holds 1 to {most} boxes, not {num_boxes}")


class SokobanWorld:
    """One Sokoban level in play. ``floor`` marks the cells that are not wall (the border is all wall).

    Build a fresh level with :meth:`generate`; the constructor takes an explicit position.
    """

    def __init__(self, size: int, floor: bytes, goals: list[int], boxes: list[int], player: int):
        if len(goals) != len(boxes) or not goals:
            raise ValueError("a level needs as many boxes as goals, at least one")
        border = [c for c in range(size * size) if c % size in (0, size - 1) or c // size in (0, size - 1)]
        if len(floor) != size * size or any(floor[c] for c in border):
            raise ValueError(f"floor must be {size * size} cells with walls all round the border")
        self.size = size
        self.delta = (-size, 1, size, -1)
        self.floor = bytes(floor)
        self.goals = frozenset(goals)
        self.boxes = set(boxes)
        self.player = player
        self.grid = bytearray(WALL if not f else FLOOR for f in self.floor)
        for g in self.goals:
            self.grid[g] = GOAL
        for b in self.boxes:
            self.grid[b] = BOX_ON_GOAL if b in self.goals else BOX
        self.grid[player] = PLAYER_ON_GOAL if player in self.goals else PLAYER
        self.boxes_on_goals = len(self.boxes & self.goals)
        self.dead = dead_squares(self)

    # -- generation -----------------------------------------------------------------------------
    @classmethod
    def generate(cls, size: int, num_boxes: int, rng: np.random.Generator) -> SokobanWorld:
        """A solvable level made by reverse play (see the module docstring), from ``rng`` alone."""
        check_settings(size, num_boxes)
        for _ in range(_MAX_ROOMS):
            floor = _carve_room(size, num_boxes, rng)
            cells = np.flatnonzero(np.frombuffer(floor, np.uint8))
            goals = sorted(rng.choice(cells, num_boxes, replace=False).tolist())
            best = _reverse_search(size, floor, goals, rng)
            if best is not None:
                boxes, player = best
                return cls(size, floor, goals, boxes, player)
        raise RuntimeError(f"no level found for size={size}, num_boxes={num_boxes}")

    def clone(self) -> SokobanWorld:
        """An independent copy of the position (the level's fixed parts are shared)."""
        other = copy.copy(self)
        other.grid = bytearray(self.grid)
        other.boxes = set(self.boxes)
        return other

    # -- geometry -------------------------------------------------------------------------------
    def xy(self, cell: int) -> tuple[int, int]:
        return cell % self.size, cell // self.size

    # -- rules ----------------------------------------------------------------------------------
    def move_kind(self, direction: int) -> int:
        """``WALK``, ``PUSH`` or ``BLOCKED``: what moving the player in ``direction`` would do."""
        target = self.player + self.delta[direction]
        if not self.floor[target]:
            return BLOCKED
        if target not in self.boxes:
            return WALK
        beyond = target + self.delta[direction]
        return PUSH if self.floor[beyond] and beyond not in self.boxes else BLOCKED

    def legal_moves(self) -> list[int]:
        return [d for d in range(4) if self.move_kind(d) != BLOCKED]

    def step(self, direction: int) -> int:
        """Move the player (the move must not be ``BLOCKED``); returns the change in boxes on goals."""
        grid, goals = self.grid, self.goals
        target = self.player + self.delta[direction]
        change = 0
        if target in self.boxes:
            beyond = target + self.delta[direction]
            self.boxes.remove(target)
            self.boxes.add(beyond)
            change = (beyond in goals) - (target in goals)
            self.boxes_on_goals += change
            grid[beyond] = BOX_ON_GOAL if beyond in goals else BOX
        grid[self.player] = GOAL if self.player in goals else FLOOR
        grid[target] = PLAYER_ON_GOAL if target in goals else PLAYER
        self.player = target
        return change

    @property
    def solved(self) -> bool:
        return self.boxes_on_goals == len(self.goals)

    def dead_boxes(self) -> list[int]:
        """Boxes on a dead square: a cell from which no push sequence can bring a box to any goal."""
        return sorted(b for b in self.boxes if b in self.dead)

    def state_bytes(self) -> bytes:
        """The grid holds everything that decides the future: walls, goals, boxes and the player."""
        return bytes(self.grid)


def dead_squares(world: SokobanWorld) -> frozenset[int]:
    """Floor cells from which a box alone in the room can never be pushed onto a goal.

    A box can reach a goal from cell ``c`` exactly when, pulling backwards from the goals, a box can
    be pulled to ``c``: a pull in direction ``d`` needs the cell ahead free for the box and the one
    after it free for the player.
    """
    floor, delta = world.floor, world.delta
    live = set(world.goals)
    frontier = deque(world.goals)
    while frontier:
        cell = frontier.popleft()
        for d in delta:
            to, stand = cell + d, cell + 2 * d
            if floor[to] and floor[stand] and to not in live:
                live.add(to)
                frontier.append(to)
    return frozenset(c for c in range(len(floor)) if floor[c] and c not in live)


def _carve_room(size: int, num_boxes: int, rng: np.random.Generator) -> bytes:
    """Floor carved by a random walk inside the border: 1x1, 1x2 and 2x1 brushes, turns at random."""
    inner = size - 2
    target = round(inner * inner * rng.uniform(0.6, 0.8))
    target = min(max(target, 3 * num_boxes + 4), inner * inner)
    floor = np.zeros((size, size), np.uint8)
    x, y = (int(v) for v in rng.integers(1, size - 1, 2))
    direction = int(rng.integers(4))
    carved = 0
    while carved < target:
        if rng.random() < 0.35:
            direction = int(rng.integers(4))
        brush = int(rng.integers(3))  # 0: the cell, 1: and its right neighbour, 2: and the one below
        for bx, by in ((x, y), (x + 1, y) if brush == 1 else (x, y + 1) if brush == 2 else (x, y)):
            if 1 <= bx <= inner and 1 <= by <= inner and not floor[by, bx]:
                floor[by, bx] = 1
                carved += 1
        nx, ny = x + _DX[direction], y + _DY[direction]
        if 1 <= nx <= inner and 1 <= ny <= inner:
            x, y = nx, ny
    return floor.tobytes()


def reachable(
    floor: bytes, delta: tuple[int, ...], start: int, boxes: frozenset[int] | set[int]
) -> dict[int, int]:
    """Cells the player reaches from ``start`` without pushing, each mapped to its parent (-1 for start)."""
    parent = {start: -1}
    frontier = deque([start])
    while frontier:
        cell = frontier.popleft()
        for d in delta:
            nxt = cell + d
            if floor[nxt] and nxt not in parent and nxt not in boxes:
                parent[nxt] = cell
                frontier.append(nxt)
    return parent


def _reverse_search(
    size: int, floor: bytes, goals: list[int], rng: np.random.Generator
) -> tuple[list[int], int] | None:
    """The boxes and player of a state as many pushes from solved as reverse play reaches, or None.

    Breadth-first over pulls from the solved boxes (with the player in each area it could stand in):
    a pull moves a box one cell towards the player, who steps back one cell further. A state is a
    box set plus the player's area, named by its smallest cell. The search stops at ``_SEARCH_STATES``
    states; of the deepest layer, the states with no box on a goal are the candidates, one is drawn
    at random, and the player is put on a random cell of its area. None when no candidate has every
    box off the goals.
    """
    delta = (-size, 1, size, -1)
    solved = frozenset(goals)
    seen: set[tuple[frozenset[int], int]] = set()
    layer: list[tuple[frozenset[int], dict[int, int]]] = []
    for cell in range(len(floor)):
        if floor[cell] and cell not in solved and not any(cell in area for _, area in layer):
            area = reachable(floor, delta, cell, solved)
            seen.add((solved, min(area)))
            layer.append((solved, area))
    best = None
    while layer and len(seen) < _SEARCH_STATES:
        deeper = []
        for boxes, area in layer:
            for box in sorted(boxes):
                for d in delta:
                    to, back = box + d, box + 2 * d
                    if to in area and floor[back] and back not in boxes:
                        moved = boxes - {box} | {to}
                        after = reachable(floor, delta, back, moved)
                        key = (moved, min(after))
                        if key not in seen:
                            seen.add(key)
                            deeper.append((moved, after))
        candidates = [(boxes, area) for boxes, area in deeper if boxes.isdisjoint(solved)]
        if candidates:
            best = candidates
        layer = deeper
    if best is None:
        return None
    boxes, area = best[int(rng.integers(len(best)))]
    cells = sorted(area)
    return sorted(boxes), cells[int(rng.integers(len(cells)))]
