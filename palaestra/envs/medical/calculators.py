"""Clinical calculators with their published formulas: each in one place, its inputs, formula and output.

The same ``Calculator`` gives a generated note's ground truth and the expert's answer. Inputs are
named facts of a patient (``INPUTS``), in canonical units; a note may show a quantity in another
unit (pounds, µmol/L, °F), and the value it shows, converted back, is what the formula takes.

>>> CALCULATORS["bmi"].compute({"weight": 70.0, "height": 175.0})
22.857142857142858
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Values = Mapping[str, Any]  # input name -> value in the canonical unit (a flag is a bool, a choice an int)


@dataclass(frozen=True)
class Unit:
    """A unit a note may write a quantity in: ``canonical = shown * factor`` (plus ``offset``)."""

    symbol: str
    factor: float = 1.0
    decimals: int = 0
    offset: float = 0.0
    label: str | None = None  # the quantity's name when written in this unit ("urea" for BUN in mmol/L)

    def to_canonical(self, shown: float) -> float:
        return shown * self.factor + self.offset

    def from_canonical(self, value: float) -> float:
        return round((value - self.offset) / self.factor, self.decimals)


@dataclass(frozen=True)
class Quantity:
    """A measured value: the first of ``units`` is canonical; draws are uniform in [low, high]."""

    name: str
    label: str
    units: tuple[Unit, ...]
    low: float
    high: float
    kind: str = "lab"  # where a note says it: "vital", "body", "lab" or "ecg"


@dataclass(frozen=True)
class Flag:
    """A yes/no finding, with the sentence a note says it in either way (``{He}``, ``{his}``: pronouns)."""

    name: str
    present: str
    absent: str
    chance: float = 0.4


@dataclass(frozen=True)
class Choice:
    """One of several graded findings: ``options[i]`` is the sentence of the level worth ``first + i``."""

    name: str
    options: tuple[str, ...]
    first: int = 0


Input = Quantity | Flag | Choice


@dataclass(frozen=True)
class Calculator:
    """A clinical score or value.

    ``inputs`` name facts of ``INPUTS`` (``age`` and ``sex``, always in a note, need not be listed);
    ``formula`` maps their canonical values to the result. ``exact`` results (scores) must be
    matched exactly; the others within 5% (MedCalc-Bench's rule). ``thresholds`` are cut-offs the
    formula compares an input with: generated values keep away from them, so that a value shown in
    another unit and rounded cannot fall on the other side. ``ranges`` narrow an input's draws
    where the formula is only meaningful there.
    """

    id: str
    name: str
    aliases: tuple[str, ...]  # how an answer may name it ("BMI = 25")
    unit: str | None  # the result's unit, as the question asks for it; None for a score
    exact: bool
    inputs: tuple[str, ...]
    formula: Callable[[Values], float]
    reference: str
    thresholds: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def compute(self, values: Values) -> float:
        return float(self.formula(values))

    def question(self) -> str:
        unit = f" in {self.unit}" if self.unit else ""
        return f"What is the patient's {self.name}{unit}?"


# -- units -------------------------------------------------------------------------------------------
KG, LB = Unit("kg", 1.0, 1), Unit("lb", 0.45359237, 1)
MG_DL = "mg/dL"


def _mmol(factor: float, decimals: int = 1, label: str | None = None) -> Unit:
    return Unit("mmol/L", factor, decimals, label=label)


_INPUTS: tuple[Input, ...] = (
    Quantity("age", "age", (Unit("years"),), 18, 90),
    Quantity("weight", "weight", (KG, LB), 45, 130, "body"),
    Quantity("height", "height", (Unit("cm"), Unit("m", 100.0, 2), Unit("in", 2.54, 1)), 152, 195, "body"),
    Quantity("sbp", "systolic blood pressure", (Unit("mmHg"),), 85, 200, "vital"),
    Quantity("dbp", "diastolic blood pressure", (Unit("mmHg"),), 45, 115, "vital"),
    Quantity("heart_rate", "heart rate", (Unit("beats per minute"),), 45, 140, "vital"),
    Quantity("resp_rate", "respiratory rate", (Unit("breaths per minute"),), 10, 36, "vital"),
    Quantity(
        "temperature",
        "temperature",
        (Unit("°C", 1.0, 1), Unit("°F", 5 / 9, 1, -32 * 5 / 9)),
        35.0,
        40.0,
        "vital",
    ),
    Quantity("spo2", "oxygen saturation", (Unit("%"),), 85, 100, "vital"),
    Quantity("sodium", "sodium", (Unit("mmol/L"), Unit("mEq/L")), 122, 156),
    Quantity("potassium", "potassium", (Unit("mmol/L", 1.0, 1), Unit("mEq/L", 1.0, 1)), 3.0, 6.0),
    Quantity("chloride", "chloride", (Unit("mmol/L"), Unit("mEq/L")), 88, 114),
    Quantity("bicarbonate", "bicarbonate", (Unit("mmol/L"), Unit("mEq/L")), 10, 32),
    Quantity("bun", "blood urea nitrogen", (Unit(MG_DL), _mmol(2.8, 1, "urea")), 6, 80),
    Quantity("creatinine", "creatinine", (Unit(MG_DL, 1.0, 2), Unit("µmol/L", 1 / 88.4)), 0.5, 6.0),
    Quantity("glucose", "glucose", (Unit(MG_DL), _mmol(18.0)), 70, 600),
    Quantity("albumin", "albumin", (Unit("g/dL", 1.0, 1), Unit("g/L", 0.1)), 1.8, 5.0),
    Quantity("calcium", "calcium", (Unit(MG_DL, 1.0, 1), _mmol(4.008, 2)), 6.5, 11.5),
    Quantity("bilirubin", "total bilirubin", (Unit(MG_DL, 1.0, 1), Unit("µmol/L", 1 / 17.1)), 0.3, 12.0),
    Quantity("inr", "INR", (Unit("", 1.0, 1),), 0.9, 4.0),
    Quantity("platelets", "platelet count", (Unit("×10^9/L"), Unit("×10^3/µL")), 40, 450),
    Quantity("wbc", "white blood cell count", (Unit("×10^9/L", 1.0, 1), Unit("×10^3/µL", 1.0, 1)), 2.0, 25.0),
    Quantity("ast", "AST", (Unit("U/L"),), 12, 300),
    Quantity("alt", "ALT", (Unit("U/L"),), 10, 300),
    Quantity("qt", "QT interval", (Unit("msec"),), 320, 520, "ecg"),
    Quantity("cholesterol", "total cholesterol", (Unit(MG_DL), _mmol(38.67, 2)), 130, 320),
    Quantity("hdl", "HDL cholesterol", (Unit(MG_DL), _mmol(38.67, 2)), 25, 90),
    Quantity("triglycerides", "triglycerides", (Unit(MG_DL), _mmol(88.57, 2)), 50, 390),
    Flag("chf", "{He} has a history of congestive heart failure.", "{He} has no history of heart failure."),
    Flag("hypertension", "{He} has treated hypertension.", "{He} has no history of hypertension."),
    Flag("diabetes", "{He} has type 2 diabetes mellitus.", "{He} does not have diabetes."),
    Flag("stroke", "{He} had an ischemic stroke two years ago.", "{He} has never had a stroke or TIA."),
    Flag("vascular", "{He} had a myocardial infarction in the past.", "{He} has no known vascular disease."),
    Flag("confusion", "{He} is confused and disoriented.", "{He} is alert and fully oriented."),
    Flag("renal", "{He} has end-stage renal disease on hemodialysis.", "{He} has no kidney disease."),
    Flag("liver", "{He} has alcoholic cirrhosis.", "{He} has no known liver disease."),
    Flag("bleeding", "{He} had a major bleed last year.", "{He} has never had a major bleed."),
    Flag(
        "labile_inr", "{His} INRs on warfarin have been labile.", "{His} INRs on warfarin have been stable."
    ),
    Flag("antiplatelet", "{He} takes aspirin daily.", "{He} takes no antiplatelet drugs or NSAIDs."),
    Flag("alcohol", "{He} drinks about ten alcoholic drinks a week.", "{He} does not drink alcohol."),
    Flag("dvt_signs", "The left calf is swollen and tender.", "There is no leg swelling or tenderness."),
    Flag("pe_likely", "PE is judged the most likely diagnosis.", "Pneumonia is judged more likely than PE."),
    Flag("immobilized", "{He} had hip surgery three weeks ago.", "{He} has had no recent surgery."),
    Flag("prior_vte", "{He} had a deep vein thrombosis before.", "{He} never had a venous thrombosis."),
    Flag("hemoptysis", "{He} has been coughing up blood.", "{He} denies hemoptysis."),
    Flag("malignancy", "{He} is on chemotherapy for colon cancer.", "{He} has no active cancer."),
    Flag("exudate", "The tonsils are swollen with exudate.", "The tonsils are normal, without exudate."),
    Flag("nodes", "The anterior cervical nodes are tender.", "There is no cervical lymphadenopathy."),
    Flag("cough", "{He} reports a cough.", "{He} reports no cough."),
    Choice(
        "eye",
        (
            "{He} does not open {his} eyes.",
            "{He} opens {his} eyes only to pain.",
            "{He} opens {his} eyes to voice.",
            "{His} eyes are open spontaneously.",
        ),
        first=1,
    ),
    Choice(
        "verbal",
        (
            "{He} makes no sounds.",
            "{He} makes only incomprehensible sounds.",
            "{He} says inappropriate words.",
            "{His} speech is confused.",
            "{He} is oriented in conversation.",
        ),
        first=1,
    ),
    Choice(
        "motor",
        (
            "{He} has no motor response.",
            "{He} shows extension to pain.",
            "{He} shows abnormal flexion to pain.",
            "{He} withdraws from pain.",
            "{He} localizes pain.",
            "{He} obeys commands.",
        ),
        first=1,
    ),
    Choice(
        "history",
        (
            "The chest pain is judged slightly suspicious for an acute coronary syndrome.",
            "The chest pain is judged moderately suspicious for an acute coronary syndrome.",
            "The chest pain is judged highly suspicious for an acute coronary syndrome.",
        ),
    ),
    Choice(
        "ecg",
        (
            "The ECG is normal.",
            "The ECG shows nonspecific repolarization changes.",
            "The ECG shows significant ST depression.",
        ),
    ),
    Choice(
        "risk_factors",
        (
            "{He} has no cardiac risk factors.",
            "{His} cardiac risk factors are hypertension and current smoking.",
            "{He} has known coronary artery disease with a prior stent.",
        ),
    ),
    Choice(
        "troponin",
        (
            "The initial troponin is within the normal limit.",
            "The initial troponin is twice the upper limit of normal.",
            "The initial troponin is five times the upper limit of normal.",
        ),
    ),
    Choice(
        "ascites",
        ("There is no ascites.", "There is slight ascites.", "There is moderate ascites."),
        first=1,
    ),
    Choice(
        "encephalopathy",
        (
            "There is no encephalopathy.",
            "There is grade 1 to 2 hepatic encephalopathy.",
            "There is grade 3 to 4 hepatic encephalopathy.",
        ),
        first=1,
    ),
)
INPUTS: dict[str, Input] = {item.name: item for item in _INPUTS}


# -- formulas ----------------------------------------------------------------------------------------
def _female(v: Values) -> bool:
    return v["sex"] == "female"


def _ibw(v: Values) -> float:
    """Devine: 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over 5 feet."""
    return (45.5 if _female(v) else 50.0) + 2.3 * (v["height"] / 2.54 - 60)


def _rr_seconds(v: Values) -> float:
    return 60.0 / v["heart_rate"]


def _ckd_epi_2021(v: Values) -> float:
    kappa, alpha = (0.7, -0.241) if _female(v) else (0.9, -0.302)
    ratio = v["creatinine"] / kappa
    egfr = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938 ** v["age"]
    return egfr * (1.012 if _female(v) else 1.0)


def _meld_na(v: Values) -> float:
    """UNOS 2016: MELD(i) from bounded creatinine, bilirubin and INR, then the sodium term above 11."""
    creatinine = 4.0 if v["renal"] else min(max(v["creatinine"], 1.0), 4.0)
    bilirubin, inr = max(v["bilirubin"], 1.0), max(v["inr"], 1.0)
    meld = 0.957 * math.log(creatinine) + 0.378 * math.log(bilirubin) + 1.120 * math.log(inr) + 0.643
    meld = round(meld, 1) * 10
    if meld > 11:
        sodium = min(max(v["sodium"], 125), 137)
        meld = meld + 1.32 * (137 - sodium) - 0.033 * meld * (137 - sodium)
    return math.floor(meld + 0.5)


def _heart(v: Values) -> int:
    age = 0 if v["age"] < 45 else 1 if v["age"] < 65 else 2
    return v["history"] + v["ecg"] + age + v["risk_factors"] + v["troponin"]


def _child_pugh(v: Values) -> int:
    bilirubin = 1 if v["bilirubin"] < 2 else 2 if v["bilirubin"] <= 3 else 3
    albumin = 1 if v["albumin"] > 3.5 else 2 if v["albumin"] >= 2.8 else 3
    inr = 1 if v["inr"] < 1.7 else 2 if v["inr"] <= 2.3 else 3
    return bilirubin + albumin + inr + v["ascites"] + v["encephalopathy"]


def _sirs(v: Values) -> int:
    return (
        (v["temperature"] > 38 or v["temperature"] < 36)
        + (v["heart_rate"] > 90)
        + (v["resp_rate"] > 20)
        + (v["wbc"] > 12 or v["wbc"] < 4)
    )


def _centor(v: Values) -> int:
    """McIsaac's modification: age 3-14 +1, 15-44 0, 45 or over -1."""
    age = 1 if v["age"] < 15 else 0 if v["age"] < 45 else -1
    return age + v["exudate"] + v["nodes"] + (v["temperature"] > 38) + (not v["cough"])


def _free_water_deficit(v: Values) -> float:
    """Total body water fraction: 0.6 men, 0.5 women; 0.5 and 0.45 from 65 years on."""
    elderly = v["age"] >= 65
    fraction = (0.45 if elderly else 0.5) if _female(v) else (0.5 if elderly else 0.6)
    return fraction * v["weight"] * (v["sodium"] / 140 - 1)


def _maintenance_fluids(v: Values) -> float:
    """Holliday-Segar's 4-2-1 rule, mL/hr."""
    w = v["weight"]
    return 4 * w if w <= 10 else 40 + 2 * (w - 10) if w <= 20 else 60 + (w - 20)


_CALCULATORS: tuple[Calculator, ...] = (
    Calculator(
        "bmi",
        "body mass index (BMI)",
        ("body mass index", "bmi"),
        "kg/m^2",
        False,
        ("weight", "height"),
        lambda v: v["weight"] / (v["height"] / 100) ** 2,
        "Quetelet: weight / height^2",
    ),
    Calculator(
        "map",
        "mean arterial pressure (MAP)",
        ("mean arterial pressure", "map"),
        "mmHg",
        False,
        ("sbp", "dbp"),
        lambda v: (2 * v["dbp"] + v["sbp"]) / 3,
        "MAP = (2 x DBP + SBP) / 3",
    ),
    Calculator(
        "anion_gap",
        "anion gap",
        ("anion gap", "ag"),
        "mEq/L",
        False,
        ("sodium", "chloride", "bicarbonate"),
        lambda v: v["sodium"] - (v["chloride"] + v["bicarbonate"]),
        "AG = Na - (Cl + HCO3)",
    ),
    Calculator(
        "albumin_corrected_anion_gap",
        "albumin-corrected anion gap",
        ("albumin-corrected anion gap", "corrected anion gap", "anion gap"),
        "mEq/L",
        False,
        ("sodium", "chloride", "bicarbonate", "albumin"),
        lambda v: v["sodium"] - (v["chloride"] + v["bicarbonate"]) + 2.5 * (4 - v["albumin"]),
        "Figge 1998: AG + 2.5 x (4 - albumin g/dL)",
    ),
    Calculator(
        "corrected_calcium",
        "albumin-corrected calcium",
        ("corrected calcium", "calcium"),
        MG_DL,
        False,
        ("calcium", "albumin"),
        lambda v: v["calcium"] + 0.8 * (4 - v["albumin"]),
        "Payne 1973: Ca + 0.8 x (4 - albumin g/dL), normal albumin 4 g/dL",
    ),
    Calculator(
        "cockcroft_gault",
        "creatinine clearance by the Cockcroft-Gault equation (actual body weight)",
        ("creatinine clearance", "crcl", "cockcroft-gault"),
        "mL/min",
        False,
        ("weight", "creatinine"),
        lambda v: (140 - v["age"]) * v["weight"] * (0.85 if _female(v) else 1) / (72 * v["creatinine"]),
        "Cockcroft & Gault 1976: (140 - age) x weight / (72 x Cr) x 0.85 if female",
    ),
    Calculator(
        "ckd_epi_2021",
        "eGFR by the 2021 CKD-EPI creatinine equation",
        ("egfr", "ckd-epi", "gfr"),
        "mL/min/1.73 m^2",
        False,
        ("creatinine",),
        _ckd_epi_2021,
        "Inker 2021 (race-free): 142 x min(Scr/k,1)^a x max(Scr/k,1)^-1.2 x 0.9938^age x 1.012 if female",
    ),
    Calculator(
        "meld_na",
        "MELD-Na score",
        ("meld-na", "meld na", "meld"),
        None,
        True,
        ("creatinine", "bilirubin", "inr", "sodium", "renal"),
        _meld_na,
        "UNOS 2016: MELD(i) = 0.957 ln Cr + 0.378 ln bili + 1.12 ln INR + 0.643 (x10), + 1.32(137-Na) "
        "- 0.033 MELD(i)(137-Na) when MELD(i) > 11; values under 1 set to 1, Cr capped at 4 (4 on dialysis)",
        thresholds={"sodium": (125, 137)},
        ranges={"creatinine": (0.6, 4.5), "bilirubin": (0.5, 10.0), "inr": (1.0, 3.5)},
    ),
    Calculator(
        "cha2ds2_vasc",
        "CHA2DS2-VASc score",
        ("cha2ds2-vasc", "cha2ds2vasc"),
        None,
        True,
        ("chf", "hypertension", "diabetes", "stroke", "vascular"),
        lambda v: (
            v["chf"]
            + v["hypertension"]
            + 2 * (v["age"] >= 75)
            + v["diabetes"]
            + 2 * v["stroke"]
            + v["vascular"]
            + (65 <= v["age"] < 75)
            + _female(v)
        ),
        "Lip 2010: CHF 1, hypertension 1, age >= 75 2, diabetes 1, stroke/TIA 2, vascular 1, 65-74 1, "
        "female 1",
    ),
    Calculator(
        "has_bled",
        "HAS-BLED score",
        ("has-bled", "hasbled"),
        None,
        True,
        ("sbp", "renal", "liver", "stroke", "bleeding", "labile_inr", "antiplatelet", "alcohol"),
        lambda v: (
            (v["sbp"] > 160)
            + v["renal"]
            + v["liver"]
            + v["stroke"]
            + v["bleeding"]
            + v["labile_inr"]
            + (v["age"] > 65)
            + v["antiplatelet"]
            + v["alcohol"]
        ),
        "Pisters 2010: uncontrolled hypertension (SBP > 160), renal, liver, stroke, bleeding, labile INR, "
        "age > 65, drugs, alcohol: 1 each",
        thresholds={"sbp": (160,), "age": (65,)},
    ),
    Calculator(
        "wells_pe",
        "Wells' criteria score for pulmonary embolism",
        ("wells", "wells score"),
        None,
        True,
        ("dvt_signs", "pe_likely", "heart_rate", "immobilized", "prior_vte", "hemoptysis", "malignancy"),
        lambda v: (
            3 * v["dvt_signs"]
            + 3 * v["pe_likely"]
            + 1.5 * (v["heart_rate"] > 100)
            + 1.5 * v["immobilized"]
            + 1.5 * v["prior_vte"]
            + v["hemoptysis"]
            + v["malignancy"]
        ),
        "Wells 2000: DVT signs 3, PE most likely 3, HR > 100 1.5, immobilization/surgery 1.5, prior VTE 1.5, "
        "hemoptysis 1, malignancy 1",
        thresholds={"heart_rate": (100,)},
    ),
    Calculator(
        "curb_65",
        "CURB-65 score",
        ("curb-65", "curb65", "curb"),
        None,
        True,
        ("confusion", "bun", "resp_rate", "sbp", "dbp"),
        lambda v: (
            v["confusion"]
            + (v["bun"] > 19)
            + (v["resp_rate"] >= 30)
            + (v["sbp"] < 90 or v["dbp"] <= 60)
            + (v["age"] >= 65)
        ),
        "Lim 2003: confusion, BUN > 19 mg/dL (urea > 7 mmol/L), RR >= 30, SBP < 90 or DBP <= 60, age >= 65",
        thresholds={"bun": (19,), "resp_rate": (30,), "sbp": (90,), "dbp": (60,), "age": (65,)},
    ),
    Calculator(
        "qsofa",
        "qSOFA score",
        ("qsofa",),
        None,
        True,
        ("resp_rate", "sbp", "confusion"),
        lambda v: (v["resp_rate"] >= 22) + (v["sbp"] <= 100) + v["confusion"],
        "Seymour 2016: RR >= 22, altered mentation, SBP <= 100",
        thresholds={"resp_rate": (22,), "sbp": (100,)},
    ),
    Calculator(
        "qtc_bazett",
        "corrected QT interval by Bazett's formula",
        ("qtc", "bazett"),
        "msec",
        False,
        ("qt", "heart_rate"),
        lambda v: v["qt"] / math.sqrt(_rr_seconds(v)),
        "Bazett 1920: QT / sqrt(RR)",
    ),
    Calculator(
        "qtc_fridericia",
        "corrected QT interval by Fridericia's formula",
        ("qtc", "fridericia"),
        "msec",
        False,
        ("qt", "heart_rate"),
        lambda v: v["qt"] / _rr_seconds(v) ** (1 / 3),
        "Fridericia 1920: QT / RR^(1/3)",
    ),
    Calculator(
        "qtc_framingham",
        "corrected QT interval by the Framingham formula",
        ("qtc", "framingham"),
        "msec",
        False,
        ("qt", "heart_rate"),
        lambda v: v["qt"] + 154 * (1 - _rr_seconds(v)),
        "Sagie 1992: QT + 154 x (1 - RR)",
    ),
    Calculator(
        "qtc_hodges",
        "corrected QT interval by the Hodges formula",
        ("qtc", "hodges"),
        "msec",
        False,
        ("qt", "heart_rate"),
        lambda v: v["qt"] + 1.75 * (v["heart_rate"] - 60),
        "Hodges 1983: QT + 1.75 x (HR - 60)",
    ),
    Calculator(
        "gcs",
        "Glasgow Coma Scale score",
        ("glasgow coma scale", "gcs"),
        None,
        True,
        ("eye", "verbal", "motor"),
        lambda v: v["eye"] + v["verbal"] + v["motor"],
        "Teasdale 1974: eye 1-4 + verbal 1-5 + motor 1-6",
    ),
    Calculator(
        "heart",
        "HEART score for major cardiac events",
        ("heart score", "heart"),
        None,
        True,
        ("history", "ecg", "risk_factors", "troponin"),
        _heart,
        "Six 2008: history, ECG, age (< 45 0, 45-64 1, >= 65 2), risk factors, troponin: 0-2 each",
        thresholds={"age": (45, 65)},
    ),
    Calculator(
        "child_pugh",
        "Child-Pugh score",
        ("child-pugh", "child pugh"),
        None,
        True,
        ("bilirubin", "albumin", "inr", "ascites", "encephalopathy"),
        _child_pugh,
        "Pugh 1973: bilirubin (< 2, 2-3, > 3 mg/dL), albumin (> 3.5, 2.8-3.5, < 2.8 g/dL), INR (< 1.7, "
        "1.7-2.3, > 2.3), ascites, encephalopathy: 1-3 each",
        thresholds={"bilirubin": (2, 3), "albumin": (2.8, 3.5), "inr": (1.7, 2.3)},
    ),
    Calculator(
        "sirs",
        "number of SIRS criteria met",
        ("sirs", "sirs criteria"),
        None,
        True,
        ("temperature", "heart_rate", "resp_rate", "wbc"),
        _sirs,
        "Bone 1992: temperature > 38 or < 36 °C, HR > 90, RR > 20, WBC > 12 or < 4 x10^9/L",
        thresholds={"temperature": (36, 38), "heart_rate": (90,), "resp_rate": (20,), "wbc": (4, 12)},
    ),
    Calculator(
        "centor",
        "modified Centor (McIsaac) score",
        ("centor", "mcisaac"),
        None,
        True,
        ("temperature", "exudate", "nodes", "cough"),
        _centor,
        "McIsaac 1998: age (3-14 +1, >= 45 -1), exudate or swelling, tender nodes, temperature > 38 °C, "
        "no cough",
        thresholds={"temperature": (38,), "age": (45,)},
    ),
    Calculator(
        "fib4",
        "Fibrosis-4 (FIB-4) index",
        ("fib-4", "fib4"),
        None,
        False,
        ("ast", "alt", "platelets"),
        lambda v: v["age"] * v["ast"] / (v["platelets"] * math.sqrt(v["alt"])),
        "Sterling 2006: age x AST / (platelets x sqrt(ALT))",
    ),
    Calculator(
        "serum_osmolality",
        "calculated serum osmolality",
        ("serum osmolality", "osmolality", "osm"),
        "mOsm/kg",
        False,
        ("sodium", "bun", "glucose"),
        lambda v: 2 * v["sodium"] + v["bun"] / 2.8 + v["glucose"] / 18,
        "2 x Na + BUN / 2.8 + glucose / 18",
    ),
    Calculator(
        "sodium_correction",
        "sodium corrected for hyperglycemia (Katz)",
        ("corrected sodium", "sodium"),
        "mEq/L",
        False,
        ("sodium", "glucose"),
        lambda v: v["sodium"] + 0.016 * (v["glucose"] - 100),
        "Katz 1973: Na + 1.6 x (glucose - 100) / 100",
        ranges={"glucose": (150, 900)},
    ),
    Calculator(
        "free_water_deficit",
        "free water deficit",
        ("free water deficit", "fwd"),
        "L",
        False,
        ("weight", "sodium"),
        _free_water_deficit,
        "TBW x (Na / 140 - 1); TBW = weight x 0.6 (men), 0.5 (women), 0.5 / 0.45 from 65 years",
        thresholds={"age": (65,)},
        ranges={"sodium": (146, 170)},
    ),
    Calculator(
        "ldl_friedewald",
        "LDL cholesterol by the Friedewald equation",
        ("ldl", "ldl cholesterol"),
        MG_DL,
        False,
        ("cholesterol", "hdl", "triglycerides"),
        lambda v: v["cholesterol"] - v["hdl"] - v["triglycerides"] / 5,
        "Friedewald 1972: TC - HDL - TG / 5",
        ranges={"cholesterol": (180, 320)},
    ),
    Calculator(
        "ideal_body_weight",
        "ideal body weight by the Devine formula",
        ("ideal body weight", "ibw"),
        "kg",
        False,
        ("height",),
        _ibw,
        "Devine 1974: 50 kg (men) / 45.5 kg (women) + 2.3 kg per inch over 60 in",
    ),
    Calculator(
        "adjusted_body_weight",
        "adjusted body weight",
        ("adjusted body weight", "abw", "adjbw"),
        "kg",
        False,
        ("weight", "height"),
        lambda v: _ibw(v) + 0.4 * (v["weight"] - _ibw(v)),
        "IBW + 0.4 x (weight - IBW)",
    ),
    Calculator(
        "bsa_mosteller",
        "body surface area by the Mosteller formula",
        ("body surface area", "bsa"),
        "m^2",
        False,
        ("weight", "height"),
        lambda v: math.sqrt(v["height"] * v["weight"] / 3600),
        "Mosteller 1987: sqrt(height cm x weight kg / 3600)",
    ),
    Calculator(
        "maintenance_fluids",
        "maintenance fluid rate by the 4-2-1 rule",
        ("maintenance fluids", "fluid rate"),
        "mL/hr",
        False,
        ("weight",),
        _maintenance_fluids,
        "Holliday-Segar 1957: 4/2/1 mL/kg/hr",
    ),
)
CALCULATORS: dict[str, Calculator] = {calculator.id: calculator for calculator in _CALCULATORS}
