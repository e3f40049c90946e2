"""A Snake expert that reads the world: shortest safe path to an apple, keeping room to live.

For each move that is not deadly it measures, by breadth-first search from the cell the head would
enter, the free area reachable and the distance to the nearest apple. It prefers moves that keep an
area at least as large as the snake, then moves that do not risk a head-on collision, then the
shortest way to an apple, then the largest area.
"""

from __future__ import annotations

from collections import deque

from palaestra.envs.arcade.snake.world import APPLE, EMPTY, SnakeWorld


def expert_move(world: SnakeWorld) -> int:
    safe = [d for d in range(4) if not world.is_deadly(d)]
    if not safe:
        return world.heading
    risky = set()
    if world.other:
        risky = {world.neighbour(world.other[0], d) for d in range(4)} - {None}

    def rank(direction: int):
        target = world.neighbour(world.snake[0], direction)
        area, apple_distance = _explore(world, target)
        roomy = area >= len(world.snake) + 1
        return (not roomy, target in risky, apple_distance, -area)

    return min(safe, key=rank)


def _explore(world: SnakeWorld, start: int) -> tuple[int, int]:
    """(free cells reachable from ``start``, steps to the nearest apple or a large number)."""
    grid = world.grid
    tail = world.snake[-1]
    seen = {start}
    frontier = deque([(start, 0)])
    apple_distance = 10**6
    while frontier:
        cell, dist = frontier.popleft()
        if grid[cell] == APPLE and dist < apple_distance:
            apple_distance = dist
        for d in range(4):
            nxt = world.neighbour(cell, d)
            if nxt is None or nxt in seen:
                continue
            if grid[nxt] in (EMPTY, APPLE) or nxt == tail:
                seen.add(nxt)
                frontier.append((nxt, dist + 1))
    return len(seen), apple_distance
