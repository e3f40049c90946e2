"""The built-in problem set (its shape, every Coq proof checked by coqc with no axioms and replayed
tactic by tactic through coqtop) and the loaders of the public sets on files in their real formats.

The Lean proofs are not checked here: no Lean toolchain can be installed on these machines."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from palaestra.envs.formal.problems import (
    SPLITS,
    Problem,
    ProblemFileError,
    builtin_problems,
    coq_source,
    lean_source,
    load_gaokao,
    load_minif2f,
    problems_in,
)

TOPICS = {"nat", "list", "logic", "algebra"}
CLOSED = "Closed under the global context"


def require(command: str) -> str:
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"{command} is not installed: install Debian's coq (scripts/system-packages.sh does)")
    return path


# --- the set's shape -------------------------------------------------------------------------------


def test_the_set_is_large_unique_and_split_about_two_thirds_train():
    problems = builtin_problems()
    ids = [p.id for p in problems]
    assert len(problems) >= 60
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) for i in ids)
    assert {p.split for p in problems} == set(SPLITS)
    train, test = problems_in("train"), problems_in("test")
    assert len(train) + len(test) == len(problems)
    assert 0.6 <= len(train) / len(problems) <= 0.72
    for split in (train, test):
        assert {p.topic for p in split} == TOPICS
        assert {p.difficulty for p in split} == {1, 2, 3}
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        problems_in("valid")


@pytest.mark.parametrize("problem", builtin_problems(), ids=lambda p: p.id)
def test_each_problem_is_complete_in_words_coq_and_lean(problem: Problem):
    assert len(problem.informal) > 20 and problem.informal.endswith(".")
    assert problem.coq_statement.startswith(f"Theorem {problem.id} : ")
    assert problem.coq_statement.endswith(".")
    assert problem.coq_proof and all(t.strip().endswith(".") for t in problem.coq_proof)
    assert not any(re.search(r"\b(admit|Admitted|Axiom|Parameter)\b", t) for t in problem.coq_proof)
    assert problem.lean_statement.startswith(f"theorem {problem.id} ")
    assert not re.search(r":=\s*(by)?\s*$", problem.lean_statement)
    assert problem.lean_proof and not any(re.search(r"\b(sorry|admit)\b", t) for t in problem.lean_proof)
    assert "Mathlib" not in problem.lean_header


def test_the_whole_files_render_one_tactic_a_line():
    problem = next(p for p in builtin_problems() if p.id == "nat_consecutive_product_even")
    coq = coq_source(problem).splitlines()
    assert coq[:3] == [problem.coq_preamble, problem.coq_statement, "Proof."]
    assert coq[3:-1] == list(problem.coq_proof) and coq[-1] == "Qed."
    lean = lean_source(problem, ["induction n", "case zero => rfl", "case succ m ih =>\n  omega"])
    steps = "  induction n\n  case zero => rfl\n  case succ m ih =>\n    omega\n"
    assert lean == f"{problem.lean_statement} := by\n{steps}"
    gauss = next(p for p in builtin_problems() if p.id == "nat_gauss_sum")
    assert lean_source(gauss).startswith(gauss.lean_header + "\n\ntheorem nat_gauss_sum ")
    lean_only = replace(problem, coq_statement="", coq_proof=())
    with pytest.raises(ValueError, match="has no Coq statement"):
        coq_source(lean_only)


# --- Coq: compile the whole set, then replay it step by step ---------------------------------------


def by_imports(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by the first line of their preamble, the imports; the rest of a preamble
    (definitions) goes inside the problem's module."""
    groups: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        groups[problem.coq_preamble.partition("\n")[0]].append(problem)
    return groups


def module(problem: Problem) -> str:
    """Each problem in its own module, so that no proof can lean on another problem's theorem."""
    return f"Problem_{problem.id}"


