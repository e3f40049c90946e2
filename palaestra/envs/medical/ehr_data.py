"""A generated EHR database in a MIMIC-III-like schema, and the template questions asked of it.

``generate_database(rng, patients)`` builds one hospital's records in an in-memory SQLite database:
patients, their admissions, ICD-9 diagnoses, laboratory events (MIMIC's lab ``itemid``s, units and
plausible values) and prescriptions, with time stamps shifted into the 22nd century as MIMIC's are.
``draw_question(rng, db)`` picks a template (counts, first and last values, time windows, joins, and
questions whose query finds nothing) and fills it from the database; the answer is what its SQL
returns when the env runs it, never a value the generator remembers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from palaestra.envs.medical.ehr_grading import ExpectedAnswer, expected_from_rows

SCHEMA = """
CREATE TABLE patients (subject_id INTEGER PRIMARY KEY, gender TEXT, dob TEXT, dod TEXT);
CREATE TABLE admissions (hadm_id INTEGER PRIMARY KEY, subject_id INTEGER, admittime TEXT,
    dischtime TEXT, admission_type TEXT, insurance TEXT, age INTEGER);
CREATE TABLE d_icd_diagnoses (icd9_code TEXT PRIMARY KEY, short_title TEXT, long_title TEXT);
CREATE TABLE diagnoses_icd (row_id INTEGER PRIMARY KEY, subject_id INTEGER, hadm_id INTEGER,
    icd9_code TEXT, charttime TEXT);
CREATE TABLE d_labitems (itemid INTEGER PRIMARY KEY, label TEXT, fluid TEXT);
CREATE TABLE labevents (row_id INTEGER PRIMARY KEY, subject_id INTEGER, hadm_id INTEGER, itemid INTEGER,
    charttime TEXT, valuenum REAL, valueuom TEXT);
CREATE TABLE prescriptions (row_id INTEGER PRIMARY KEY, subject_id INTEGER, hadm_id INTEGER,
    startdate TEXT, enddate TEXT, drug TEXT, dose_val_rx TEXT, dose_unit_rx TEXT, route TEXT);
