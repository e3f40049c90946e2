"""A Minesweeper expert that reasons only from what the player sees (never from the hidden mines).

1. Every revealed number says how many mines its hidden neighbours hold. Single-cell rules settle a
   constraint whose count is 0 (all safe) or equals its cell count (all mines); the subset rule turns
   constraints A within B into the constraint B - A with the difference of their counts. Repeated
   until nothing changes, these find every cell that simple deduction proves safe.
2. When no cell is proven safe, the expert computes each hidden cell's exact mine probability: it
   enumerates the mine layouts of each group of connected frontier cells that satisfy every number,
   weighs them by the ways the remaining mines fit in the cells no number touches, and reveals the
   cell least likely to be a mine.

Flags are not trusted (they may be wrong); a proven-safe cell that carries a flag is unflagged first.
"""

from __future__ import annotations

from math import comb

from palaestra.envs.arcade.minesweeper.world import (
    FLAG,
    HIDDEN,
    REMOVE_FLAG,
    REVEAL,
    MinesweeperWorld,
)

Constraint = tuple[frozenset[int], int]
_MAX_ENUMERATED_CELLS = 48  # larger frontier groups fall back to each constraint's local density


def expert_move(world: MinesweeperWorld) -> tuple[int, int]:
    """``(verb, cell)`` of the expert's next move; the game must not be over."""
    if not world.placed:
        return REVEAL, world.cell(world.width // 2, world.height // 2)
    safe, mines, constraints = deduce(world)
    if safe:
        cell = min(safe)
        return (REMOVE_FLAG if world.view[cell] == FLAG else REVEAL), cell
    cell = least_likely_mine(world, mines, constraints)
    return (REMOVE_FLAG if world.view[cell] == FLAG else REVEAL), cell


def unknown_cells(world: MinesweeperWorld) -> list[int]:
    return [c for c, code in enumerate(world.view) if code == HIDDEN or code == FLAG]


def deduce(world: MinesweeperWorld) -> tuple[set[int], set[int], list[Constraint]]:
    """(cells proven safe, cells proven mines, the constraints left over the undecided cells)."""
    view = world.view
    constraints: set[Constraint] = set()
    for c, code in enumerate(view):
        if code <= 8:
            hidden = frozenset(nb for nb in world.neighbours[c] if view[nb] == HIDDEN or view[nb] == FLAG)
            if hidden:
                constraints.add((hidden, code))
    safe: set[int] = set()
    mines: set[int] = set()
    while True:
        reduced: set[Constraint] = set()
        decided = False
        for cells, count in constraints:
            count -= len(cells & mines)
            cells = cells - mines - safe
            if not cells:
                continue
            if count == 0:
                safe |= cells
                decided = True
            elif count == len(cells):
                mines |= cells
                decided = True
            else:
                reduced.add((cells, count))
        constraints = reduced
        if decided:
            continue
        derived = _subset_rule(constraints)
        if not derived:
            return safe, mines, sorted(constraints, key=lambda c: (min(c[0]), len(c[0]), c[1]))
        constraints |= derived


def _subset_rule(constraints: set[Constraint]) -> set[Constraint]:
    """Constraints B - A for every pair with A a proper subset of B, not already known."""
    items = list(constraints)
    derived: set[Constraint] = set()
    for a_cells, a_count in items:
        for b_cells, b_count in items:
            if len(a_cells) < len(b_cells) and a_cells < b_cells:
                new = (b_cells - a_cells, b_count - a_count)
                if new not in constraints:
                    derived.add(new)
    return derived


def least_likely_mine(world: MinesweeperWorld, mines: set[int], constraints: list[Constraint]) -> int:
    """The undecided hidden cell with the smallest mine probability (ties: the lowest cell number)."""
    probabilities = mine_probabilities(world, mines, constraints)
    return min(probabilities, key=lambda c: (probabilities[c], c))


def mine_probabilities(
    world: MinesweeperWorld, mines: set[int], constraints: list[Constraint]
) -> dict[int, float]:
    """Each undecided hidden cell's probability of holding a mine, given everything revealed."""
    frontier = sorted({c for cells, _ in constraints for c in cells})
    in_frontier = set(frontier)
    outside = [c for c in unknown_cells(world) if c not in in_frontier and c not in mines]
    remaining = world.mines - len(mines)
    groups = _connected_groups(constraints)
    # Per group: mines in the group -> (layouts, per-cell mine counts over those layouts).
    tables = []
    for cells, group_constraints in groups:
        if len(cells) > _MAX_ENUMERATED_CELLS:
            return _local_densities(frontier, outside, remaining, constraints)
        tables.append((cells, _enumerate(cells, group_constraints)))
    probabilities: dict[int, float] = {}
    total_weight = 0.0
    outside_mines = 0.0
    # Combine groups: the distribution of frontier mines over all groups but one, for each group.
    for index, (cells, table) in enumerate(tables):
        others = _convolve([t for j, (_, t) in enumerate(tables) if j != index])
        weight_sum = 0.0
        cell_sums = [0.0] * len(cells)
        for m, (layouts, per_cell) in table.items():
            for m_other, ways in others.items():
                free = remaining - m - m_other
                weight = ways * comb(len(outside), free) if 0 <= free <= len(outside) else 0
                if weight:
                    weight_sum += layouts * weight
                    for k, count in enumerate(per_cell):
                        cell_sums[k] += count * weight
        for k, cell in enumerate(cells):
            probabilities[cell] = cell_sums[k] / weight_sum if weight_sum else 0.5
    all_layouts = _convolve([t for _, t in tables])
    for m, ways in all_layouts.items():
        free = remaining - m
        if 0 <= free <= len(outside):
            weight = ways * comb(len(outside), free)
            total_weight += weight
            outside_mines += weight * free
    if outside:
        density = outside_mines / total_weight / len(outside) if total_weight else remaining / len(outside)
        for cell in outside:
            probabilities[cell] = density
    return probabilities


def _connected_groups(constraints: list[Constraint]) -> list[tuple[list[int], list[Constraint]]]:
    """Frontier cells split into groups that share no constraint, each with its constraints."""
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for cells, _ in constraints:
        first = min(cells)
        parent.setdefault(first, first)
        for c in cells:
            parent.setdefault(c, c)
            parent[root(c)] = root(first)
    groups: dict[int, tuple[list[int], list[Constraint]]] = {}
    for c in sorted(parent):
        groups.setdefault(root(c), ([], []))[0].append(c)
    for constraint in constraints:
        groups[root(min(constraint[0]))][1].append(constraint)
    return list(groups.values())


def _enumerate(cells: list[int], constraints: list[Constraint]) -> dict[int, tuple[int, list[int]]]:
    """Every mine layout of ``cells`` that satisfies ``constraints``, counted by its number of mines."""
    index = {c: k for k, c in enumerate(cells)}
    watching: list[list[int]] = [[] for _ in cells]  # cell -> constraints that contain it
    need = []  # per constraint: mines still to place
    left = []  # per constraint: cells still unassigned
    for j, (group, count) in enumerate(constraints):
        need.append(count)
        left.append(len(group))
        for c in group:
            watching[index[c]].append(j)
    table: dict[int, tuple[int, list[int]]] = {}
    assignment = [0] * len(cells)

    def place(k: int, mines_so_far: int) -> None:
        if k == len(cells):
            layouts, per_cell = table.get(mines_so_far, (0, [0] * len(cells)))
            table[mines_so_far] = (layouts + 1, [a + b for a, b in zip(per_cell, assignment)])
            return
        for value in (0, 1):
            ok = True
            for j in watching[k]:
                need[j] -= value
                left[j] -= 1
                if need[j] < 0 or need[j] > left[j]:
                    ok = False
            if ok:
                assignment[k] = value
                place(k + 1, mines_so_far + value)
            for j in watching[k]:
                need[j] += value
                left[j] += 1
        assignment[k] = 0

    place(0, 0)
    return table


def _convolve(tables: list[dict[int, tuple[int, list[int]]]]) -> dict[int, int]:
    """Number of joint layouts of several groups, by their total number of mines."""
    result = {0: 1}
    for table in tables:
        combined: dict[int, int] = {}
        for m, ways in result.items():
            for m_group, (layouts, _) in table.items():
                combined[m + m_group] = combined.get(m + m_group, 0) + ways * layouts
        result = combined
    return result


def _local_densities(
    frontier: list[int], outside: list[int], remaining: int, constraints: list[Constraint]
) -> dict[int, float]:
    """A fallback for frontiers too large to enumerate: the highest count/cells of any constraint."""
    probabilities = {c: 0.0 for c in frontier}
    for cells, count in constraints:
        for c in cells:
            probabilities[c] = max(probabilities[c], count / len(cells))
    for c in outside:
        probabilities[c] = remaining / max(1, len(outside) + len(frontier))
    return probabilities
