"""A Snake expert that reads the world: shortest safe path to an apple, keeping room to live.

Each move that is not deadly is tried on a copy of the world, one turn ahead (the greedy enemy's
move is exact there; a random enemy may also enter any cell next to its head, so those cells count
as risky). From the head's new cell a breadth-first search measures the free area, whether the
snake's own tail is reachable, and the distance to the nearest apple. The expert prefers moves that
survive the turn, then moves free of head-on risk, then moves that keep room to live (a way to its
tail, or an area as large as the snake), then moves after which some line of play survives
LOOKAHEAD more turns, then eating, then the shortest way to an apple, then the largest area.
"""

from __future__ import annotations

from collections import deque

from palaestra.envs.arcade.snake.world import APPLE, EMPTY, SnakeWorld


def expert_move(world: SnakeWorld) -> int:
    safe = [d for d in range(4) if not world.is_deadly(d)]
    if not safe:
        return world.heading
    risky: set[int | None] = set()
    if world.other and world.opponent == "random":
        risky = {world.neighbour(world.other[0], d) for d in range(4)}

    def rank(direction: int):
        future = world.copy()
        eaten, died = future.step(direction)
        if died:
            return (True,)
        area, reaches_tail, apple_distance = _explore(future, future.snake[0])
        roomy = reaches_tail or area > len(future.snake)
        risk = world.neighbour(world.snake[0], direction) in risky
        return (False, risk, not roomy, not _survives(future, LOOKAHEAD), -eaten, apple_distance, -area)

    return min(safe, key=rank)


LOOKAHEAD = 4  # further turns a chosen move must leave survivable


def _survives(world: SnakeWorld, turns: int) -> bool:
    """Whether some sequence of moves keeps the snake alive ``turns`` more turns (enemy as simulated)."""
    if turns == 0:
        return True
    for direction in range(4):
        if world.is_deadly(direction):
            continue
        future = world.copy()
        if not future.step(direction)[1] and _survives(future, turns - 1):
            return True
    return False


def _explore(world: SnakeWorld, head: int) -> tuple[int, bool, int]:
    """From the snake's head: (free cells reachable, whether its tail is, steps to the nearest apple)."""
    grid = world.grid
    tail = world.snake[-1]
    seen = {head}
    frontier = deque([(head, 0)])
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
    return len(seen) - 1, tail in seen, apple_distance
