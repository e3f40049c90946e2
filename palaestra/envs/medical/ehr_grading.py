"""Grading EHR answers by value, not by substring.

MedAgentGym's EHR checker scores an output as right when the expected value occurs anywhere in it, so
``"1, 2, 3, ... 100"`` answers every count question. Here an answer is parsed into values and
compared with the expected ones:

- integers exactly (``3`` and ``3.0`` match, ``3.01`` does not); other numbers as equal up to
  floating-point noise (1e-6 relative), or, where the question asks for N decimals, within half a
  unit of the N-th decimal of the exact value (so any correct rounding, or more digits, match), or
  within a relative tolerance where the data set grades so (NPowerAI's powers, 1 %);
  time stamps as times (``2105-03-04 10:00:00`` = ``2105-03-04T10:00``); text case-insensitively
  with runs of white space folded;
- several values as a set where order is not asked: the same values, none missing, none extra
  (repeats of one value count once); in order where it is asked;
- ``none`` (also ``null``, ``[]``, ``no answer``...) matches exactly the questions whose query
  finds nothing, and nothing else.

An answer may be written as a Python or JSON literal (``['10386']``, ``[3]``, ``(3,)``, ``"3"``),
as bare values separated by commas, or as one bare value. Anything more (``the answer is 3``) fails.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

Value = int | float | str
MAX_ANSWER_LENGTH = 20_000  # longer text is no answer to any EHR question
RELATIVE_TOLERANCE = 1e-6  # floating-point noise, not a looser answer
ABSOLUTE_TOLERANCE = 1e-9
NONE_WORDS = frozenset({"none", "null", "nil", "no answer", "no result", "no results", "n/a", "nan", ""})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True)
class ExpectedAnswer:
    """The right answer to a question: its values (empty: the query finds nothing, answer ``none``),
    whether their order was asked, and how close a non-integer number must be: within rounding to
    ``decimals`` places where the question asks for them, within ``tolerance`` (relative) where the
    data set allows that much, else exact up to floating-point noise."""

    values: tuple[Value, ...]
    ordered: bool = False
    decimals: int | None = None
    tolerance: float | None = None

    @property
    def is_none(self) -> bool:
        return not self.values

    def text(self) -> str:
        """The answer written as an agent would: ``none``, one value, or values joined by commas."""
        if self.is_none:
            return "none"
        return ", ".join(str(value) for value in self.values)


def expected_from_rows(
    rows: Sequence[Sequence[object]], *, ordered: bool = False, decimals: int | None = None
) -> ExpectedAnswer:
    """The expected answer of a query's rows: their first column, without NULLs (an aggregate over
    nothing gives one NULL row, which is ``none``)."""
    values = tuple(row[0] for row in rows if row and row[0] is not None)
    return ExpectedAnswer(tuple(_plain(value) for value in values), ordered, decimals)


def _plain(value: object) -> Value:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def grade(expected: ExpectedAnswer, answer: str) -> bool:
    """Whether ``answer`` (the text inside ``answer[...]``) is ``expected``, written any right way."""
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER_LENGTH:
        return False
    readings = _readings(answer)
    if expected.is_none:
        return any(reading is None for reading in readings)
    return any(reading is not None and _match(expected, reading) for reading in readings)


def _readings(answer: str) -> list[list[Value] | None]:
    """The ways ``answer`` can be read: ``None`` for a none-answer, else a list of values."""
    text = answer.strip()
    if _is_none_word(text):
        return [None]
    readings: list[list[Value] | None] = []
    literal = _literal(text)
    if literal is not _NOT_A_LITERAL:
        items = _flatten(literal)
        if items is not None:
            readings.append(None if all(_is_none_item(item) for item in items) else items)
        return readings
    readings.append([text])
    parts = [part.strip() for part in re.split(r"[,;\n]", text)]
    if len(parts) > 1:
        items = [_unquote(part) for part in parts if part]
        readings.append(None if all(_is_none_item(item) for item in items) else items)
    return readings


_NOT_A_LITERAL = object()


def _literal(text: str) -> object:
    if not text or text[0] not in "[('\"{-+.0123456789":
        return _NOT_A_LITERAL
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_A_LITERAL


def _flatten(value: object) -> list[Value] | None:
    """The values of a literal: a scalar, or a list/tuple/set of scalars or of one-value rows (what
    ``cursor.fetchall()`` prints); ``None`` for anything else (a dict, nested tables)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = []
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 1:
                item = item[0]
            if item is not None and not isinstance(item, (int, float, str)):
                return None
            items.append(item)
        return items
    if value is None or isinstance(value, (int, float, str)):
        return [value]
    return None


def _is_none_word(text: str) -> bool:
    return " ".join(text.lower().split()) in NONE_WORDS


def _is_none_item(item: object) -> bool:
    return item is None or (isinstance(item, str) and _is_none_word(item))


def _unquote(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return text


def _match(expected: ExpectedAnswer, given: list[Value]) -> bool:
    if any(_is_none_item(item) for item in given):
        return False
    if expected.ordered:
        return len(given) == len(expected.values) and all(
            _same(e, g, expected) for e, g in zip(expected.values, given)
        )
    distinct: list[Value] = []
    for item in given:  # a value given twice counts once
        if not any(_same(item, seen, expected) for seen in distinct):
            distinct.append(item)
    wanted = list(dict.fromkeys(expected.values))
    if len(distinct) != len(wanted):
        return False
    unmatched = list(distinct)
    for value in wanted:
        hit = next((i for i, item in enumerate(unmatched) if _same(value, item, expected)), None)
        if hit is None:
            return False
        unmatched.pop(hit)
    return True


def _same(expected: Value, given: Value, answer: ExpectedAnswer) -> bool:
    """One expected value of ``answer`` against one given value."""
    expected_number, given_number = _number(expected), _number(given)
    if expected_number is not None:
        if given_number is None:
            return False
        if _is_integer(expected):
            return float(given_number) == float(expected_number)
        if answer.decimals is not None:
            return abs(given_number - expected_number) <= 0.5 * 10.0**-answer.decimals + ABSOLUTE_TOLERANCE
        if answer.tolerance is not None:
            return abs(given_number - expected_number) <= answer.tolerance * abs(expected_number)
        return math.isclose(
            given_number, expected_number, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE
        )
    if given_number is not None and not isinstance(given, str):
        return False
    expected_text, given_text = _fold(str(expected)), _fold(str(given))
    expected_time, given_time = _time(expected_text), _time(given_text)
    if expected_time is not None:
        return expected_time == given_time
    return expected_text == given_text


def _number(value: Value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer past any float
            return None
        return number if math.isfinite(number) else None
    text = value.strip()
    if len(text) > 60 or not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _is_integer(value: Value) -> bool:
    """Whether an expected value is a whole count or id: an int, or text written as one (``'10386'``)."""
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value) is not None


def _fold(text: str) -> str:
    return " ".join(_unquote(text).lower().split())


def _time(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) > 40:
        return None
    candidate = text.replace("t", " ", 1) if len(text) > 10 and text[10] == "t" else text
    for layout in _TIME_FORMATS:
        try:
            return datetime.strptime(candidate, layout)
        except ValueError:
            continue
    return None
