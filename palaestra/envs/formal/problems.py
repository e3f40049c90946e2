"""Problem sets for the formal family: the built-in theorems and loaders for public jsonl sets.

A problem carries its statement in natural language, in Coq and in Lean 4 (core syntax, no Mathlib),
with a reference proof in each as a list of tactics that replays one tactic per step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Problem:
    """One theorem. ``coq_statement`` is a whole ``Theorem name : ... .`` sentence; ``lean_statement``
    is ``theorem name ... : ...`` without ``:= by``. Proofs are tactics, one per step."""

    id: str
    split: str
    topic: str
    informal: str
    coq_statement: str
    coq_proof: tuple[str, ...]
    lean_statement: str
    lean_proof: tuple[str, ...]
    coq_preamble: str = ""
    lean_header: str = ""


@cache
def builtin_problems() -> tuple[Problem, ...]:
    """The built-in set, in a fixed order."""
    text = resources.files("palaestra.envs.formal").joinpath("data/problems.json").read_text()
    return tuple(_problem(row) for row in json.loads(text))


def problems_in(split: str) -> tuple[Problem, ...]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return tuple(p for p in builtin_problems() if p.split == split)


def _problem(row: dict) -> Problem:
    return Problem(**{**row, "coq_proof": tuple(row["coq_proof"]), "lean_proof": tuple(row["lean_proof"])})