"""
TABLES = (
    "patients",
    "admissions",
    "d_icd_diagnoses",
    "diagnoses_icd",
    "d_labitems",
    "labevents",
    "prescriptions",
)

# ICD-9-CM diagnosis codes common in MIMIC-III: code, short title, long title.
DIAGNOSES: tuple[tuple[str, str, str], ...] = (
    ("4019", "hypertension nos", "Unspecified essential hypertension"),
    ("4280", "chf nos", "Congestive heart failure, unspecified"),
    ("42731", "atrial fibrillation", "Atrial fibrillation"),
    ("41401", "crnry athrscl natve vssl", "Coronary atherosclerosis of native coronary artery"),
    ("5849", "acute kidney failure nos", "Acute kidney failure, unspecified"),
    ("25000", "dmii wo cmp nt st uncntr", "Diabetes mellitus without mention of complication, type II"),
    ("2724", "hyperlipidemia nec/nos", "Other and unspecified hyperlipidemia"),
    ("51881", "acute respiratry failure", "Acute respiratory failure"),
    ("5990", "urin tract infection nos", "Urinary tract infection, site not specified"),
    ("486", "pneumonia, organism nos", "Pneumonia, organism unspecified"),
    ("0389", "septicemia nos", "Unspecified septicemia"),
    ("2449", "hypothyroidism nos", "Unspecified acquired hypothyroidism"),
    ("53081", "esophageal reflux", "Esophageal reflux"),
    ("2859", "anemia nos", "Anemia, unspecified"),
    ("496", "chr airway obstruct nec", "Chronic airway obstruction, not elsewhere classified"),
    ("2762", "acidosis", "Acidosis"),
)


@dataclass(frozen=True)
class LabItem:
    itemid: int
    label: str
    fluid: str
    unit: str
    mean: float
    spread: float
    decimals: int


# MIMIC-III lab item ids with their units; values drawn around typical inpatient levels.
LAB_ITEMS: tuple[LabItem, ...] = (
    LabItem(50912, "creatinine", "blood", "mg/dL", 1.3, 0.6, 1),
    LabItem(50971, "potassium", "blood", "mEq/L", 4.2, 0.5, 1),
    LabItem(50983, "sodium", "blood", "mEq/L", 139.0, 4.0, 0),
    LabItem(50931, "glucose", "blood", "mg/dL", 128.0, 35.0, 0),
    LabItem(51222, "hemoglobin", "blood", "g/dL", 10.8, 1.8, 1),
    LabItem(51301, "white blood cells", "blood", "K/uL", 9.5, 3.5, 1),
    LabItem(51265, "platelet count", "blood", "K/uL", 215.0, 70.0, 0),
    LabItem(51006, "urea nitrogen", "blood", "mg/dL", 24.0, 12.0, 0),
    LabItem(50882, "bicarbonate", "blood", "mEq/L", 24.0, 3.5, 0),
    LabItem(50813, "lactate", "blood", "mmol/L", 1.8, 0.9, 1),
)

# Drugs as MIMIC-III's prescriptions write them: name, dose, unit, route.
DRUGS: tuple[tuple[str, str, str, str], ...] = (
    ("metoprolol tartrate", "25", "mg", "po"),
    ("furosemide", "40", "mg", "iv"),
    ("heparin", "5000", "unit", "sc"),
    ("insulin", "0", "unit", "sc"),
    ("vancomycin", "1000", "mg", "iv"),
    ("acetaminophen", "650", "mg", "po"),
    ("pantoprazole", "40", "mg", "po"),
    ("aspirin", "81", "mg", "po"),
    ("atorvastatin", "40", "mg", "po"),
    ("potassium chloride", "20", "meq", "po"),
    ("lisinopril", "10", "mg", "po"),
    ("docusate sodium", "100", "mg", "po"),
)
ADMISSION_TYPES = ("emergency", "elective", "urgent")
INSURANCES = ("medicare", "private", "medicaid", "government", "self pay")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _time(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def _choice(rng: np.random.Generator, items: tuple) -> object:
    return items[int(rng.integers(len(items)))]


def generate_database(rng: np.random.Generator, patients: int) -> sqlite3.Connection:
    """One hospital's records for ``patients`` patients, drawn from ``rng``, in a fresh in-memory db."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO d_icd_diagnoses VALUES (?, ?, ?)", DIAGNOSES)
    db.executemany(
        "INSERT INTO d_labitems VALUES (?, ?, ?)", [(i.itemid, i.label, i.fluid) for i in LAB_ITEMS]
    )
    subject_ids = sorted(int(s) for s in rng.choice(np.arange(10_000, 99_999), size=patients, replace=False))
    hadm_id = int(rng.integers(100_000, 190_000))
    for subject_id in subject_ids:
        age = int(rng.integers(22, 90))
        first = datetime(2100, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 80)))
        dob = first.replace(hour=0, minute=0, second=0) - timedelta(
            days=365 * age + int(rng.integers(0, 365))
        )
        moment = first + timedelta(minutes=int(rng.integers(0, 24 * 60)))
        admissions = int(rng.integers(1, 4))
        gender = "m" if rng.random() < 0.5 else "f"
        dod = None
        for number in range(admissions):
            hadm_id += int(rng.integers(1, 400))
            admit = moment
            discharge = admit + timedelta(hours=int(rng.integers(20, 24 * 12)))
            db.execute(
                "INSERT INTO admissions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    hadm_id,
                    subject_id,
                    _time(admit),
                    _time(discharge),
                    _choice(rng, ADMISSION_TYPES),
                    _choice(rng, INSURANCES),
                    age + (admit - first).days // 365,
                ),
            )
            _admission_records(db, rng, subject_id, hadm_id, admit, discharge)
            if number == admissions - 1 and rng.random() < 0.2:
                dod = _time(
                    discharge.replace(hour=0, minute=0, second=0) + timedelta(days=int(rng.integers(0, 400)))
                )
            moment = discharge + timedelta(
                days=int(rng.integers(30, 900)), minutes=int(rng.integers(0, 1440))
            )
        db.execute("INSERT INTO patients VALUES (?, ?, ?, ?)", (subject_id, gender, _time(dob), dod))
    db.commit()
    return db


