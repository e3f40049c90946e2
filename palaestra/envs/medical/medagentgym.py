"""``MedAgentGym-v0``: MedAgentGym's own task files, played in the sandbox and graded by value.

MedAgentGym's data is not bundled (its EHR sets need credentialed access). Point the env at the
folder that holds its data sets (``data/`` of the MedAgentGym release: ``mimic_iii/``,
``biocoder/``, ...) with ``data_path=`` or the ``PALAESTRA_MEDAGENTGYM_DATA`` environment variable.

Formats read (``<dataset>/train_tasks.jsonl`` and ``test_tasks.jsonl``; the released ``mimic_iii``
and ``eicu`` name their test file ``valid_tasks.jsonl``, read when there is no ``test_tasks.jsonl``):

- EHR sets (``mimic_iii``, ``eicu``, ``treqs``): ``db_id, question, template, query, value,
  is_impossible, split, id, answer``; the answer a list or a stringified list (``"['10386']"``); the
  database ``<db_id>.db`` (SQLite) in the data set's folder or the data folder.
- ``biocoder``: ``idx, problem, solution, context, signature, code``; ``context`` is a program with the
  line ``<<insert solution here>>`` and a ``main`` that prints results, ``code`` the same program with
  the reference solution in place.
- ``npowerai``: ``task_type, task_id, estimate_target, question, answer``; ``task_id`` names the
  question's template, not the row, so a row is named by its split and position (``test-17``).
"""

from __future__ import annotations

import ast
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from palaestra.envs.medical.biocode_grading import submission_code
from palaestra.envs.medical.code_env import ANSWER, CodeTask, CodeTaskEnv, TaskTool
from palaestra.envs.medical.ehr import SCHEMA_TOOL, query_expert_action
from palaestra.envs.medical.ehr_data import schema_text
from palaestra.envs.medical.ehr_grading import ExpectedAnswer, grade
from palaestra.sandboxes import RunResult, run

DATA_VARIABLE = "PALAESTRA_MEDAGENTGYM_DATA"
EHR_DATASETS = ("mimic_iii", "eicu", "treqs")
DATASETS = (*EHR_DATASETS, "biocoder", "npowerai")
# The fields each data set's rows must have, and the one that names a row (None: its position).
FIELDS: dict[str, tuple[str, ...]] = {
    **{
        name: ("db_id", "question", "template", "query", "is_impossible", "id", "answer")
        for name in EHR_DATASETS
    },
    "biocoder": ("idx", "problem", "solution", "context", "signature", "code"),
    "npowerai": ("task_type", "task_id", "estimate_target", "question", "answer"),
}
ROW_KEYS: dict[str, str | None] = {**dict.fromkeys(EHR_DATASETS, "id"), "biocoder": "idx", "npowerai": None}
POWER_TOLERANCE = 0.01  # NPowerAI's checker takes a power within 1 % of the answer
INSERT_MARK = "<<insert solution here>>"
MAX_DATABASE_BYTES = 60 * 2**20  # the sandbox's work directory holds 64 MB
RUN_TIMEOUT = 10.0


def no_data_message(dataset: str) -> str:
    """What to do when no data folder is given: how to point at it."""
    return (
        "MedAgentGym-v0 reads MedAgentGym's data files, which are not bundled: pass "
        f"data_path='/path/to/MedAgentGym/data' (the folder holding {dataset}/ and the other data sets) "
        f"or set the environment variable {DATA_VARIABLE} to that folder"
    )


def data_folder(data_path: str | os.PathLike | None, dataset: str) -> Path | None:
    """The folder of ``dataset`` under ``data_path`` (or the environment variable); ``None`` if neither
    is given; a clear error if the folder is not there."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown MedAgentGym data set {dataset!r}; supported: {', '.join(DATASETS)}")
    given = data_path if data_path is not None else os.environ.get(DATA_VARIABLE)
    if not given:
        return None
    folder = Path(given) / dataset
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no folder {folder}: data_path (or {DATA_VARIABLE}) must be MedAgentGym's data folder, the one "
            f"holding {dataset}/train_tasks.jsonl"
        )
    return folder


def task_file(folder: Path, split: str) -> Path:
    """The jsonl file of ``split``: ``<split>_tasks.jsonl`` (for test, else ``valid_tasks.jsonl``)."""
    names = [f"{split}_tasks.jsonl"] + (["valid_tasks.jsonl"] if split == "test" else [])
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {' or '.join(names)}")


def read_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of a jsonl task file, each checked for ``fields``."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not JSON ({error.msg})") from None
            missing = [name for name in fields if not isinstance(row, dict) or name not in row]
            if missing:
                raise ValueError(f"{path}, line {number}: the row lacks {', '.join(missing)}")
            rows.append(row)
    return rows


def expected_answer(row: dict[str, Any]) -> ExpectedAnswer:
    """An EHR row's answer as values: a list, a stringified list (``"['10386']"``) or one value; an
    impossible question's answer is none."""
    answer = row["answer"]
    if row.get("is_impossible") is True:
        return ExpectedAnswer(())
    if isinstance(answer, str):
        try:
            answer = ast.literal_eval(answer)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass  # a bare value
    items = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    values = []
    for item in items:
        if isinstance(item, (list, tuple)) and len(item) == 1:
            item = item[0]
        if item is None or (isinstance(item, str) and item.strip().lower() in ("", "none", "null")):
            continue
        values.append(
            item if isinstance(item, (int, float, str)) and not isinstance(item, bool) else str(item)
        )
    return ExpectedAnswer(tuple(values))