def compile_set(problems: Iterable[Problem], folder: Path) -> list[tuple[list[Problem], str]]:
    """Check the problems with coqc, one file per imports, all files at once; for each file, what
    ``Print Assumptions`` says of a tuple of all its theorems (one traversal: the lia and ring
    lemmas the proofs share are walked once, not once per theorem). Fails on any coqc error."""
    coqc = require("coqc")
    runs = []
    for index, (imports, group) in enumerate(by_imports(problems).items()):
        body = "".join(
            f"Module {module(p)}.\n{coq_source(p).removeprefix(imports)}End {module(p)}.\n" for p in group
        )
        theorems = ", ".join(f"{module(p)}.{p.id}" for p in group)
        path = folder / f"problems_{index}.v"
        path.write_text(
            f"{imports}\n{body}Definition all_theorems := ({theorems}).\nPrint Assumptions all_theorems.\n"
        )
        command = [coqc, "-q", path.name]
        process = subprocess.Popen(
            command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        runs.append((group, process))
    results = []
    for group, process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"coqc failed on {[p.id for p in group]}:\n{err}"
        results.append((group, out))
    return results


def test_every_coq_reference_proof_compiles_without_axioms(tmp_path):
    results = compile_set(builtin_problems(), tmp_path)
    assert sum(len(group) for group, _ in results) == len(builtin_problems())
    for group, assumptions in results:
        assert assumptions.strip() == CLOSED, f"axioms in {[p.id for p in group]}:\n{assumptions}"


def test_the_compile_check_catches_an_axiom_and_a_broken_proof(tmp_path):
    excluded_middle = Problem(
        id="classical_em",
        split="train",
        topic="logic",
        informal="Every proposition is true or false.",
        coq_preamble="Require Import Classical.",
        coq_statement="Theorem classical_em : forall P : Prop, P \\/ ~ P.",
        coq_proof=("intros P.", "apply classic."),
        lean_statement="",
        lean_proof=(),
    )
    [(_, assumptions)] = compile_set([excluded_middle], tmp_path)
    assert assumptions.startswith("Axioms:") and "classic" in assumptions
    add_comm = next(p for p in builtin_problems() if p.id == "nat_add_comm")
    broken = replace(add_comm, coq_proof=add_comm.coq_proof[:-2] + ("reflexivity.",))
    with pytest.raises(AssertionError, match="coqc failed on \\['nat_add_comm'\\]"):
        compile_set([broken], tmp_path)


class Coqtop:
    """``coqtop -emacs`` fed one step at a time. Each step is followed by ``Check I.``, whose answer
    marks where the step's own output ends (a step may hold several sentences, each with a prompt)."""

    SENTINEL = re.compile(rb"</prompt>I\n\s+: True\n\s*<prompt>[^\n]*?</prompt>")
    ERROR = re.compile(rb"^Error:.*?</prompt>", re.MULTILINE | re.DOTALL)

    def __init__(self, folder: Path, timeout: float = 60.0):
        self.timeout = timeout
        self.process = subprocess.Popen(  # in its own folder: lia and nia write caches where they run
            [require("coqtop"), "-quiet", "-emacs"],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.pending = b""

    def step(self, text: str) -> tuple[str, bool]:
        """Run ``text``: its output, and whether it ran without an error."""
        self.process.stdin.write(f"{text}\nCheck I.\n".encode())
        self.process.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while True:
            for pattern, ok in ((self.ERROR, False), (self.SENTINEL, True)):
                match = pattern.search(self.pending)
                if match:
                    output, self.pending = self.pending[: match.start()], self.pending[match.end() :]
                    return output.decode(errors="replace") + ("" if ok else match.group().decode()), ok
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                raise AssertionError(f"coqtop gave no answer to {text!r}; it said {self.pending[-500:]!r}")
            self.pending += chunk

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def replay(problems: Iterable[Problem], folder: Path) -> list[str]:
    """Replay each problem step by step, one coqtop per imports; the faults found, in words. A fault
    stops its group, since coqtop's state after an error is not the script's."""
    faults = []
    for imports, group in by_imports(problems).items():
        coqtop = Coqtop(folder)
        try:
            faults += replay_group(coqtop, imports, group)
        finally:
            coqtop.close()
    return faults


def replay_group(coqtop: Coqtop, imports: str, group: list[Problem]) -> list[str]:
    if imports:
        output, ok = coqtop.step(imports)
        if not ok:
            return [f"imports {imports!r} failed: {output}"]
    for problem in group:
        definitions = problem.coq_preamble.partition("\n")[2]
        opening = [f"Module {module(problem)}.", definitions, problem.coq_statement, "Proof."]
        for text in filter(None, opening):
            output, ok = coqtop.step(text)
            if not ok:
                return [f"{problem.id}: {text!r} failed: {output}"]
        for index, tactic in enumerate(problem.coq_proof):
            output, ok = coqtop.step(tactic)
            last = index == len(problem.coq_proof) - 1
            if not ok:
                return [f"{problem.id}: step {index} {tactic!r} failed: {output}"]
            if ("No more goals." in output) != last:
                return [f"{problem.id}: step {index} {tactic!r} {'leaves goals' if last else 'ends early'}"]
        for text in ("Qed.", f"End {module(problem)}."):
            output, ok = coqtop.step(text)
            if not ok:
                return [f"{problem.id}: {text!r} failed: {output}"]
    return []


@pytest.mark.slow
def test_every_coq_reference_proof_replays_one_step_at_a_time(tmp_path):
    assert replay(builtin_problems(), tmp_path) == []


def test_the_replay_names_the_step_that_fails_and_a_step_cut_mid_sentence(tmp_path):
    add_comm = next(p for p in builtin_problems() if p.id == "nat_add_comm")
    wrong = replace(add_comm, coq_proof=add_comm.coq_proof[:3] + ("rewrite IH.",) + add_comm.coq_proof[4:])
    [fault] = replay([wrong], tmp_path)
    assert fault.startswith("nat_add_comm: step 3 'rewrite IH.' failed") and "Error:" in fault
    cut = replace(add_comm, coq_proof=("intros n m", "induction n."))
    [fault] = replay([cut], tmp_path)
    assert fault.startswith("nat_add_comm: step 0 'intros n m' failed")
    early = replace(add_comm, coq_proof=("intros n m.", "lia.", "reflexivity."))
    [fault] = replay([early], tmp_path)
    assert fault == "nat_add_comm: step 1 'lia.' ends early"


# --- the public sets' loaders ------------------------------------------------------------------------

LEAN_IMPORTS = "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
MINIF2F_HEADER = f"{LEAN_IMPORTS}open BigOperators Real Nat Topology Rat\n\n"


def minif2f_row(name: str, split: str, statement: str, informal: str = "Show that it is 65.") -> dict:
    return {
        "name": name,
        "split": split,
        "informal_prefix": f"/-- {informal}-/\n",
        "formal_statement": statement,
        "goal": "b h v : ℝ\n⊢ v = 65",
        "header": MINIF2F_HEADER,
    }


def write_jsonl(path: Path, rows: Iterable[dict | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_minif2f_rows_become_lean_only_problems(tmp_path):
    cone = (
        "theorem mathd_algebra_478 (b h v : ℝ) (h₀ : 0 < b ∧ 0 < h ∧ 0 < v) (h₁ : v = 1 / 3 * (b * h))\n"
        "    (h₂ : b = 30) (h₃ : h = 13 / 2) : v = 65 := by\n"
    )
    rows = [
        minif2f_row(
            "mathd_algebra_478", "valid", cone, "The volume of a cone is $V = \\frac{1}{3}Bh$. Show that"
        ),
        "",
        minif2f_row("amc12a_2019_p21", "test", "theorem amc12a_2019_p21 (z : ℂ) : z = z := by\n"),
        minif2f_row(
            "imo_1959_p1",
            "test",
            "theorem imo_1959_p1 (n : ℕ) (h₀ : 0 < n) :\n    Nat.gcd (21 * n + 4) (14 * n + 3) = 1 := by\n",
        ),
    ]
    cone_problem, amc, imo = load_minif2f(write_jsonl(tmp_path / "minif2f.jsonl", rows))
    assert cone_problem.id == "mathd_algebra_478" and cone_problem.split == "train"
    assert cone_problem.topic == "mathd_algebra" and amc.topic == "amc12a" and imo.topic == "imo"
    assert cone_problem.informal == "The volume of a cone is $V = \\frac{1}{3}Bh$. Show that"
    assert cone_problem.lean_statement == cone.removesuffix(" := by\n")
    assert cone_problem.lean_header == MINIF2F_HEADER.strip()
    assert (cone_problem.coq_statement, cone_problem.coq_proof, cone_problem.lean_proof) == ("", (), ())
    assert imo.split == "test" and imo.lean_statement.endswith("Nat.gcd (21 * n + 4) (14 * n + 3) = 1")
    assert lean_source(imo).startswith("import Mathlib\nimport Aesop\n")
    assert lean_source(imo, ["sorry"]).endswith("= 1 := by\n  sorry\n")


def test_gaokao_rows_split_the_file_into_header_and_theorem(tmp_path):
    source = (
        f"{LEAN_IMPORTS}open BigOperators Real Nat Topology\n\n"
        "/-- 已知集合 A = {1, 2}，求证 A 有两个元素。 -/\n"
        "theorem gaokaoformal_g_0 (A : Finset ℕ) (hA : A = {1, 2}) :\n    A.card = 2 := by sorry"
    )
    rows = [
        {
            "id": "g_0",
            "NL_Chinese": "已知集合 A = {1, 2}，求证 A 有两个元素。",
            "NL_English": "Given the set A = {1, 2}, prove that A has two elements.\n",
            "formal_statement": source,
            "category": "集合",
        },
        {
            "id": "g_1",
            "NL_Chinese": "证明 1 + 1 = 2。",
            "NL_English": "Prove that 1 + 1 = 2.",
            "formal_statement": "import Mathlib\n\n/- helper -/\nlemma two : (2 : ℕ) = 1 + 1 := rfl\n\n"
            "theorem g_1 : (1 : ℕ) + 1 = 2 := by\n  sorry\n",
            "category": "algebra",
        },
    ]
    sets, arithmetic = load_gaokao(write_jsonl(tmp_path / "gaokao.jsonl", rows))
    assert sets.id == "g_0" and sets.split == "test" and sets.topic == "集合"
    assert sets.informal == "Given the set A = {1, 2}, prove that A has two elements."
    assert sets.lean_header == f"{LEAN_IMPORTS}open BigOperators Real Nat Topology"
    assert (
        sets.lean_statement == "theorem gaokaoformal_g_0 (A : Finset ℕ) (hA : A = {1, 2}) :\n    A.card = 2"
    )
    assert arithmetic.lean_header == "import Mathlib\n\n/- helper -/\nlemma two : (2 : ℕ) = 1 + 1 := rfl"
    assert arithmetic.lean_statement == "theorem g_1 : (1 : ℕ) + 1 = 2"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "Expecting property name"),
        ('["a list"]', "expected a JSON object, got list"),
        (
            json.dumps(
                {
                    k: v
                    for k, v in minif2f_row("x", "test", "theorem x : True := by\n").items()
                    if k != "header"
                }
            ),
            "missing field 'header'",
        ),
        (
            json.dumps({**minif2f_row("x", "test", "theorem x : True := by\n"), "name": 7}),
            "field 'name' is int, not a string",
        ),
        (json.dumps(minif2f_row("x", "train", "theorem x : True := by\n")), "split 'train' is not one of"),
        (json.dumps(minif2f_row("x", "test", "theorem x : True")), "does not end in ':= by'"),
        (json.dumps(minif2f_row("ok", "test", "theorem ok : True := by\n")), "id 'ok' already on line 1"),
    ],
)
def test_a_bad_minif2f_line_is_an_error_naming_file_and_line(tmp_path, line, message):
    good = minif2f_row("ok", "test", "theorem ok : True := by\n")
    path = write_jsonl(tmp_path / "bad.jsonl", [good, "", line])
    with pytest.raises(ProblemFileError, match=re.escape(f"{path}:3: ") + ".*" + re.escape(message)):
        load_minif2f(path)


def test_a_line_that_is_not_utf8_is_an_error_naming_file_and_line(tmp_path):
    good = json.dumps(minif2f_row("ok", "test", "theorem ok : True := by\n")).encode()
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + b"\n" + '{"name": "caf\u00e9"}'.encode("latin-1") + b"\n")
    with pytest.raises(ProblemFileError, match=re.escape(f"{path}:2: ") + "'utf-8' codec can't decode"):
        load_minif2f(path)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("import Mathlib\n\ndef f : ℕ := 1\n", "formal_statement has no theorem"),
        (
            "import Mathlib\n\nlemma h : True := by sorry\n\ntheorem g : True := by sorry",
            "formal_statement has a sorry before its last theorem",
        ),
    ],
)
def test_a_bad_gaokao_line_is_an_error_naming_file_and_line(tmp_path, statement, message):
    row = {
        "id": "g_9",
        "NL_Chinese": "证明。",
        "NL_English": "Prove.",
        "formal_statement": statement,
        "category": "x",
    }
    path = write_jsonl(tmp_path / "gaokao.jsonl", [row])
    with pytest.raises(ProblemFileError, match=re.escape(f"{path}:1: {message}")):
        load_gaokao(path)


def test_a_gaokao_row_without_its_category_is_an_error(tmp_path):
    row = {
        "id": "g_9",
        "NL_Chinese": "证明。",
        "NL_English": "Prove.",
        "formal_statement": "theorem g : True := by sorry",
    }
    path = write_jsonl(tmp_path / "gaokao.jsonl", [row])
    with pytest.raises(ProblemFileError, match=re.escape(f"{path}:1: missing field 'category'")):
        load_gaokao(path)
