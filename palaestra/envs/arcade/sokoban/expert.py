"""A Sokoban expert that reads the world: breadth-first search over pushes.

A search state is the set of box cells plus the area the player can reach without pushing (named by
its smallest cell), so walking never branches the search. From each state every push the player can
reach is tried, except pushes onto dead squares (cells from which a box can never reach a goal).
Breadth-first order finds a solution with the fewest pushes; the walks between pushes are shortest
paths. The expert plans once and replans only when the world leaves its plan.
"""

from __future__ import annotations

from collections import deque

from palaestra.envs.arcade.sokoban.world import SokobanWorld, reachable

MAX_STATES = 500_000  # search states expanded before the solver gives up


def solve(world: SokobanWorld, max_states: int = MAX_STATES) -> list[int] | None:
    """Directions that solve the level from the current position, or None if it cannot be solved."""
    goals, dead, floor, delta = world.goals, world.dead, world.floor, world.delta
    start_boxes = frozenset(world.boxes)
    if start_boxes <= goals:
        return []
    reach = reachable(floor, delta, world.player, start_boxes)
    start = (start_boxes, min(reach))
    # state -> (previous state, box pushed, direction); the start has no previous state
    came_from: dict[tuple[frozenset[int], int], tuple | None] = {start: None}
    frontier = deque([(start, world.player)])
    found = None
    while frontier and found is None and len(came_from) < max_states:
        state, player = frontier.popleft()
        boxes = state[0]
        reach = reachable(floor, delta, player, boxes)
        for box in boxes:
            for d in range(4):
                to = box + delta[d]
                if box - delta[d] not in reach or not floor[to] or to in boxes or to in dead:
                    continue
                moved = boxes - {box} | {to}
                key = (moved, min(reachable(floor, delta, box, moved)))
                if key in came_from:
                    continue
                came_from[key] = (state, box, d)
                if moved <= goals:
                    found = key
                    break
                frontier.append((key, box))
            if found is not None:
                break
    if found is None:
        return None
    pushes = []
    while came_from[found] is not None:
        found, box, d = came_from[found]
        pushes.append((box, d))
    return _moves(world, pushes[::-1])


def _moves(world: SokobanWorld, pushes: list[tuple[int, int]]) -> list[int]:
    """The walk-and-push directions that carry out ``pushes`` (box cell, direction) in order."""
    delta = world.delta
    boxes = set(world.boxes)
    player = world.player
    moves: list[int] = []
    for box, d in pushes:
        stand = box - delta[d]
        parent = reachable(world.floor, delta, player, boxes)
        path = []
        cell = stand
        while cell != player:
            before = parent[cell]
            path.append(delta.index(cell - before))
            cell = before
        moves.extend(reversed(path))
        moves.append(d)
        boxes.remove(box)
        boxes.add(box + delta[d])
        player = box
    return moves


class SokobanExpert:
    """Plays a solution found by :func:`solve`; replans whenever the world is not where the plan expects."""

    def __init__(self) -> None:
        self._plan: list[int] = []  # directions still to play, last one first
        self._expected: bytes | None = None  # the world's state when the plan's next move is due

    def move(self, world: SokobanWorld) -> int:
        """The next direction; when the level cannot be solved any more, some legal move."""
        state = world.state_bytes()
        if state != self._expected or not self._plan:
            self._plan = (solve(world) or [])[::-1]
        if not self._plan:
            self._expected = None
            return world.legal_moves()[0]
        direction = self._plan.pop()
        after = world.clone()
        after.step(direction)
        self._expected = after.state_bytes()
        return direction
