"""``MedCalcBench-v0``: the rows of MedCalc-Bench's ``test_data.csv``, answered by code.

The data set is not bundled (CC-BY-SA-4.0; ``dataset/test_data.csv`` of github.com/ncbi-nlp/MedCalc-Bench):
point ``gym.make("MedCalcBench-v0", data_path=...)`` or the ``PALAESTRA_MEDCALC_BENCH`` environment
variable at the file.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.envs.medical import MEDCALC_BENCH_FILE, MEDCALC_BENCH_VARIABLE
from palaestra.envs.medical.code_env import CodeTask, CodeTaskEnv
from palaestra.envs.medical.grading import (
    ALL_UNITS,
    WrongAnswer,
    grade_date,
    grade_in_limits,
    grade_weeks_days,
    read_date,
    read_number,
    read_weeks_days,
)
from palaestra.envs.medical.medcalc import NOTE_FILE

DATA_VARIABLE, DATA_DESCRIPTION = MEDCALC_BENCH_VARIABLE, MEDCALC_BENCH_FILE
COLUMNS = (
    "Row Number",
    "Calculator ID",
    "Calculator Name",
    "Category",
    "Output Type",
    "Note ID",
    "Note Type",
    "Patient Note",
    "Question",
    "Relevant Entities",
    "Ground Truth Answer",
    "Lower Limit",
    "Upper Limit",
    "Ground Truth Explanation",
)
OUTPUT_TYPES = ("integer", "decimal", "date", "weeks and days")


@dataclass(frozen=True)
class BenchRow:
    """One row of the csv, checked: ``output_type`` is one of ``OUTPUT_TYPES``."""

    row: str
    calculator_id: str
    calculator_name: str
    output_type: str
    note: str
    question: str
    relevant_entities: dict[str, Any]
    answer: str
    lower: float | None
    upper: float | None

    def aliases(self) -> tuple[str, ...]:
        """Names an answer may give the calculator by: its name, the part before ``Score``/``(``/
        ``for``, what it has in parentheses (``BMI``) and its tokens that mix letters and digits
        (``CURB-65``, ``CHA2DS2-VASc``)."""
        name = self.calculator_name
        short = re.split(r"\s+(?:score|\(|for)\b|\s*\(", name, maxsplit=1, flags=re.IGNORECASE)[0]
        mixed = [
            t for t in re.findall(r"[\w-]+", name) if re.search(r"\d", t) and re.search(r"[a-z]", t, re.I)
        ]
        return tuple(dict.fromkeys([name, short, *re.findall(r"\(([^)]+)\)", name), *mixed]))

    def grade(self, text: str) -> float:
        """MedCalc-Bench's rule: integers exact, decimals within the row's limits, dates the same day,
        gestational ages the same weeks and days; the answer one value (``grading.read_number``)."""
        if self.output_type == "integer":
            try:
                value = read_number(text, aliases=self.aliases(), units=ALL_UNITS)
            except WrongAnswer:
                return 0.0
            return float(value == float(self.answer))
        if self.output_type == "decimal":
            return grade_in_limits(text, self.lower, self.upper, aliases=self.aliases())
        if self.output_type == "date":
            return grade_date(text, self.answer)
        return grade_weeks_days(text, self.answer)


def _kind(output_type: str, answer: str) -> str:
    """The row's output type, as ``OUTPUT_TYPES`` names it: a gestational age's answer has the shape
    ``('4 weeks', '4 days')`` whatever type the row states; else the stated integer, decimal or date."""
    try:
        read_weeks_days(answer)
    except WrongAnswer:
        pass
    else:
        return "weeks and days"
    cleaned = output_type.strip().lower()
    if cleaned not in ("integer", "decimal", "date"):
        raise ValueError(
            f"unknown Output Type {output_type!r}; known: integer, decimal, date, weeks and days"
        )
    return cleaned


def _row(record: dict[str, str], line: int) -> BenchRow:
    where = f"row {record.get('Row Number')!r} (record {line})"
    try:
        entities = ast.literal_eval(record["Relevant Entities"])
    except (ValueError, SyntaxError) as error:
        raise ValueError(f"{where}: Relevant Entities is not a Python literal: {error}") from None
    if not isinstance(entities, dict):
        raise ValueError(f"{where}: Relevant Entities must be a dict, got {type(entities).__name__}")
    answer = record["Ground Truth Answer"].strip()
    try:
        kind = _kind(record["Output Type"], answer)
        lower = upper = None
        if kind in ("integer", "decimal"):
            float(answer)
            lower, upper = float(record["Lower Limit"]), float(record["Upper Limit"])
        elif kind == "date":
            read_date(answer)
    except (ValueError, WrongAnswer) as error:
        raise ValueError(f"{where}: {error}") from None
    return BenchRow(
        row=record["Row Number"].strip(),
        calculator_id=record["Calculator ID"].strip(),
        calculator_name=record["Calculator Name"].strip(),
        output_type=kind,
        note=record["Patient Note"],
        question=record["Question"].strip(),
        relevant_entities=entities,
        answer=answer,
        lower=lower,
        upper=upper,
    )


_LOADED: dict[tuple[str, int, int], dict[str, BenchRow]] = {}
_LOADING = threading.Lock()


def load_rows(path: str | os.PathLike[str]) -> dict[str, BenchRow]:
    """Row Number -> row of a MedCalc-Bench csv, in file order (read once per file version)."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no MedCalc-Bench csv at {str(file)!r}; it should be {DATA_DESCRIPTION}")
    status = file.stat()
    key = (str(file.resolve()), status.st_mtime_ns, status.st_size)
    with _LOADING:
        if key not in _LOADED:
            _LOADED[key] = _read(file)
        return _LOADED[key]


