"""Grading a calculation's answer as MedCalc-Bench does, but without its released checker's holes.

MedCalc-Bench: integer scores must match exactly; decimals must fall within +/-5% (its rows give the
limits). MedAgentGym's released checker accepts any positive number. Here an answer must be one
number, optionally named (``BMI = 25.1``, ``The score is 3``) and followed by the asked unit
(``25.1 kg/m^2``, ``25.1 kg/m2``); a second number, a hedge (``25 or 30``), other words, or another
unit (``154 lb`` when kg was asked, ``2.4 mmol/L`` for mg/dL) is wrong.

>>> read_number("BMI = 25.1 kg/m^2", aliases=("bmi",), units=unit_spellings("kg/m^2"))
25.1
>>> within(25.1, 24.0, exact=False)
True
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")  # LaTeX's \boxed{25}, as models often write a final answer
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)")  # not a digit of a word (CURB65, m2)
# Words an answer may put before its number; anything else there makes the answer wrong.
_LEAD = {
    "the", "a", "an", "answer", "final", "is", "was", "equals", "score", "value", "result", "total",
    "patient", "patient's", "patients", "calculated", "estimated", "approximately", "approx", "about",
    "of", "it", "its", "=", ":", "≈", "~", "-", "so",
}  # fmt: skip
POINTS = ("points", "point", "pts", "pt")
# Spellings of the units the calculators answer in (compared after ``canonical_unit``).
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "kg/m^2": ("kg/m^2", "kg/m2", "kg m^-2", "kg·m^-2"),
    "mmHg": ("mmHg", "mm Hg"),
    "mEq/L": ("mEq/L", "mmol/L"),
    "mg/dL": ("mg/dL", "mg/100 mL"),
    "mL/min": ("mL/min", "ml/minute", "mL per minute"),
    "mL/min/1.73 m^2": ("mL/min/1.73 m^2", "mL/min/1.73m2", "mL/min per 1.73 m^2"),
    "msec": ("msec", "ms", "milliseconds"),
    "mOsm/kg": ("mOsm/kg", "mOsm/kg H2O", "mOsm/kg water"),
    "L": ("L", "liters", "litres", "liter", "litre"),
    "kg": ("kg", "kilograms"),
    "m^2": ("m^2", "m2", "square meters"),
    "mL/hr": ("mL/hr", "mL/h", "mL/hour", "mL per hour"),
}


class WrongAnswer(ValueError):
    """The answer is not one number in the asked unit (the message says why)."""


def canonical_unit(text: str) -> str:
    """A unit's spelling reduced for comparison: ``"kg/m²"``, ``"KG / m^2"`` -> ``"kg/m2"``."""
    text = text.lower().replace("²", "2").replace("^", "").replace("µ", "u").replace("μ", "u")
    return re.sub(r"\s+", "", text)


def unit_spellings(unit: str | None) -> frozenset[str]:
    """The accepted (canonical) spellings of ``unit``; a score (``None``) may say ``points``."""
    spellings = POINTS if unit is None else _SPELLINGS.get(unit, (unit,))
    return frozenset(canonical_unit(spelling) for spelling in spellings)


ALL_UNITS = frozenset().union(*(unit_spellings(unit) for unit in [None, *_SPELLINGS]))


def read_number(answer: str, *, aliases: Iterable[str] = (), units: frozenset[str] = frozenset()) -> float:
    """The one number ``answer`` gives; ``WrongAnswer`` unless the rest is a name and an accepted unit."""
    text = _BOXED.sub(r"\1", answer).replace("−", "-").replace("*", "").replace("`", "").replace("$", "")
    text = text.strip().lower()
    for alias in sorted(aliases, key=len, reverse=True):  # names may hold digits: CURB-65, CHA2DS2-VASc
        text = re.sub(rf"(?<![\w-]){re.escape(alias.lower())}(?![\w-])", " ", text)
    found = _NUMBER.search(text)  # the first number: what follows it must be a unit and nothing more
    if found is None:
        raise WrongAnswer("the answer gives no number")
    lead = text[: found.start()].replace(":", " : ").replace("=", " = ").split()
    strays = [word for word in lead if word not in _LEAD]
    if strays:
        raise WrongAnswer(f"unexpected words before the number: {' '.join(strays)}")
    tail = text[found.end() :].strip().rstrip(".").strip()
    if tail and canonical_unit(tail) not in units:
        raise WrongAnswer(f"{tail!r} is not the unit asked for")
    return float(found.group())


def within(value: float, truth: float, *, exact: bool, tolerance: float = 0.05) -> bool:
    """Exact equality for scores; within ``tolerance`` (relative) of ``truth`` for decimals."""
    if exact:
        return abs(value - truth) < 1e-9
    return abs(value - truth) <= tolerance * abs(truth) + 1e-12


def grade_number(
    answer: str, truth: float, *, exact: bool, unit: str | None, aliases: Sequence[str] = ()
) -> float:
    """1.0 when ``answer`` is ``truth`` (exactly, or within 5%) written with the asked unit or none."""
    try:
        value = read_number(answer, aliases=aliases, units=unit_spellings(unit))
    except WrongAnswer:
        return 0.0
    return float(within(value, truth, exact=exact))


def grade_in_limits(answer: str, lower: float, upper: float, *, aliases: Sequence[str] = ()) -> float:
    """1.0 when ``answer``'s number lies in [lower, upper] (a MedCalc-Bench row's limits); any unit the
    calculators know may follow it, since a row does not name its unit."""
    try:
        value = read_number(answer, aliases=aliases, units=ALL_UNITS)
    except WrongAnswer:
        return 0.0
    return float(lower - 1e-12 <= value <= upper + 1e-12)


_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y")


def read_date(text: str) -> dt.date:
    """A date written as MedCalc-Bench writes it (``08/14/2023``) or in a common other form."""
    cleaned = text.strip().strip(".").strip()
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    raise WrongAnswer(f"{text!r} is not a date")


def grade_date(answer: str, truth: str) -> float:
    try:
        return float(read_date(answer) == read_date(truth))
    except WrongAnswer:
        return 0.0


def read_weeks_days(text: str) -> tuple[int, int]:
    """``(weeks, days)`` of a gestational age written ``(17 weeks, 4 days)`` or ``('17 weeks', '4 days')``."""
    match = re.fullmatch(
        r"\s*\(?\s*'?\s*(\d+)\s*weeks?\s*'?\s*,?\s*(?:and\s+)?'?\s*(\d+)\s*days?\s*'?\s*\)?\s*\.?\s*",
        text.lower(),
    )
    if match is None:
        raise WrongAnswer(f"{text!r} is not a number of weeks and days")
    return int(match.group(1)), int(match.group(2))


def grade_weeks_days(answer: str, truth: str) -> float:
    try:
        return float(read_weeks_days(answer) == read_weeks_days(truth))
    except WrongAnswer:
        return 0.0
