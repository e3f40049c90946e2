"""MedCalcBench-v0 on a small csv written in MedCalc-Bench's exact format: rows by task_id, each graded
by its own output type and limits, a clear error without data, and the conformance checks."""

import csv

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.conformance import CHECKS
from palaestra.envs.medical.medcalc_bench import COLUMNS, DATA_VARIABLE, MedCalcBenchEnv, load_rows

NOTE = (
    'A 68-year-old man presented with "worsening" cough, fever and confusion.\n'
    "Vitals: BP 88/58 mmHg, RR 31/min.\n\nLabs: BUN 28 mg/dL, creatinine 1.4 mg/dL."
)
ROWS = [
    # Row Number, Calculator ID, Calculator Name, Category, Output Type, Note ID, Note Type, Patient Note,
    # Question, Relevant Entities, Ground Truth Answer, Lower Limit, Upper Limit, Ground Truth Explanation
    ["1", "45", "CURB-65 Score for Pneumonia Severity", "risk", "integer", "pmc-1", "Extracted", NOTE,
     "What is the patient's CURB-65 score?",
     "{'age': [68, 'years'], 'Confusion': True, 'Blood Urea Nitrogen (BUN)': [28.0, 'mg/dL'], "
     "'Respiratory Rate': [31.0, 'breaths per minute'], 'Systolic Blood Pressure': [88.0, 'mm hg'], "
     "'Diastolic Blood Pressure': [58.0, 'mm hg']}",
     "5", "5", "5", "The CURB-65 score is 1 + 1 + 1 + 1 + 1 = 5."],
    ["2", "6", "Body Mass Index (BMI)", "physical", "decimal", "pmc-2", "Extracted",
     "Patient is a 40-year-old woman, height 160 cm,\nweight 64 kg.",
     "What is the patient's BMI in terms of kg/m^2?",
     "{'weight': [64.0, 'kg'], 'height': [160.0, 'cm']}",
     "25.0", "23.75", "26.25", "BMI = 64 / 1.6^2 = 25.0 kg/m^2."],
    ["3", "13", "Estimated Due Date", "date", "date", "3", "Template",
     "The patient's last menstrual period was on 01/10/2023. Her cycle length is 28 days.",
     "Using Naegele's Rule, what is the patient's estimated due date?",
     "{'Last menstrual date': '01/10/2023', 'Cycle length': 28}",
     "10/17/2023", "10/17/2023", "10/17/2023", "LMP + 280 days."],
    ["4", "69", "Estimated Gestational Age", "date", "integer", "4", "Template",
     "The patient's last menstrual period was on 02/01/2023. Today's date is 03/05/2023.",
     "What is the patient's gestational age in weeks and days?",
     "{'Last menstrual date': '02/01/2023', 'Current Date': '03/05/2023'}",
     "('4 weeks', '4 days')", "('4 weeks', '4 days')", "('4 weeks', '4 days')", "32 days: 4 weeks 4 days."],
    ["5", "2", "Creatinine Clearance (Cockcroft-Gault Equation)", "lab", "decimal", "pmc-5", "Extracted",
     "A 60-year-old man, 72 kg, creatinine 1.0 mg/dL.",
     "What is the patient's Creatinine Clearance using the Cockroft-Gault Equation in terms of mL/min?",
     "{'age': [60, 'years'], 'weight': [72.0, 'kg'], 'creatinine': [1.0, 'mg/dL'], 'sex': 'Male'}",
     "80.0", "76.0", "84.0", "(140 - 60) x 72 / (72 x 1.0) = 80 mL/min."],
    ["6", "4", "CHA2DS2-VASc Score for Atrial Fibrillation Stroke Risk", "risk", "integer", "pmc-6",
     "Extracted",
     "An 80-year-old woman with atrial fibrillation and hypertension.",
     "What is the patient's CHA2DS2-VASc Score?",
     "{'age': [80, 'years'], 'sex': 'Female', 'Hypertension history': True}",
     "4", "4", "4", "Age 2 + female 1 + hypertension 1 = 4."],
]  # fmt: skip


