"""MedAgentGym-v0 on small files written in MedAgentGym's own formats: task jsonl, SQLite db, biocoder."""

import json
import sqlite3

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.conformance import CHECKS
from palaestra.core.errors import EnvError
from palaestra.envs.medical import medagentgym
from palaestra.envs.medical.medagentgym import DATA_VARIABLE
from palaestra.sandboxes import available_backends

needs_sandbox = pytest.mark.skipif(not available_backends(), reason="no sandbox backend works here")


def ehr_row(task_id, question, query, answer, *, impossible=False, split="train"):
    """A row as MedAgentGym's EHR sets (EHRSQL's fields) write it."""
    return {
        "db_id": "mimic_iii",
        "question": question.replace("what is", "tell me"),
        "template": question,
        "query": query,
        "value": {},
        "q_tag": question,
        "t_tag": ["", "", "", "", ""],
        "o_tag": ["", "", "", "", "", "", "", "", ""],
        "tag": question,
        "department": "['nursing']",
        "importance": "medium",
        "para_type": "machine",
        "is_impossible": impossible,
        "split": split,
        "id": task_id,
        "answer": answer,
    }


TRAIN = [
    ehr_row(
        "0d92a1f6eab9515735f242f4",
        "what is the intake method of naproxen?",
        "select distinct prescriptions.route from prescriptions where prescriptions.drug = 'naproxen'",
        "['po']",
    ),
    ehr_row(
        "3799354c7a881b01105356a7",
        "what is the intake method of phenytoin infatab?",
        "select distinct prescriptions.route from prescriptions "
        "where prescriptions.drug = 'phenytoin infatab'",
        ["po/ng", "ng"],
    ),
    ehr_row(
        "5467c3e41d9a639686bbfea5",
        "how many patients were prescribed aspirin?",
        "select count( distinct prescriptions.subject_id ) from prescriptions "
        "where prescriptions.drug = 'aspirin'",
        "['3']",
    ),
    ehr_row(
        "bd6cea419bc5f0a4edf72bb9",
        "what is the cost of a heart transplant?",
        "null",
        "[]",
        impossible=True,
    ),
]
VALID = [
    ehr_row(
        "c27061a940b856a6824ecbf6",
        "what is the first drug prescribed to patient 10?",
        "select prescriptions.drug from prescriptions where prescriptions.subject_id = 10 "
        "order by prescriptions.startdate asc limit 1",
        "['aspirin']",
        split="valid",
    ),
    ehr_row(
        "555249afe5d321b85e6f6756",
        "how many times was naproxen prescribed?",
        "select count( * ) from prescriptions where prescriptions.drug = 'naproxen'",
        "['2']",
        split="valid",
    ),
]
CONTEXT = (
    "import random\n<<insert solution here>>\ndef main():\n    random.seed(42)\n"
    "    seq = ''.join(random.choice('ACGT') for _ in range(40))\n    print(gc_fraction(seq))\n"
    "    print(gc_fraction('GGCC'), gc_fraction('ATAT'))\n"
    'if __name__ == "__main__":\n    main()'
)
SOLUTION = "def gc_fraction(seq):\n    return (seq.count('G') + seq.count('C')) / len(seq)"


def biocoder_row(idx, context=CONTEXT, solution=SOLUTION):
    return {
        "idx": idx,
        "problem": "This is in python\nwrite a function gc_fraction(seq) returning the fraction of G and C.",
        "solution": solution,
        "context": context,
        "signature": "def gc_fraction(seq)",
        "code": context.replace("<<insert solution here>>", "\n" + solution + "\n"),
    }


NPOWER_QUESTION = (
    "Suppose a researcher intends to conduct a blood pressure study for adult women on Nordic diet. She "
    "assumes that the average systolic BP her sample to be {mean} with a standard deviation of 7.3. "
)
NPOWER = [
    {
        "task_type": "One-sample t-test",
        "task_id": 1,
        "estimate_target": "size",
        "question": NPOWER_QUESTION.format(mean=100.38) + "How large a sample should her study include?",
        "answer": 4,
    },
    {
        "task_type": "One-sample t-test",
        "task_id": 1,
        "estimate_target": "power",
        "question": NPOWER_QUESTION.format(mean=112.5) + "She recruited 9 participants. What is the power?",
        "answer": 0.8412,
    },
]


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


