"""``EHRQuery-Code-v0``: questions about a generated EHR database, answered by querying it with code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from palaestra.core import resolve_preset
from palaestra.core.tools import function_tool
from palaestra.envs.medical.code_env import ANSWER, RUN_PYTHON, CodeTask, CodeTaskEnv, TaskTool
from palaestra.envs.medical.ehr_data import (
    TEMPLATES,
    Question,
    database_bytes,
    draw_question,
    generate_database,
    schema_text,
)
from palaestra.envs.medical.ehr_grading import ExpectedAnswer, grade

DATABASE_FILE = "ehr.db"
SCHEMA_TOOL = function_tool(
    "schema",
    "Describe the EHR database: its tables, their columns and row counts, a sample row of each, and how "
    "they join.",
    {},
)
SCHEMA_NOTE = (
    "\nTimes are text 'YYYY-MM-DD HH:MM:SS' (shifted into the 2100s, as in MIMIC). labevents.itemid joins "
    "d_labitems (label: the test's name); diagnoses_icd.icd9_code joins d_icd_diagnoses."
)
EXPERT_MARK = "EXPERT-ROWS"
_EXPERT_ROWS = re.compile(rf"^{EXPERT_MARK} (.*)$", re.MULTILINE)
PRESETS: dict[str, dict[str, Any]] = {
    "easy": {
        "patients": 6,
        "templates": ("count_admissions", "last_lab", "drugs_of_admission", "max_lab_in_admission"),
    },
    "medium": {"patients": 12, "templates": tuple(TEMPLATES)},
    "hard": {"patients": 40, "templates": tuple(TEMPLATES)},
}
RULES = f"""The SQLite database {DATABASE_FILE} in your working directory holds a hospital's records in a \
MIMIC-III-like schema (patients, admissions, diagnoses_icd with d_icd_diagnoses, labevents with \
d_labitems, prescriptions); schema[] describes it. Answer with the value alone: a number, a time stamp \
'YYYY-MM-DD HH:MM:SS', a text value, several values separated by commas (or as a Python list), or \
none when the records hold no answer. Anything else in the answer (words, units) makes it wrong."""


class EHRQueryEnv(CodeTaskEnv):
    """Questions about a hospital's records, answered by querying its SQLite database with Python.

    Each episode generates a database in a MIMIC-III-like schema (``ehr_data``: ICD-9 diagnoses, lab
    events with MIMIC's item ids and units, prescriptions, time stamps in the 2100s) and one template
    question about it: counts, first, last, highest and average values, counts in a time window,
    joins across tables, lists (in order where asked), and questions whose answer is none. The
    answer is what the template's SQL returns on that database, run by the env itself.

    Spaces: text, the contract's bounds. Actions: ``run_python[code]`` (the database is
    ``ehr.db`` in the working directory), ``schema[]`` (the tables and columns), ``answer[value]``.
    Reward: 1 on a right answer, graded by value (``ehr_grading``: exact integers, floats within 0.1 %,
    sets where order is not asked, ``none`` only where the query finds nothing), else 0; the answer
    ends the episode; 15 turns.

    Args:
        difficulty: ``easy`` (6 patients, four templates), ``medium`` (12, all), ``hard`` (40, all).
        patients: how many patients the database holds.
        templates: the template names to draw from (``ehr_data.TEMPLATES``).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("EHRQuery-Code-v0")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>schema[]</action>")
    """

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        patients: int | None = None,
        templates: Sequence[str] | None = None,
        **base: Any,
    ):
        if isinstance(templates, str):
            templates = (templates,)
        self.settings = resolve_preset(
            PRESETS, difficulty, patients=patients, templates=None if templates is None else tuple(templates)
        )
        if int(self.settings["patients"]) < 1:
            raise ValueError(f"patients must be at least 1, got {self.settings['patients']}")
        unknown = [name for name in self.settings["templates"] if name not in TEMPLATES]
        if unknown or not self.settings["templates"]:
            raise ValueError(f"unknown template(s) {unknown}; the templates are: {', '.join(TEMPLATES)}")
        super().__init__(**base)
        self.question: Question | None = None
        self.expected: ExpectedAnswer | None = None

    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        db = generate_database(self.np_random, int(self.settings["patients"]))
        try:
            question = draw_question(self.np_random, db, self.settings["templates"])
            expected = question.answer(db)
            data = database_bytes(db)
            schema = schema_text(db) + SCHEMA_NOTE
        finally:
            db.close()
        self.question, self.expected = question, expected
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        return CodeTask(
            key=f"ehr:{digest}:{question.text}",
            question=question.text,
            grade=lambda answer: float(grade(expected, answer)),
            files={DATABASE_FILE: data},
            rules=RULES,
            example_code=(
                f"import sqlite3; db = sqlite3.connect('{DATABASE_FILE}'); "
                "print(db.execute('SELECT COUNT(*) FROM patients').fetchall())"
            ),
            tools=(TaskTool(SCHEMA_TOOL, lambda argument: schema),),
        )

    def expert_action(self) -> str:
        return query_expert_action(self._describe(), self.question.sql, DATABASE_FILE)


def query_expert_action(observation: str, sql: str, database: str) -> str:
    """An expert's next action on a question ``sql`` answers: run the query in the sandbox, as an agent
    would, then answer what the cell printed (read back from ``observation``)."""
    found = _EXPERT_ROWS.findall(observation)
    if not found:
        code = (
            "import json, sqlite3\n"
            f"rows = sqlite3.connect({database!r}).execute({sql!r}).fetchall()\n"
            f"print({EXPERT_MARK!r}, json.dumps([row[0] for row in rows if row[0] is not None]))"
        )
        return f"{RUN_PYTHON}[{code}]"
    values = json.loads(found[-1])
    if not values:
        return f"{ANSWER}[none]"
    # several values as a list literal: a value may hold a comma ("hematocrit, pleural")
    return f"{ANSWER}[{values[0] if len(values) == 1 else json.dumps(values)}]"