def _read(file: Path) -> dict[str, BenchRow]:
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(
                f"{file} lacks MedCalc-Bench's column(s) {missing}; its columns: {reader.fieldnames}"
            )
        rows: dict[str, BenchRow] = {}
        for line, record in enumerate(reader, start=1):
            row = _row(record, line)
            if row.row in rows:
                raise ValueError(f"{file}: Row Number {row.row!r} appears twice")
            rows[row.row] = row
    if not rows:
        raise ValueError(f"{file} has no rows")
    return rows


def data_file(data_path: str | os.PathLike[str] | None) -> Path | None:
    """The csv to read: ``data_path``, else the ``PALAESTRA_MEDCALC_BENCH`` variable; ``None`` if neither."""
    chosen = data_path if data_path is not None else os.environ.get(DATA_VARIABLE)
    return Path(chosen) if chosen else None


NO_DATA = (
    f"MedCalcBench-v0 reads {DATA_DESCRIPTION}, which palaestra does not bundle: download it, then pass "
    f'gym.make("MedCalcBench-v0", data_path="/path/to/test_data.csv") or set {DATA_VARIABLE}'
)


def _rules(row: BenchRow) -> str:
    return {
        "integer": "Answer with the whole number alone (for example answer[3]); it must match exactly.",
        "decimal": "Answer with one number, optionally with its unit; it must lie within the benchmark's "
        "limits (5% of the true value).",
        "date": "Answer with the date as MM/DD/YYYY (for example answer[08/14/2023]).",
        "weeks and days": "Answer with weeks and days (for example answer[(17 weeks, 4 days)]).",
    }[row.output_type]


class MedCalcBenchEnv(CodeTaskEnv):
    """MedCalc-Bench's test rows (its 55 calculators, real patient notes), answered by code.

    Each episode is one row, chosen by ``task_id`` (the Row Number) or drawn by the seed. The note is
    shown and is ``note.txt`` in the work directory; the question is the row's. Grading follows
    MedCalc-Bench (``BenchRow.grade``): integers exact, decimals within the row's Lower and Upper
    Limits, dates the same day, gestational ages the same weeks and days; the answer must be one
    value. Actions, reward and turns as in ``CodeTaskEnv``. Split: ``test`` (the file's rows). The
    expert answers the row's Ground Truth Answer.

    Args:
        data_path: the csv (default: the ``PALAESTRA_MEDCALC_BENCH`` environment variable). Without
            either, ``reset`` raises a ``FileNotFoundError`` that says how to give it.
    """

    splits = ("test",)

    def __init__(self, *, data_path: str | os.PathLike[str] | None = None, split: str = "test", **base: Any):
        file = data_file(data_path)
        # Without a file the env is still made (so that suites and listings can hold the id); its first
        # reset raises NO_DATA. A file that is named but unreadable is an error now.
        self.rows = load_rows(file) if file is not None else None
        self._row_ids = tuple(self.rows or ())
        super().__init__(split=split, **base)
        self.row: BenchRow | None = None

    def task_ids(self) -> tuple[str, ...]:
        if self.rows is None:
            raise FileNotFoundError(NO_DATA)
        return self._row_ids

    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        row = self.row = self.rows[self.task_id]
        return CodeTask(
            key=f"{row.row}\x00{row.note}",
            question=row.question,
            grade=row.grade,
            context=f"Patient note:\n{row.note}",
            files={NOTE_FILE: row.note + "\n"},
            rules=_rules(row),
            example_code=f"note = open('{NOTE_FILE}').read(); print(note)",
            expert_answer=row.answer,
        )

    def _extra_info(self) -> dict[str, Any]:
        return {"calculator": self.row.calculator_name}
