"""Generated patient notes for the calculators: a narrative in mixed units with distracting facts.

``write_case(rng, calculator)`` draws a patient (age, sex, the calculator's inputs and some other
vitals and labs), writes them in a short clinical narrative, each quantity in one of its units
(pounds or kilograms, µmol/L or mg/dL, °F or °C), with unrelated history and an older weight to
skip, and returns the case with the values the note shows, in canonical units, and the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.envs.medical.calculators import INPUTS, LB, Calculator, Choice, Flag, Quantity, Unit

THRESHOLD_MARGIN = 0.01  # drawn values keep 1% away from a formula's cut-offs
_DISTRACTING_QUANTITIES = ("temperature", "spo2", "potassium", "glucose", "wbc", "platelets", "sodium", "ast")
_PAST_HISTORY = (
    "an appendectomy at age 19",
    "hypothyroidism on levothyroxine",
    "osteoarthritis of both knees",
    "gastroesophageal reflux",
    "seasonal allergies",
    "cataract surgery on the right eye",
    "a fractured wrist in childhood",
    "migraine without aura",
    "gout, without a flare in years",
    "mild depression treated with sertraline",
)
_COMPLAINTS = {
    "heart": "chest pain that began two hours ago",
    "centor": "a sore throat for three days",
    "wells_pe": "sudden shortness of breath",
    "curb_65": "fever and a productive cough",
    "qsofa": "fever and chills",
    "sirs": "fever and chills",
    "gcs": "a head injury after a fall",
    "child_pugh": "abdominal distension",
    "meld_na": "abdominal distension and jaundice",
    "cha2ds2_vasc": "palpitations; an ECG shows atrial fibrillation",
    "has_bled": "atrial fibrillation, before starting anticoagulation",
}
_OTHER_COMPLAINTS = ("fatigue", "dizziness", "a routine follow-up visit", "poor appetite", "weakness")
_SETTINGS = ("the emergency department", "the clinic", "the medical ward", "an urgent care center")


@dataclass(frozen=True)
class Case:
    """A generated note and what it shows: ``values`` in canonical units, ``answer`` the true result."""

    calculator: Calculator
    note: str
    values: dict[str, Any]
    answer: float

    def expert_answer(self) -> str:
        """The answer as an expert writes it: the value (to 2 decimals for a decimal) and the unit."""
        value = self.answer if self.calculator.exact else round(self.answer, 2)
        unit = f" {self.calculator.unit}" if self.calculator.unit else ""
        return f"{value:g}{unit}"


def write_case(rng: np.random.Generator, calculator: Calculator) -> Case:
    """A patient note for ``calculator`` and its answer, drawn from ``rng``."""
    sex = "female" if rng.random() < 0.5 else "male"
    values: dict[str, Any] = {"sex": sex}
    shown: dict[str, str] = {}  # quantity -> how the note writes it
    needed = ("age", *calculator.inputs)
    extra = [name for name in _DISTRACTING_QUANTITIES if name not in needed]
    distractors = [extra[i] for i in sorted(rng.choice(len(extra), size=3, replace=False))]
    for name in (*needed, *distractors):
        item = INPUTS[name]
        if isinstance(item, Quantity):
            values[name], shown[name] = _draw_quantity(rng, item, calculator, name in needed)
        elif isinstance(item, Flag):
            values[name] = bool(rng.random() < item.chance)
        else:
            values[name] = item.first + int(rng.integers(len(item.options)))
    if "sbp" in values or "dbp" in values:
        _blood_pressure(rng, calculator, values, shown)
    note = _narrative(rng, calculator, values, shown)
    return Case(calculator, note, values, calculator.compute(values))


def _draw_quantity(
    rng: np.random.Generator, item: Quantity, calculator: Calculator, needed: bool
) -> tuple[float, str]:
    """A value (canonical, as the note shows it) and its text, away from the formula's cut-offs."""
    low, high = calculator.ranges.get(item.name, (item.low, item.high)) if needed else (item.low, item.high)
    cuts = calculator.thresholds.get(item.name, ()) if needed else ()
    while True:  # a uniform draw lands near a cut-off rarely: a few tries at most
        unit: Unit = item.units[int(rng.integers(len(item.units)))]
        canonical_draw = float(rng.uniform(low, high))
        number = unit.from_canonical(canonical_draw)
        value = unit.to_canonical(number)
        if all(abs(value - cut) > THRESHOLD_MARGIN * abs(cut) for cut in cuts):
            return value, _quantity_text(item, unit, number)