@pytest.fixture
def data(tmp_path):
    """MedAgentGym's data folder in miniature: mimic_iii (train and valid files, as released, and its
    database) and biocoder (train and test files)."""
    root = tmp_path / "data"
    write_jsonl(root / "mimic_iii" / "train_tasks.jsonl", TRAIN)
    write_jsonl(root / "mimic_iii" / "valid_tasks.jsonl", VALID)
    db = sqlite3.connect(root / "mimic_iii" / "mimic_iii.db")
    db.executescript(
        "CREATE TABLE prescriptions (row_id INT, subject_id INT, hadm_id INT, startdate TIME, enddate TIME, "
        "drug VARCHAR(100), dose_val_rx VARCHAR(120), dose_unit_rx VARCHAR(120), route VARCHAR(120));"
    )
    db.executemany(
        "INSERT INTO prescriptions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 10, 100, "2104-01-02 08:00:00", "2104-01-05 08:00:00", "aspirin", "81", "mg", "po"),
            (2, 10, 100, "2104-01-03 08:00:00", "2104-01-05 08:00:00", "naproxen", "500", "mg", "po"),
            (3, 11, 101, "2105-02-01 09:00:00", "2105-02-02 09:00:00", "aspirin", "81", "mg", "po"),
            (4, 12, 102, "2103-07-01 10:00:00", "2103-07-04 10:00:00", "aspirin", "325", "mg", "po"),
            (
                5,
                12,
                102,
                "2103-07-01 10:00:00",
                "2103-07-04 10:00:00",
                "phenytoin infatab",
                "100",
                "mg",
                "po/ng",
            ),
            (
                6,
                13,
                103,
                "2102-03-01 10:00:00",
                "2102-03-02 10:00:00",
                "phenytoin infatab",
                "100",
                "mg",
                "ng",
            ),
            (7, 13, 103, "2102-03-01 10:00:00", "2102-03-02 10:00:00", "naproxen", "250", "mg", "po"),
        ],
    )
    db.commit()
    db.close()
    write_jsonl(
        root / "biocoder" / "train_tasks.jsonl", [biocoder_row("61beb3529846e024"), biocoder_row("98b443b7")]
    )
    write_jsonl(root / "biocoder" / "test_tasks.jsonl", [biocoder_row("aa11")])
    write_jsonl(root / "npowerai" / "train_tasks.jsonl", NPOWER)
    write_jsonl(root / "npowerai" / "test_tasks.jsonl", NPOWER[:1])
    return root


def answer(env, text):
    *_, reward, terminated, _, info = env.step(f"answer[{text}]")
    assert terminated and info[keys.ACTION_VALID]
    return reward


def test_without_data_the_env_is_made_and_its_reset_says_how_to_point_at_it(monkeypatch):
    monkeypatch.delenv(DATA_VARIABLE, raising=False)
    env = gym.make("MedAgentGym-v0")  # so that suites and listings can hold the id
    with pytest.raises(FileNotFoundError, match=rf"data_path=.*{DATA_VARIABLE}"):
        env.reset(seed=0)
    env.close()
    assert DATA_VARIABLE in env_entry("MedAgentGym-v0").missing_requirement()


