"""The Rotation expert: it reads the test pair's coordinates and tries every answer.

Each turn answer is applied to the third view and compared with the fourth, up to translation; when
no turn fits, the fourth view is a mirror image (the only other kind of test pair the world makes).
The world's objects have no symmetry about the vertical axis and are chiral, so exactly one answer
fits and the expert is always right.
"""

from __future__ import annotations

from palaestra.envs.arcade.rotation.world import (
    MIRROR,
    QUARTERS,
    TURNS,
    RotationPuzzle,
    same_shape,
    turn,
)


def expert_answer(puzzle: RotationPuzzle) -> int:
    first, second = puzzle.views[2], puzzle.views[3]
    for answer in TURNS:
        if same_shape(turn(first, QUARTERS[answer]), second):
            return answer
    return MIRROR
