"""The LeanScorer aggregation: the Sugeno integral on worked examples, and the judge's labels read."""

import pytest

from palaestra.envs.formal.scoring import PASS_SCORE, parse_labels, sugeno_score


@pytest.mark.parametrize(
    ("labels", "score"),
    [
        # All match: the full set has measure 1.
        ("AAA", 1.0),
        # One B of three: mu = |S|/3 * 0.9; max(min(0.5, 0.9), min(1, 0.6), min(1, 0.3)) = 0.6 (a pass).
        ("BAA", 0.6),
        ("AAB", 0.6),  # the order the judge lists them in does not matter
        # One B of two: max(min(0.5, 0.9), min(1, 0.45)) = 0.5.
        ("AB", 0.5),
        # Two B of four: factor 1 - 0.2 * 2 = 0.6; max(min(.5, .6), min(.5, .45), min(1, .3), ...) = 0.5.
        ("BBAA", 0.5),
        # Two B of five: factor 0.6; the A suffix of three has 3/5 * 0.6 = 0.36 < 0.5.
        ("BBAAA", 0.5),
        # One B of ten: max(min(0.5, 0.9), min(1, 9/10 * 0.9 = 0.81)) = 0.81.
        ("B" + "A" * 9, 0.81),
        # Five B: 1 - 0.2 * 5 = 0, floored at 0.
        ("BBBBB", 0.0),
        ("BBBBBB", 0.0),
        # Any major inconsistency gives 0.
        ("AAAAC", 0.0),
        ("", 0.0),
    ],
)
def test_worked_examples(labels, score):
    assert sugeno_score(list(labels)) == score


def test_the_pass_line_and_bad_labels():
    assert PASS_SCORE == 0.6
    assert sugeno_score("BAA") >= PASS_SCORE > sugeno_score("BBAA")
    with pytest.raises(ValueError, match="labels are A, B or C"):
        sugeno_score(["A", "D"])


def test_labels_are_read_from_the_judges_lines():
    reply = """Conditions and conclusions:
A | n is a natural number
- B: the domain is Z instead of N
2. C) the conclusion is missing
**A** - the sum equals n
Apples are not a label line.
B is not followed by a separator here"""
    assert parse_labels(reply) == ["A", "B", "C", "A"]