def test_bad_folders_files_and_data_sets_are_clear_errors(data, tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        gym.make("MedAgentGym-v0", data_path=tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="supported: mimic_iii"):
        gym.make("MedAgentGym-v0", data_path=data, dataset="medagentbench")
    (data / "treqs").mkdir()
    with pytest.raises(FileNotFoundError, match="test_tasks.jsonl or valid_tasks.jsonl"):
        gym.make("MedAgentGym-v0", data_path=data, dataset="treqs", split="test")
    (data / "treqs" / "train_tasks.jsonl").write_text('{"db_id": "treqs"}\n')
    with pytest.raises(ValueError, match="line 1: the row lacks question"):
        gym.make("MedAgentGym-v0", data_path=data, dataset="treqs")
    (data / "treqs" / "train_tasks.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError, match="line 1: not JSON"):
        gym.make("MedAgentGym-v0", data_path=data, dataset="treqs")


def test_task_ids_are_the_rows_ids_per_split(data):
    train = gym.make("MedAgentGym-v0", data_path=data)
    test = gym.make("MedAgentGym-v0", data_path=data, split="test")  # read from valid_tasks.jsonl
    assert train.unwrapped.task_ids() == [row["id"] for row in TRAIN]
    assert test.unwrapped.task_ids() == [row["id"] for row in VALID]
    obs, info = train.reset(seed=0, options={"task_id": TRAIN[1]["id"]})
    assert info[keys.TASK_ID] == TRAIN[1]["id"]
    assert "what is the intake method of phenytoin infatab?" in obs and "mimic_iii.db" in obs
    with pytest.raises(ValueError, match="unknown task_id"):
        train.reset(options={"task_id": VALID[0]["id"]})
    train.close()
    test.close()


@pytest.mark.parametrize(
    ("task", "right", "wrong"),
    [
        (0, ["po", "PO", "['po']", '"po"'], ["oral (po)", "po, ng", "none", "the route is po"]),
        (1, ["po/ng, ng", "['ng', 'po/ng']", "ng; po/ng"], ["po/ng", "ng", "po/ng, ng, po", "po/ng ng"]),
        (2, ["3", "3.0", "[3]", "[(3,)]"], ["The answer is 3", "3 patients", "1, 2, 3", "4", "2.99"]),
        (3, ["none", "None", "[]", "null"], ["0", "unknown", "the question is impossible"]),
    ],
)
def test_answers_are_graded_by_value_not_by_substring(data, task, right, wrong):
    env = gym.make("MedAgentGym-v0", data_path=data)
    try:
        for text, expected in [(t, 1.0) for t in right] + [(t, 0.0) for t in wrong]:
            env.reset(seed=0, options={"task_id": TRAIN[task]["id"]})
            assert answer(env, text) == expected, text
    finally:
        env.close()


def test_npowerai_sizes_are_exact_and_powers_within_one_percent(data):
    env = gym.make("MedAgentGym-v0", data_path=data, dataset="npowerai")
    try:
        assert env.unwrapped.task_ids() == ["train-0", "train-1"]  # the rows share their task_id
        cases = {
            "train-0": (["4", "4.0", "[4]"], ["5", "3.9", "4 participants", "n = 4"]),
            "train-1": (
                ["0.8412", "0.84", "0.849", "[0.8412]"],
                ["0.83", "0.85", "0.86", "84%", "0.8412, 0.9"],
            ),
        }
        for task_id, (right, wrong) in cases.items():
            for text, expected in [(t, 1.0) for t in right] + [(t, 0.0) for t in wrong]:
                obs, _ = env.reset(seed=0, options={"task_id": task_id})
                assert "One-sample t-test" in obs
                assert answer(env, text) == expected, (task_id, text)
            env.reset(seed=0, options={"task_id": task_id})
            assert answer(env, env.unwrapped.expert_action()[len("answer[") : -1]) == 1.0
    finally:
        env.close()
    test = gym.make("MedAgentGym-v0", data_path=data, dataset="npowerai", split="test")
    assert test.unwrapped.task_ids() == ["test-0"]
    test.close()


@needs_sandbox
def test_the_ehr_expert_runs_the_rows_query_on_the_database_in_the_sandbox(data):
    for split, rows in (("train", TRAIN), ("test", VALID)):
        env = gym.make("MedAgentGym-v0", data_path=data, split=split)
        try:
            for row in rows:
                env.reset(seed=0, options={"task_id": row["id"]})
                *_, info = env.step("schema[]")
                assert "prescriptions (7 rows)" in env.unwrapped._describe()
                while True:
                    action = env.unwrapped.expert_action()
                    _, reward, terminated, _, info = env.step(action)
                    assert info[keys.ACTION_VALID]
                    if terminated:
                        break
                assert reward == 1.0, (row["id"], action)
        finally:
            env.close()


def test_a_database_too_big_for_the_sandbox_is_a_clear_error(data, monkeypatch):
    monkeypatch.setattr(medagentgym, "MAX_DATABASE_BYTES", 100)
    env = gym.make("MedAgentGym-v0", data_path=data)
    with pytest.raises(EnvError, match="work directory takes at most"):
        env.reset(seed=0)
    env.close()


@needs_sandbox
@pytest.mark.slow
def test_biocoder_runs_the_submission_in_the_tasks_program_and_compares_its_output(data):
    env = gym.make("MedAgentGym-v0", data_path=data, dataset="biocoder", step_timeout=3)
    try:
        env.reset(seed=0, options={"task_id": "98b443b7"})
        assert "def gc_fraction(seq)" in env.unwrapped.task.question
        assert "<<insert solution here>>" in env.unwrapped.task.question
        assert answer(env, env.unwrapped.expert_action()[len("answer[") : -1]) == 1.0
        attempts = {
            "```python\n" + SOLUTION + "\n```": 1.0,  # fenced
            "def gc_fraction(seq):\n    return sum(b in 'GC' for b in seq) / len(seq)": 1.0,  # another way
            "def gc_fraction(seq):\n    return (seq.count('G') + seq.count('C')) / (len(seq) + 1)": 0.0,
            "def gc_fraction(seq):\n    return seq.count('G') / len(seq)": 0.0,
            "print('0.5')\n" + SOLUTION: 0.0,  # prints more than the program does
            "import sys\nprint('All tests passed')\nsys.exit(0)": 0.0,
            "def gc_fraction(seq):\n    while True: pass": 0.0,
            "def gc_fraction(seq) return": 0.0,
            "def gc_fraction(seq):\n    return '\ud800'": 0.0,  # text no encoding takes
        }
        for text, expected in attempts.items():
            env.reset(seed=0, options={"task_id": "98b443b7"})
            assert answer(env, text) == expected, text
    finally:
        env.close()


@needs_sandbox
def test_a_biocoder_task_whose_reference_cannot_run_here_is_a_world_failure(data):
    broken = CONTEXT.replace("import random", "import random\nimport pysam_is_not_installed")
    write_jsonl(data / "biocoder" / "train_tasks.jsonl", [biocoder_row("b1", context=broken)])
    env = gym.make("MedAgentGym-v0", data_path=data, dataset="biocoder")
    try:
        env.reset(seed=0)
        *_, truncated, info = env.step(f"answer[{SOLUTION}]")
        assert truncated and info[keys.TRUNCATION_REASON] == "env_error"
        assert "reference program does not run here" in info[keys.ENV_ERROR]
    finally:
        env.close()


@needs_sandbox
@pytest.mark.slow
@pytest.mark.parametrize("check", list(CHECKS))
def test_conformance_on_the_small_files(data, monkeypatch, check):
    monkeypatch.setenv(DATA_VARIABLE, str(data))
    assert env_entry("MedAgentGym-v0").missing_requirement() is None
    CHECKS[check]("MedAgentGym-v0")