class MedAgentGymEnv(CodeTaskEnv):
    """MedAgentGym's tasks from its released files, chosen by ``task_id`` (or drawn by the seed).

    EHR sets: the question (MedAgentGym shows its ``template``), the database as ``<db_id>.db`` in the
    working directory and a ``schema[]`` tool; the answer is graded by value (``ehr_grading``), not by
    MedAgentGym's substring match; an impossible question's answer is none. ``biocoder``: the problem,
    the signature and the surrounding program; the submitted function is put in that program at
    ``<<insert solution here>>``, run in a fresh sandbox, and must print exactly what the program with
    the reference solution prints (computed in the sandbox at the first answer). ``npowerai``: a
    power-analysis question; a sample size must be exact, a power within 1 % (NPowerAI's rule).

    Spaces: text, the contract's bounds. Reward: 1 for a right answer, else 0; the answer ends the
    episode; 15 turns. Task ids: the rows' ``id`` (EHR sets) or ``idx`` (biocoder), ``<split>-<position>``
    (npowerai).

    Args:
        dataset: one of ``mimic_iii``, ``eicu``, ``treqs``, ``biocoder``, ``npowerai``.
        data_path: MedAgentGym's data folder (default: the ``PALAESTRA_MEDAGENTGYM_DATA`` variable).
            Without either, ``reset`` raises a ``FileNotFoundError`` that says how to give it.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("MedAgentGym-v0", dataset="mimic_iii", data_path="MedAgentGym/data")
        >>> obs, info = env.reset(options={"task_id": "0d92a1f6eab9515735f242f4"})
    """

    def __init__(
        self, *, dataset: str = "mimic_iii", data_path: str | os.PathLike | None = None, **base: Any
    ):
        self.dataset = dataset
        self.folder = data_folder(data_path, dataset)
        super().__init__(**base)
        # Without data the env is still made (suites and listings hold every id); its reset says how to
        # point at the data. A folder that is named but missing or unreadable is an error now.
        self._rows = None if self.folder is None else self._load(self.split)  # task id -> row, this split
        self.row: dict[str, Any] | None = None
        self.database = ""  # the EHR task's database file name
        self._reference_output: dict[str, str] = {}  # biocoder task id -> what its reference prints

    def _load(self, split: str) -> dict[str, dict[str, Any]]:
        key = ROW_KEYS[self.dataset]
        rows: dict[str, dict[str, Any]] = {}
        path = task_file(self.folder, split)
        for position, row in enumerate(read_rows(path, FIELDS[self.dataset])):
            # rows without an id of their own are named by split and position (MedAgentGym's index)
            task_id = f"{split}-{position}" if key is None else str(row[key])
            if task_id in rows:
                raise ValueError(f"{path}: two rows have the {key} {task_id!r}")
            rows[task_id] = row
        return rows

    def task_ids(self) -> list[str]:
        if self._rows is None:
            raise FileNotFoundError(no_data_message(self.dataset))
        return list(self._rows)

    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        self.row = row = self._rows[self.task_id]
        key = f"medagentgym:{self.dataset}:{self.task_id}"
        if self.dataset in EHR_DATASETS:
            return self._ehr_task(row, key)
        if self.dataset == "npowerai":
            return self._npowerai_task(row, key)
        return self._biocoder_task(row, key)

    # -- EHR sets -------------------------------------------------------------------------------
    def _database(self, db_id: str) -> Path:
        for folder in (self.folder, self.folder.parent):
            path = folder / f"{db_id}.db"
            if path.is_file():
                return path
        raise FileNotFoundError(
            f"the database {db_id}.db is in neither {self.folder} nor {self.folder.parent}"
        )

    def _ehr_task(self, row: dict[str, Any], key: str) -> CodeTask:
        path = self._database(str(row["db_id"]))
        size = path.stat().st_size
        if size > MAX_DATABASE_BYTES:
            raise ValueError(
                f"{path} is {size / 2**20:.0f} MB; the sandbox's work directory takes at most "
                f"{MAX_DATABASE_BYTES // 2**20} MB"
            )
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            schema = schema_text(db)
        finally:
            db.close()
        expected = expected_answer(row)
        self.database = database = path.name
        return CodeTask(
            key=key,
            question=str(row["template"] or row["question"]),
            grade=lambda answer: float(grade(expected, answer)),
            files={database: path.read_bytes()},
            rules=(
                f"The SQLite database {database} in your working directory holds the records; schema[] "
                "describes it. Answer with the value alone: a number, a time stamp, a text value, several "
                "values separated by commas (or as a Python list), or none when the records hold no answer."
            ),
            example_code=(
                f"import sqlite3; db = sqlite3.connect('{database}'); "
                "print(db.execute('SELECT name FROM sqlite_master').fetchall())"
            ),
            tools=(TaskTool(SCHEMA_TOOL, lambda argument: schema),),
        )

    # -- npowerai -------------------------------------------------------------------------------
    def _npowerai_task(self, row: dict[str, Any], key: str) -> CodeTask:
        size = row["estimate_target"] == "size"
        expected = ExpectedAnswer((row["answer"],), tolerance=None if size else POWER_TOLERANCE)
        if size and not (isinstance(row["answer"], int) or str(row["answer"]).strip().isdigit()):
            raise ValueError(
                f"npowerai task {self.task_id}: a sample size that is no integer: {row['answer']!r}"
            )
        return CodeTask(
            key=key,
            question=str(row["question"]),
            context=f"A statistical power analysis ({row['task_type']}).",
            grade=lambda answer: float(grade(expected, answer)),
            rules=(
                "Answer with the number alone: a sample size as a whole number (it must be exact), a power "
                "as a number between 0 and 1 (within 1 % of the right power)."
            ),
            example_code="import math; print(math.sqrt(2))",
            expert_answer=str(row["answer"]),
        )

    # -- biocoder -------------------------------------------------------------------------------
    def _biocoder_task(self, row: dict[str, Any], key: str) -> CodeTask:
        context = str(row["context"])
        if INSERT_MARK not in context:
            raise ValueError(f"biocoder task {self.task_id}: its context has no {INSERT_MARK} line")
        task_id = str(self.task_id)

        def grade_program(answer: str) -> float:
            reference = self._reference_output.get(task_id)
            if reference is None:
                reference = self._reference_output[task_id] = self._reference(str(row["code"]))
            program = context.replace(INSERT_MARK, submission_code(answer), 1)
            result = self._run(program)
            return float(result.ok and not result.timed_out and _printed(result.stdout) == reference)

        return CodeTask(
            key=key,
            question=(
                f"{row['problem']}\n\nWrite a Python function with the signature\n    {row['signature']}\n"
                f"It is inserted into this program at {INSERT_MARK}:\n\n{context}"
            ),
            grade=grade_program,
            rules=(
                "Submit with answer[...] the function's source (imports it needs included). It is put into "
                "the program in place of the insertion line and run; it is right when the program prints "
                "exactly what it prints with the reference solution."
            ),
            expert_answer=str(row["solution"]),
        )

    def _run(self, program: str) -> RunResult:
        return run(
            program,
            backend=self.backend,
            timeout=min(RUN_TIMEOUT, self.step_timeout),
            memory_mb=self.memory_mb,
        )

    def _reference(self, code: str) -> str:
        """What the task's reference program prints; an error if it does not run here (a world failure)."""
        result = self._run(code)
        if not result.ok:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(
                f"biocoder task {self.task_id}: the reference program does not run here: {last}"
            )
        return _printed(result.stdout)

    def expert_action(self) -> str:
        if self.dataset in EHR_DATASETS:
            if self.row.get("is_impossible") is True:
                return f"{ANSWER}[none]"
            return query_expert_action(self._describe(), str(self.row["query"]), self.database)
        return super().expert_action()


def _printed(stdout: str) -> str:
    """A program's output with trailing white space of each line and at the end dropped."""
    return "\n".join(line.rstrip() for line in stdout.rstrip().splitlines())