def _admission_records(
    db: sqlite3.Connection,
    rng: np.random.Generator,
    subject_id: int,
    hadm_id: int,
    admit: datetime,
    discharge: datetime,
) -> None:
    stay_minutes = int((discharge - admit).total_seconds() // 60)
    for index in rng.choice(len(DIAGNOSES), size=int(rng.integers(1, 6)), replace=False):
        db.execute(
            "INSERT INTO diagnoses_icd (subject_id, hadm_id, icd9_code, charttime) VALUES (?, ?, ?, ?)",
            (subject_id, hadm_id, DIAGNOSES[int(index)][0], _time(admit)),
        )
    for index in rng.choice(len(LAB_ITEMS), size=int(rng.integers(2, 7)), replace=False):
        item = LAB_ITEMS[int(index)]
        # distinct minutes, so "first" and "last" are never ties
        minutes = sorted(
            int(m) for m in rng.choice(stay_minutes, size=int(rng.integers(1, 5)), replace=False)
        )
        for minute in minutes:
            value = max(item.mean + item.spread * float(rng.standard_normal()), item.mean / 10)
            db.execute(
                "INSERT INTO labevents (subject_id, hadm_id, itemid, charttime, valuenum, valueuom) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    subject_id,
                    hadm_id,
                    item.itemid,
                    _time(admit + timedelta(minutes=minute)),
                    round(value, item.decimals),
                    item.unit,
                ),
            )
    for index in rng.choice(len(DRUGS), size=int(rng.integers(1, 6)), replace=False):
        drug, dose, unit, route = DRUGS[int(index)]
        start = admit + timedelta(hours=int(rng.integers(0, max(1, stay_minutes // 60))))
        db.execute(
            "INSERT INTO prescriptions (subject_id, hadm_id, startdate, enddate, drug, dose_val_rx, "
            "dose_unit_rx, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (subject_id, hadm_id, _time(start), _time(discharge), drug, dose, unit, route),
        )


def database_bytes(db: sqlite3.Connection) -> bytes:
    """The database as the bytes of a SQLite file (what the sandbox's work directory gets)."""
    return db.serialize()


def schema_text(db: sqlite3.Connection) -> str:
    """What a ``schema`` tool shows of any SQLite database: each table's columns, row count and a row."""
    lines = []
    tables = [
        row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    ]
    for table in tables:
        name = '"' + table.replace('"', '""') + '"'
        columns = [f"{row[1]} {row[2]}".strip() for row in db.execute(f"PRAGMA table_info({name})")]
        count = db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
        sample = db.execute(f"SELECT * FROM {name} LIMIT 1").fetchone()
        lines.append(f"{table} ({count} rows): {', '.join(columns)}\n  e.g. {sample}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Question:
    """A filled template: its text, the SQL that answers it, whether the answer's order is asked, and
    the decimals the text asks numbers to be rounded to (the SQL gives the exact value)."""

    template: str
    text: str
    sql: str
    ordered: bool = False
    decimals: int | None = None

    def answer(self, db: sqlite3.Connection) -> ExpectedAnswer:
        """The right answer: what ``sql`` returns on ``db``."""
        return expected_from_rows(
            db.execute(self.sql).fetchall(), ordered=self.ordered, decimals=self.decimals
        )


def _rows(db: sqlite3.Connection, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def _patient(rng: np.random.Generator, db: sqlite3.Connection) -> int:
    """A patient id of the database, or (one time in ten) an id no patient has."""
    ids = [row[0] for row in _rows(db, "SELECT subject_id FROM patients ORDER BY subject_id")]
    if rng.random() < 0.1:
        return int(max(ids) + 1 + int(rng.integers(1, 50)))
    return int(_choice(rng, tuple(ids)))


def _admission(rng: np.random.Generator, db: sqlite3.Connection) -> tuple[int, int]:
    rows = _rows(db, "SELECT subject_id, hadm_id FROM admissions ORDER BY hadm_id")
    subject_id, hadm_id = _choice(rng, tuple(rows))
    return int(subject_id), int(hadm_id)


def _lab(rng: np.random.Generator, db: sqlite3.Connection, where: str) -> LabItem:
    """Mostly a lab measured in the records ``where`` selects, so that few answers are none."""
    measured = {row[0] for row in _rows(db, f"SELECT DISTINCT itemid FROM labevents WHERE {where}")}
    pool = tuple(item for item in LAB_ITEMS if item.itemid in measured)
    return _choice(rng, pool if pool and rng.random() < 0.85 else LAB_ITEMS)


def _diagnosis(rng: np.random.Generator, db: sqlite3.Connection, where: str) -> tuple[str, str, str]:
    """Mostly a diagnosis recorded in the records ``where`` selects."""
    recorded = {row[0] for row in _rows(db, f"SELECT DISTINCT icd9_code FROM diagnoses_icd WHERE {where}")}
    pool = tuple(entry for entry in DIAGNOSES if entry[0] in recorded)
    return _choice(rng, pool if pool and rng.random() < 0.85 else DIAGNOSES)


def _count_admissions(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient = _patient(rng, db)
    return Question(
        "count_admissions",
        f"How many hospital admissions does patient {patient} have?",
        f"SELECT COUNT(*) FROM admissions WHERE subject_id = {patient}",
    )


def _first_lab_in_admission(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    lab = _lab(rng, db, f"hadm_id = {hadm}")
    return Question(
        "first_lab_in_admission",
        f"What was the first {lab.label} value ({lab.unit}) of patient {patient} during hospital "
        f"admission {hadm}? Answer none if it was not measured then.",
        f"SELECT valuenum FROM labevents WHERE hadm_id = {hadm} AND itemid = {lab.itemid} "
        "ORDER BY charttime ASC LIMIT 1",
    )


def _last_lab(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient = _patient(rng, db)
    lab = _lab(rng, db, f"subject_id = {patient}")
    return Question(
        "last_lab",
        f"What was the most recent {lab.label} value ({lab.unit}) ever measured for patient {patient}? "
        "Answer none if there is none.",
        f"SELECT valuenum FROM labevents WHERE subject_id = {patient} AND itemid = {lab.itemid} "
        "ORDER BY charttime DESC LIMIT 1",
    )


def _max_lab_in_admission(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    lab = _lab(rng, db, f"hadm_id = {hadm}")
    return Question(
        "max_lab_in_admission",
        f"What was the highest {lab.label} value ({lab.unit}) of patient {patient} during hospital "
        f"admission {hadm}? Answer none if it was not measured then.",
        f"SELECT MAX(valuenum) FROM labevents WHERE hadm_id = {hadm} AND itemid = {lab.itemid}",
    )


def _average_lab(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient = _patient(rng, db)
    lab = _lab(rng, db, f"subject_id = {patient}")
    return Question(
        "average_lab",
        f"What is the average of all {lab.label} values ({lab.unit}) of patient {patient}, over all "
        "admissions, rounded to 2 decimal places? Answer none if there are none.",
        f"SELECT AVG(valuenum) FROM labevents WHERE subject_id = {patient} AND itemid = {lab.itemid}",
        decimals=2,
    )


def _lab_count_in_window(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    lab = _lab(rng, db, f"hadm_id = {hadm}")
    admit, discharge = _rows(db, f"SELECT admittime, dischtime FROM admissions WHERE hadm_id = {hadm}")[0]
    start = datetime.strptime(admit, TIME_FORMAT)
    hours = max(2, int((datetime.strptime(discharge, TIME_FORMAT) - start).total_seconds() // 3600))
    begin = start + timedelta(hours=int(rng.integers(0, hours // 2 + 1)))
    end = begin + timedelta(hours=int(rng.integers(6, hours + 7)))
    return Question(
        "lab_count_in_window",
        f"How many {lab.label} measurements did patient {patient} have from {_time(begin)} to "
        f"{_time(end)} (both included)?",
        f"SELECT COUNT(*) FROM labevents WHERE subject_id = {patient} AND itemid = {lab.itemid} "
        f"AND charttime >= '{_time(begin)}' AND charttime <= '{_time(end)}'",
    )


def _diagnoses_of_admission(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    return Question(
        "diagnoses_of_admission",
        f"Which ICD-9 diagnosis codes were recorded for patient {patient} in hospital admission {hadm}? "
        "List every code; the order does not matter.",
        f"SELECT DISTINCT icd9_code FROM diagnoses_icd WHERE hadm_id = {hadm}",
    )


def _drugs_of_admission(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    return Question(
        "drugs_of_admission",
        f"Which drugs were prescribed to patient {patient} during hospital admission {hadm}? List every "
        "drug name; the order does not matter.",
        f"SELECT DISTINCT drug FROM prescriptions WHERE hadm_id = {hadm}",
    )


def _first_diagnosis_time(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient = _patient(rng, db)
    code, title, _ = _diagnosis(rng, db, f"subject_id = {patient}")
    return Question(
        "first_diagnosis_time",
        f"When was patient {patient} first diagnosed with {title} (ICD-9 {code})? Give the time "
        "stamp; answer none if never.",
        f"SELECT MIN(charttime) FROM diagnoses_icd WHERE subject_id = {patient} AND icd9_code = '{code}'",
    )


def _patients_with_diagnosis_and_drug(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    code, title, _ = _diagnosis(rng, db, "1")
    drug = _choice(rng, DRUGS)[0]
    return Question(
        "diagnosis_and_drug",
        f"How many distinct patients were diagnosed with {title} (ICD-9 {code}) and prescribed {drug} "
        "during the same hospital admission?",
        "SELECT COUNT(DISTINCT d.subject_id) FROM diagnoses_icd d JOIN prescriptions p "
        f"ON d.hadm_id = p.hadm_id WHERE d.icd9_code = '{code}' AND p.drug = '{drug}'",
    )


def _patients_with_lab_above(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    lab = _lab(rng, db, "1")
    threshold = round(lab.mean + lab.spread * float(rng.uniform(-0.5, 1.5)), lab.decimals)
    return Question(
        "patients_with_lab_above",
        f"How many distinct patients ever had a {lab.label} value above {threshold:g} {lab.unit}?",
        f"SELECT COUNT(DISTINCT subject_id) FROM labevents WHERE itemid = {lab.itemid} "
        f"AND valuenum > {threshold}",
    )


def _admission_days(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient, hadm = _admission(rng, db)
    return Question(
        "admission_days",
        f"How long did hospital admission {hadm} of patient {patient} last, in days from admission to "
        "discharge, rounded to 2 decimal places?",
        f"SELECT julianday(dischtime) - julianday(admittime) FROM admissions WHERE hadm_id = {hadm}",
        decimals=2,
    )


def _lab_values_in_order(rng: np.random.Generator, db: sqlite3.Connection) -> Question:
    patient = _patient(rng, db)
    lab = _lab(rng, db, f"subject_id = {patient}")
    return Question(
        "lab_values_in_order",
        f"List every {lab.label} value ({lab.unit}) of patient {patient} in the order they were "
        "measured, earliest first. Answer none if there are none.",
        f"SELECT valuenum FROM labevents WHERE subject_id = {patient} AND itemid = {lab.itemid} "
        "ORDER BY charttime ASC",
        ordered=True,
    )


TEMPLATES: dict[str, Callable[[np.random.Generator, sqlite3.Connection], Question]] = {
    "count_admissions": _count_admissions,
    "first_lab_in_admission": _first_lab_in_admission,
    "last_lab": _last_lab,
    "max_lab_in_admission": _max_lab_in_admission,
    "average_lab": _average_lab,
    "lab_count_in_window": _lab_count_in_window,
    "diagnoses_of_admission": _diagnoses_of_admission,
    "drugs_of_admission": _drugs_of_admission,
    "first_diagnosis_time": _first_diagnosis_time,
    "diagnosis_and_drug": _patients_with_diagnosis_and_drug,
    "patients_with_lab_above": _patients_with_lab_above,
    "admission_days": _admission_days,
    "lab_values_in_order": _lab_values_in_order,
}


def draw_question(rng: np.random.Generator, db: sqlite3.Connection, templates: tuple[str, ...]) -> Question:
    """A question from one of ``templates`` (names in ``TEMPLATES``), filled from ``db``."""
    return TEMPLATES[templates[int(rng.integers(len(templates)))]](rng, db)
