"""Problem sets for the formal family: the built-in theorems and loaders for public jsonl sets.

A problem carries its statement in natural language, in Coq and in Lean 4 (core syntax, no Mathlib),
with a reference proof in each as a list of tactics that replays one tactic per step.

The built-in set (``data/problems.json``) was written for this project: natural numbers, lists,
logic, and algebra with inequalities. Its Coq proofs are checked by ``coqc`` and replayed step by step
through ``coqtop`` in the tests; its Lean proofs are written for Lean 4 core but no Lean toolchain
checks them here. ``load_minif2f`` and ``load_gaokao`` read the public sets (Lean only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

SPLITS = ("train", "test")

# miniF2F's own split names -> ours: its validation half is the half one may tune on.
MINIF2F_SPLITS = {"valid": "train", "test": "test"}


class ProblemFileError(ValueError):
    """A problem file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Problem:
    """One theorem. ``coq_statement`` is a whole ``Theorem name : ... .`` sentence; ``lean_statement``
    is ``theorem name ... : ...`` without ``:= by``. Proofs are tactics, one per step.

    Lean-only problems (the public sets) have an empty ``coq_statement`` and ``coq_proof``; loaded
    problems have no reference proofs. ``difficulty`` runs from 1 (one tactic) to 3 (an induction or
    several lemmas) for the built-in set and is ``None`` where unknown."""

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
    difficulty: int | None = None


@cache
def builtin_problems() -> tuple[Problem, ...]:
    """The built-in set, in a fixed order."""
    text = resources.files("palaestra.envs.formal").joinpath("data/problems.json").read_text(encoding="utf-8")
    return problems_from_json(text)


def problems_from_json(text: str) -> tuple[Problem, ...]:
    """Problems from a JSON list in the built-in set's format."""
    return tuple(_problem(row) for row in json.loads(text))


