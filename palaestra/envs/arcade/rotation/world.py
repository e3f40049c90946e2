"""The mental-rotation puzzle: polycubes, their turns about the vertical axis, and mirror images.

An object is a set of unit cubes with integer coordinates ``(x, y, z)``: ``x`` points east, ``y``
north and ``z`` up, so ``z`` is the vertical axis. Objects are Shepard-Metzler figures: a chain of
straight arms of cubes joined face to face, each arm at a right angle to the one before, reaching
into all three dimensions. Every object used is chiral (its mirror image is no rotation of it) and has
no symmetry about the vertical axis (its four quarter turns all differ), so each question below has
exactly one right answer.

A puzzle shows four views: an example pair (an object, then that object turned by a stated answer)
and a test pair (an object, then that object turned, or at higher difficulty its mirror image turned
any way). Views are given as canonical coordinates: shifted so the smallest ``x``, ``y`` and ``z`` are
0 and sorted, so nothing but the shape tells which cube is which.
"""

from __future__ import annotations

import itertools

import numpy as np

# The answers, by index.
CLOCKWISE, COUNTERCLOCKWISE, HALF_TURN, MIRROR = range(4)
TURNS = (CLOCKWISE, COUNTERCLOCKWISE, HALF_TURN)
# Counterclockwise quarter turns (seen from above) that each turn answer stands for.
QUARTERS = {CLOCKWISE: 3, COUNTERCLOCKWISE: 1, HALF_TURN: 2}

MIN_CUBES = 5
MAX_CUBES = 20
# The six unit steps between face neighbours: +x, +y, +z, -x, -y, -z (axis ``i % 3``).
UNIT_STEPS = np.concatenate([np.eye(3, dtype=np.int64), -np.eye(3, dtype=np.int64)])


def _proper_rotations() -> np.ndarray:
    """The 24 rotation matrices that map the cube grid to itself (signed permutations, det +1)."""
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            m = np.zeros((3, 3), np.int64)
            for row, (col, sign) in enumerate(zip(perm, signs)):
                m[row, col] = sign
            if round(np.linalg.det(m)) == 1:
                mats.append(m)
    return np.stack(mats)


ROTATIONS = _proper_rotations()


def canonical(cubes: np.ndarray) -> np.ndarray:
    """The cubes shifted so each axis starts at 0, sorted by (x, y, z): a shape's name up to translation."""
    shifted = cubes - cubes.min(axis=0)
    return shifted[np.lexsort(shifted.T[::-1])]


def turn(cubes: np.ndarray, quarters: int) -> np.ndarray:
    """``cubes`` turned ``quarters`` quarter turns about the vertical axis, counterclockwise from above."""
    x, y, z = cubes.T
    for _ in range(quarters % 4):
        x, y = -y, x
    return np.stack([x, y, z], axis=1)


def mirror(cubes: np.ndarray) -> np.ndarray:
    """The mirror image of ``cubes`` in a vertical plane (east and west swapped)."""
    return cubes * np.array([-1, 1, 1])


def same_shape(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` are the same cubes up to translation."""
    return a.shape == b.shape and bool(np.array_equal(canonical(a), canonical(b)))


def is_chiral(cubes: np.ndarray) -> bool:
    """Whether no rotation of ``cubes`` is its mirror image."""
    image = canonical(mirror(cubes))
    return not any(np.array_equal(canonical(cubes @ r.T), image) for r in ROTATIONS)


def has_vertical_symmetry(cubes: np.ndarray) -> bool:
    """Whether some quarter or half turn about the vertical axis leaves the shape as it is."""
    return any(same_shape(turn(cubes, q), cubes) for q in (1, 2))


def shepard_metzler(num_cubes: int, rng: np.random.Generator) -> np.ndarray:
    """A chiral chain of ``num_cubes`` cubes in arms of 2 to 4, each at a right angle to the last.

    Arms never touch except where they join, so the figure reads as a chain. The figure is put in a
    random one of the 24 orientations and has no symmetry about the vertical axis.
    """
    while True:
        cubes = [np.zeros(3, np.int64)]
        taken = {(0, 0, 0)}
        axis = int(rng.integers(6))
        ok = True
        while ok and len(cubes) < num_cubes:
            length = min(int(rng.integers(2, 5)), num_cubes - len(cubes))
            step = UNIT_STEPS[axis]
            for _ in range(length):
                nxt = cubes[-1] + step
                key = tuple(nxt.tolist())
                # the new cube may touch only the cube it grows from
                touching = sum(tuple((nxt + u).tolist()) in taken for u in UNIT_STEPS)
                if key in taken or touching != 1:
                    ok = False
                    break
                cubes.append(nxt)
                taken.add(key)
            # the next arm leaves at a right angle: one of the four axes across this one
            across = [a for a in range(6) if a % 3 != axis % 3]
            axis = across[int(rng.integers(4))]
        if not ok:
            continue
        shape = np.stack(cubes) @ ROTATIONS[int(rng.integers(len(ROTATIONS)))].T
        spans = shape.max(axis=0) - shape.min(axis=0)
        if spans.min() > 0 and is_chiral(shape) and not has_vertical_symmetry(shape):
            return canonical(shape)


class RotationPuzzle:
    """One puzzle: four views and the answers of the example pair and the test pair.

    Args:
        min_cubes, max_cubes: the size range of the objects.
        same_object: the test pair shows the example's object (from another side) instead of a new one.
        mirror_prob: the chance that the test pair's second view is a mirror image (answer ``MIRROR``).
        rng: the env's ``np_random``; nothing else draws randomness.
    """

    def __init__(
        self,
        min_cubes: int,
        max_cubes: int,
        same_object: bool,
        mirror_prob: float,
        rng: np.random.Generator,
    ):
        check_settings(min_cubes, max_cubes, mirror_prob)
        self.mirrors = mirror_prob > 0

        def sized() -> np.ndarray:
            return shepard_metzler(int(rng.integers(min_cubes, max_cubes + 1)), rng)

        example = sized()
        self.example_answer = TURNS[int(rng.integers(3))]
        test = canonical(turn(example, int(rng.integers(1, 4)))) if same_object else sized()
        if self.mirrors and rng.random() < mirror_prob:
            self.answer = MIRROR
            shown = turn(mirror(test), int(rng.integers(4)))
        else:
            self.answer = TURNS[int(rng.integers(3))]
            shown = turn(test, QUARTERS[self.answer])
        self.views = (
            example,
            canonical(turn(example, QUARTERS[self.example_answer])),
            test,
            canonical(shown),
        )

    def state_bytes(self) -> bytes:
        sizes = bytes(len(v) for v in self.views)
        return sizes + b"".join(v.astype(np.int8).tobytes() for v in self.views) + bytes((self.answer,))


def check_settings(min_cubes: int, max_cubes: int, mirror_prob: float) -> None:
    """Raise ``ValueError`` unless puzzles with these settings can be generated."""
    if not MIN_CUBES <= min_cubes <= max_cubes <= MAX_CUBES:
        raise ValueError(
            f"need {MIN_CUBES} <= min_cubes <= max_cubes <= {MAX_CUBES}, got {min_cubes} and {max_cubes}"
        )
    if not 0.0 <= mirror_prob <= 1.0:
        raise ValueError(f"mirror_prob must be in [0, 1], got {mirror_prob}")
