"""LeanScorer-style judgement of a formalization (Mathesis, arXiv 2506.07047).

A judge lists the problem's conditions and conclusions and labels each against the formal
statement: ``A`` (matches, worth 1), ``B`` (minor inconsistency, 0.5) or ``C`` (major, 0). The labels
are aggregated with a Sugeno integral: any ``C`` gives 0; otherwise, with the labels' values sorted
ascending ``f(l_1) <= ... <= f(l_n)``, the score is ``max_i min(f(l_i), mu(S_i))`` where ``S_i`` is the
suffix ``{l_i, ..., l_n}`` and ``mu(S) = |S| / n * (1 - 0.1 * #B)`` when ``#B <= 1``, else
``|S| / n * (1 - 0.2 * #B)``, floored at 0. ``#B`` counts the ``B`` labels of the whole statement, so
``mu`` grows with ``S`` as a fuzzy measure must. A formalization passes at ``PASS_SCORE``.

    >>> sugeno_score("AAA"), sugeno_score("BAA"), sugeno_score("BBAA"), sugeno_score("AAC")
    (1.0, 0.6, 0.5, 0.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

LABEL_VALUES = {"A": 1.0, "B": 0.5, "C": 0.0}
PASS_SCORE = 0.6
_LABEL_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*\**\s*([ABC])\s*\**\s*[|:.)\-–]\s*\S")

JUDGE_INSTRUCTIONS = """You judge whether a formal statement faithfully formalizes a math problem.
First list every condition and every conclusion of the problem in natural language. Then compare each
one with the formal statement and label it:
  A - the formal statement has it exactly;
  B - a minor inconsistency (a harmless change of domain or form that keeps the meaning);
  C - a major inconsistency (missing, wrong, or changing the problem).
Answer with one line per item, label first, like:
A | n is a natural number
B | the conclusion is stated for integers instead of naturals
Write nothing else on lines that start with a label."""


class Judge(Protocol):
    """What judges a formalization: any palaestra agent fits (``reset(instructions)``, ``act(text)``)."""

    def reset(self, instructions: str) -> None: ...

    def act(self, observation: Any) -> str: ...


def sugeno_score(labels: Sequence[str]) -> float:
    """The Sugeno-integral score of the labels ``A``/``B``/``C`` (rounded to 6 digits); 0 for none."""
    labels = [label.upper() for label in labels]
    unknown = sorted(set(labels) - set(LABEL_VALUES))
    if unknown:
        raise ValueError(f"labels are A, B or C; got {unknown}")
    if not labels or "C" in labels:
        return 0.0
    n, minor = len(labels), labels.count("B")
    penalty = max(0.0, 1 - (0.1 if minor <= 1 else 0.2) * minor)
    values = sorted(LABEL_VALUES[label] for label in labels)
    best = max(min(value, (n - i) / n * penalty) for i, value in enumerate(values))
    return round(best, 6)


def parse_labels(reply: str) -> list[str]:
    """The labels at the start of the judge's lines (``A | ...``, ``- B: ...``, ``2. C) ...``)."""
    return [match.group(1) for line in reply.splitlines() if (match := _LABEL_LINE.match(line))]


def judge_formalization(judge: Judge, informal: str, formal: str) -> tuple[float, list[str], str]:
    """(score, labels, the judge's reply) for ``formal`` as a formalization of ``informal``."""
    judge.reset(JUDGE_INSTRUCTIONS)
    reply = judge.act(f"Problem:\n{informal}\n\nFormal statement:\n{formal}")
    reply = reply if isinstance(reply, str) else ""
    labels = parse_labels(reply)
    return sugeno_score(labels), labels, reply