def problems_in(split: str) -> tuple[Problem, ...]:
    """The built-in problems of one split, in the set's order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return tuple(p for p in builtin_problems() if p.split == split)


def coq_source(problem: Problem, proof: Sequence[str] | None = None) -> str:
    """A whole Coq file: the preamble, the statement, and ``proof`` (the reference proof by default)
    one tactic a line between ``Proof.`` and ``Qed.``."""
    if not problem.coq_statement:
        raise ValueError(f"problem {problem.id!r} has no Coq statement")
    tactics = problem.coq_proof if proof is None else proof
    body = "".join(f"{tactic}\n" for tactic in tactics)
    return f"{problem.coq_preamble}\n{problem.coq_statement}\nProof.\n{body}Qed.\n"


def lean_source(problem: Problem, proof: Sequence[str] | None = None) -> str:
    """A whole Lean 4 file: the header, then the statement with ``proof`` (the reference proof by
    default) as an indented ``by`` block; a tactic spanning lines keeps its own indentation."""
    tactics = problem.lean_proof if proof is None else proof
    body = "".join(f"  {line}\n" for tactic in tactics for line in tactic.split("\n"))
    header = f"{problem.lean_header}\n\n" if problem.lean_header else ""
    return f"{header}{problem.lean_statement} := by\n{body}"


def load_minif2f(path: str | Path) -> tuple[Problem, ...]:
    """miniF2F as DeepSeek-Prover ships it: jsonl rows of ``name, split, informal_prefix,
    formal_statement`` (ending in ``:= by``), ``goal`` and ``header``. Its ``valid`` split becomes
    ``train``; the statement loses its ``:= by``; the header is kept as ``lean_header``."""

    def problem(row: dict) -> Problem:
        name, split = _text(row, "name"), _text(row, "split")
        if split not in MINIF2F_SPLITS:
            raise ValueError(f"split {split!r} is not one of {tuple(MINIF2F_SPLITS)}")
        return Problem(
            id=name,
            split=MINIF2F_SPLITS[split],
            topic=_minif2f_topic(name),
            informal=_strip_comment(_text(row, "informal_prefix")),
            coq_statement="",
            coq_proof=(),
            lean_statement=_without_proof(_text(row, "formal_statement")),
            lean_proof=(),
            lean_header=_text(row, "header").strip(),
        )

    return _load_jsonl(path, problem)


def load_gaokao(path: str | Path) -> tuple[Problem, ...]:
    """Gaokao-Formal (Mathesis): jsonl rows of ``id, NL_Chinese, NL_English, formal_statement,
    category``, where ``formal_statement`` is a whole Lean file ending in a theorem ``:= by sorry``.
    What comes before that theorem becomes ``lean_header`` (less a comment right above it, which
    restates the problem in words); the set is for evaluation, so every problem is in ``test``."""

    def problem(row: dict) -> Problem:
        source = _text(row, "formal_statement")
        starts = list(_DECLARATION.finditer(source))
        if not starts:
            raise ValueError("formal_statement has no theorem")
        header = _TRAILING_COMMENT.sub("", source[: starts[-1].start()]).strip()
        if re.search(r"\bsorry\b", header):
            raise ValueError("formal_statement has a sorry before its last theorem")
        return Problem(
            id=_text(row, "id"),
            split="test",
            topic=_text(row, "category"),
            informal=_text(row, "NL_English").strip(),
            coq_statement="",
            coq_proof=(),
            lean_statement=_without_proof(source[starts[-1].start() :]),
            lean_proof=(),
            lean_header=header,
        )

    return _load_jsonl(path, problem)


_DECLARATION = re.compile(r"^(?:theorem|lemma)\s", re.MULTILINE)
_TRAILING_COMMENT = re.compile(r"/-(?:(?!-/).)*-/\s*\Z", re.DOTALL)
_PROOF_START = re.compile(r"\s*:=\s*(?:by(?:\s+sorry)?)?\s*\Z")


def _problem(row: dict) -> Problem:
    return Problem(**{**row, "coq_proof": tuple(row["coq_proof"]), "lean_proof": tuple(row["lean_proof"])})


def _load_jsonl(path: str | Path, problem: Callable[[dict], Problem]) -> tuple[Problem, ...]:
    """One problem per non-blank line; any bad line is a ``ProblemFileError`` naming file and line."""
    path = Path(path)
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    with path.open("rb") as lines:  # bytes, so that a line that is not UTF-8 is an error of that line
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError(f"expected a JSON object, got {type(row).__name__}")
                loaded = problem(row)
            except ValueError as error:  # so are json.JSONDecodeError and UnicodeDecodeError
                raise ProblemFileError(f"{path}:{number}: {error}") from error
            if loaded.id in first_line:
                earlier = first_line[loaded.id]
                raise ProblemFileError(f"{path}:{number}: id {loaded.id!r} already on line {earlier}")
            first_line[loaded.id] = number
            problems.append(loaded)
    return tuple(problems)


def _text(row: dict, key: str) -> str:
    if key not in row:
        raise ValueError(f"missing field {key!r}")
    if not isinstance(row[key], str):
        raise ValueError(f"field {key!r} is {type(row[key]).__name__}, not a string")
    return row[key]


def _without_proof(statement: str) -> str:
    """``theorem ... := by`` (or ``:= by sorry``) -> ``theorem ...``."""
    match = _PROOF_START.search(statement)
    if match is None:
        raise ValueError(f"formal statement does not end in ':= by': ...{statement[-40:]!r}")
    return statement[: match.start()].strip()


def _strip_comment(text: str) -> str:
    """``/-- words -/`` -> ``words``."""
    text = text.strip()
    text = text.removeprefix("/--").removeprefix("/-").removesuffix("-/")
    return text.strip()


def _minif2f_topic(name: str) -> str:
    """``mathd_algebra_478`` -> ``mathd_algebra``, ``amc12a_2019_p21`` -> ``amc12a``: the name's
    parts up to the first that holds a digit, at most two."""
    topic: list[str] = []
    for part in name.split("_")[:2]:
        if topic and any(c.isdigit() for c in part):
            break
        topic.append(part)
    return "_".join(topic)