def write_csv(path, rows=ROWS, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


@pytest.fixture
def data(tmp_path):
    return write_csv(tmp_path / "test_data.csv")


def test_rows_keep_multi_line_notes_and_parse_entities(data):
    rows = load_rows(data)
    assert list(rows) == ["1", "2", "3", "4", "5", "6"]
    assert rows["1"].note == NOTE and rows["1"].relevant_entities["Confusion"] is True
    assert rows["1"].relevant_entities["age"] == [68, "years"]
    assert [rows[r].output_type for r in rows] == [
        "integer",
        "decimal",
        "date",
        "weeks and days",
        "decimal",
        "integer",
    ]
    assert (rows["2"].lower, rows["2"].upper) == (23.75, 26.25)


def test_task_id_picks_the_row_and_the_note_is_shown_and_in_the_sandbox(data):
    env = gym.make("MedCalcBench-v0", data_path=str(data))
    obs, info = env.reset(seed=0, options={"task_id": "1"})
    assert NOTE in obs and "CURB-65" in obs and info[keys.TASK_ID] == "1"
    obs, *_ = env.step("run_python[print(open('note.txt').read())]")
    assert obs.startswith(NOTE)
    *_, terminated, truncated, info = env.step("answer[CURB-65 score: 5]")
    assert terminated and info[keys.SUCCESS] and info[keys.TASK_ID] == "1"
    env.close()


@pytest.mark.parametrize(
    "row, answer, right",
    [
        ("1", "5", True), ("1", "5 points", True), ("1", "4", False), ("1", "6", False),
        ("1", "5 or 6", False),
        ("2", "25.0", True), ("2", "24 kg/m^2", True), ("2", "BMI = 26.2", True), ("2", "26.5", False),
        ("2", "23.5", False), ("2", "about 25, or maybe 30", False), ("2", "25 %", False),
        ("3", "10/17/2023", True), ("3", "2023-10-17", True), ("3", "October 17, 2023", True),
        ("3", "10/18/2023", False), ("3", "10/17/2023 or 10/18/2023", False),
        ("4", "(4 weeks, 4 days)", True), ("4", "4 weeks and 4 days", True),
        ("4", "('4 weeks', '4 days')", True),
        ("4", "(4 weeks, 5 days)", False), ("4", "32 days", False),
        ("5", "80 mL/min", True), ("5", "83.9", True), ("5", "84.5", False), ("5", "1000", False),
        ("6", "CHA2DS2-VASc score is 4", True), ("6", "2", False),
    ],
)  # fmt: skip
def test_each_row_is_graded_by_its_type_and_limits(data, row, answer, right):
    assert load_rows(data)[row].grade(answer) == float(right)


def test_the_expert_answers_every_row(data):
    env = MedCalcBenchEnv(data_path=data)
    for row in env.task_ids():
        env.reset(seed=0, options={"task_id": row})
        *_, terminated, truncated, info = env.step(env.expert_action())
        assert info[keys.SUCCESS], row
    env.close()


def test_without_data_the_error_says_how_to_point_at_the_file(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_VARIABLE, raising=False)
    env = gym.make("MedCalcBench-v0")  # made, so that suites and listings can hold the id
    with pytest.raises(FileNotFoundError, match=f"data_path=.*{DATA_VARIABLE}"):
        env.reset(seed=0)
    env.close()
    assert DATA_VARIABLE in env_entry("MedCalcBench-v0").missing_requirement()  # so checks skip it
    with pytest.raises(FileNotFoundError, match="no MedCalc-Bench csv at"):
        MedCalcBenchEnv(data_path=tmp_path / "missing.csv")
    monkeypatch.setenv(DATA_VARIABLE, str(write_csv(tmp_path / "test_data.csv")))
    assert env_entry("MedCalcBench-v0").missing_requirement() is None


def test_malformed_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="lacks MedCalc-Bench's column"):
        load_rows(write_csv(tmp_path / "a.csv", [row[:-1] for row in ROWS], COLUMNS[:-1]))
    broken = [list(ROWS[0])]
    broken[0][9] = "{'age': [68, 'years'"
    with pytest.raises(ValueError, match="row '1'.*Relevant Entities"):
        load_rows(write_csv(tmp_path / "b.csv", broken))
    with pytest.raises(ValueError, match="appears twice"):
        load_rows(write_csv(tmp_path / "c.csv", [ROWS[0], ROWS[0]]))
    unknown = [list(ROWS[1])]
    unknown[0][4] = "fraction"
    unknown[0][10] = "0.5"
    with pytest.raises(ValueError, match="row '2'"):
        load_rows(write_csv(tmp_path / "d.csv", unknown))


@pytest.mark.parametrize("check", list(CHECKS))
def test_conformance_on_a_small_file(monkeypatch, data, check):
    monkeypatch.setenv(DATA_VARIABLE, str(data))
    CHECKS[check]("MedCalcBench-v0")