def _quantity_text(item: Quantity, unit: Unit, number: float) -> str:
    written = f"{number:.{unit.decimals}f}"
    label = unit.label or item.label
    if not unit.symbol:
        return f"{label} {written}"
    spaced = "" if unit.symbol in ("%", "°C", "°F") else " "
    return f"{label} {written}{spaced}{unit.symbol}"


def _blood_pressure(
    rng: np.random.Generator, calculator: Calculator, values: dict[str, Any], shown: dict[str, str]
) -> None:
    """Both pressures, the diastolic at least 20 mmHg under the systolic."""
    sbp_item, dbp_item = INPUTS["sbp"], INPUTS["dbp"]
    while True:
        values["sbp"], _ = _draw_quantity(rng, sbp_item, calculator, True)
        values["dbp"], _ = _draw_quantity(rng, dbp_item, calculator, True)
        if values["dbp"] <= values["sbp"] - 20:
            break
    shown.pop("sbp", None)
    shown.pop("dbp", None)
    shown["blood_pressure"] = f"blood pressure {values['sbp']:.0f}/{values['dbp']:.0f} mmHg"


def _narrative(
    rng: np.random.Generator, calculator: Calculator, values: dict[str, Any], shown: dict[str, str]
) -> str:
    female = values["sex"] == "female"
    pronouns = {"He": "She", "he": "she", "His": "Her", "his": "her"} if female else {}
    pronouns = {key: pronouns.get(key, key) for key in ("He", "he", "His", "his")}
    person = "woman" if female else "man"
    complaint = _COMPLAINTS.get(calculator.id) or _OTHER_COMPLAINTS[int(rng.integers(len(_OTHER_COMPLAINTS)))]
    setting = _SETTINGS[int(rng.integers(len(_SETTINGS)))]
    history = [_PAST_HISTORY[i] for i in sorted(rng.choice(len(_PAST_HISTORY), size=2, replace=False))]
    age = f"{values['age']:.0f}"
    article = "An" if age.startswith("8") or age in ("11", "18") else "A"
    shown.pop("age")
    sentences = [
        f"{article} {age}-year-old {person} presented to {setting} with {complaint}.",
        f"{pronouns['His']} past history includes {history[0]} and {history[1]}.",
    ]
    findings = []
    for name in calculator.inputs:
        item = INPUTS[name]
        if isinstance(item, Flag):
            findings.append(item.present if values[name] else item.absent)
        elif isinstance(item, Choice):
            findings.append(item.options[values[name] - item.first])
    sentences += [finding.format(**pronouns) for finding in findings]
    body = [shown.pop(name) for name in ("weight", "height") if name in shown]
    if body:
        sentences.append(f"On examination: {', '.join(body)}.")
        if "weight" in values and rng.random() < 0.5:  # an older weight, a value not to use
            change = float(rng.uniform(0.06, 0.15)) * (1 if rng.random() < 0.5 else -1)
            old = values["weight"] * (1 + change) / LB.factor
            sentences.append(f"A year earlier, at a clinic visit, {pronouns['he']} weighed {old:.0f} lb.")
    vitals = [shown.pop(name) for name in list(shown) if _kind(name) == "vital"]
    if vitals:
        sentences.append(f"{pronouns['His']} vital signs were: {', '.join(vitals)}.")
    if "qt" in shown:
        sentences.append(f"An ECG showed sinus rhythm with a {shown.pop('qt')}.")
    labs = [shown.pop(name) for name in list(shown)]
    if labs:
        sentences.append(f"Laboratory studies showed {', '.join(labs)}.")
    sentences.append("The team discussed the plan with the patient and the family.")
    return " ".join(sentences)


def _kind(name: str) -> str:
    return "vital" if name == "blood_pressure" else INPUTS[name].kind
