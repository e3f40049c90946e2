"""The Lean backend's protocol handling, on transcripts in the Lean REPL's documented format replayed by
a stand-in REPL process (``fake_lean_repl.py``): this tests palaestra's client, not Lean. The tests
marked ``both`` also run against a real REPL where ``PALAESTRA_LEAN_REPL`` names one, and skip, saying
so, elsewhere."""

import json
import os
import shlex
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import info as keys
from palaestra.envs.formal.provers import LeanProver, ProverUnavailableError
from palaestra.envs.formal.provers.lean import lean_refusal, reply_errors
from tests.envs.formal.conftest import SMALL_PROBLEMS

FAKE = Path(__file__).with_name("fake_lean_repl.py")
ADD = "theorem add_zero_right (n : Nat) : n + 0 = n"
ZERO = "theorem zero_add_left (n : Nat) : 0 + n = n"
POW = "theorem pow_ten : 2 ^ 10 = 1024"
EM = "theorem excluded_middle (p : Prop) : p ∨ ¬p"
AND = "theorem and_both (p q : Prop) (hp : p) (hq : q) : p ∧ q"
HYPS = "p q : Prop\nhp : p\nhq : q\n"


def at(line, column, end_line, end_column):
    return {"pos": {"line": line, "column": column}, "endPos": {"line": end_line, "column": end_column}}


def info(data, line):
    return {"severity": "info", **at(line, 0, line, 12), "data": data}


def verify_request(statement, proof):
    name = statement.split()[1]
    return {"cmd": f"{statement} := by\n  {proof}\n\n#print axioms {name}"}


def tactic(text, state):
    return {"tactic": text, "proofState": state}


OPEN_AND = {
    "request": {"cmd": f"{AND} := by sorry"},
    "response": {
        "sorries": [{"proofState": 0, **at(1, 60, 1, 65), "goal": f"{HYPS}⊢ p ∧ q"}],
        "messages": [{"severity": "warning", **at(1, 8, 1, 16), "data": "declaration uses 'sorry'"}],
        "env": 1,
    },
}
TRANSCRIPT = [
    {
        "request": verify_request(ADD, "rfl"),
        "response": {"env": 0, "messages": [info("'add_zero_right' does not depend on any axioms", 4)]},
    },
    {
        "request": verify_request(ZERO, "rfl"),
        "response": {
            "env": 0,
            "messages": [
                {"severity": "error", **at(2, 2, 2, 5), "data": "The rfl tactic failed."},
                info("'zero_add_left' depends on axioms: [sorryAx]", 4),
            ],
        },
    },
    {
        "request": verify_request(POW, "native_decide"),
        "response": {
            "env": 0,
            "messages": [info("'pow_ten' depends on axioms: [propext, Lean.ofReduceBool]", 4)],
        },
    },
    {
        "request": verify_request(EM, "exact Classical.em p"),
        "response": {
            "env": 0,
            "messages": [
                info("'excluded_middle' depends on axioms: [propext, Classical.choice, Quot.sound]", 4)
            ],
        },
    },
    OPEN_AND,
    {
        "request": tactic("constructor", 0),
        "response": {
            "proofState": 1,
            "goals": [f"case left\n{HYPS}⊢ p", f"case right\n{HYPS}⊢ q"],
            "proofStatus": "Incomplete: open goals remain",
        },
    },
    {
        "request": tactic("exact hq", 1),
        "response": {
            "messages": [
                {
                    "severity": "error",
                    **at(0, 0, 0, 0),
                    "data": "type mismatch\n  hq\nhas type\n  q : Prop\nbut is expected to have type\n  p",
                }
            ],
            "proofState": 2,
            "goals": [],
        },
    },
    {
        "request": tactic("exact hp", 1),
        "response": {
            "proofState": 3,
            "goals": [f"case right\n{HYPS}⊢ q"],
            "proofStatus": "Incomplete: open goals remain",
        },
    },
    {
        "request": tactic("exact hq", 3),
        "response": {"proofState": 4, "goals": [], "proofStatus": "Completed"},
    },
]


def fake_repl(tmp_path, entries):
    """The command of a stand-in REPL replaying ``entries``; its requests are logged next to it."""
    transcript = tmp_path / "transcript.json"
    transcript.write_text(json.dumps(entries, ensure_ascii=False))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE))} {shlex.quote(str(transcript))}"


def sent(tmp_path):
    log = tmp_path / "transcript.json.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture(params=["transcript", "real REPL"])
def lean(request, tmp_path):
    """A Lean prover on the transcript, or on a real REPL where one is configured."""
    if request.param == "real REPL":
        if not os.environ.get("PALAESTRA_LEAN_REPL"):
            pytest.skip("no real Lean REPL: set PALAESTRA_LEAN_REPL to run these tests against Lean itself")
        prover = LeanProver(timeout=120)
    else:
        prover = LeanProver(repl=fake_repl(tmp_path, TRANSCRIPT), timeout=10)
    yield prover
    prover.close()


@pytest.fixture
def fake(tmp_path):
    def make(entries, **kwargs):
        prover = LeanProver(repl=fake_repl(tmp_path, entries), **kwargs)
        made.append(prover)
        return prover

    made = []
    yield make
    for prover in made:
        prover.close()


def test_both_a_proof_is_accepted_with_no_axiom(lean):
    verdict = lean.verify(ADD, "rfl")
    assert verdict.accepted, verdict.render()


def test_both_a_broken_proof_is_rejected_with_leans_message(lean):
    verdict = lean.verify(ZERO, "rfl")
    assert not verdict.accepted and verdict.reason.startswith("rejected by Lean: ")
    error = next(m for m in verdict.messages if m.severity == "error")
    assert error.line == 2 and error.text in verdict.reason


def test_both_non_standard_axioms_are_rejected_and_the_standard_three_accepted(lean):
    verdict = lean.verify(POW, "native_decide")
    assert not verdict.accepted and "non-standard axioms: Lean.ofReduceBool" in verdict.reason
    assert lean.verify(EM, "exact Classical.em p").accepted


def test_both_tactic_mode_moves_the_proof_and_errors_leave_the_state(lean):
    start = lean.open_theorem(AND)
    assert start.goals == (f"{HYPS}⊢ p ∧ q",) and not start.solved
    split = lean.apply(start, "constructor")
    assert split.state.goals == (f"case left\n{HYPS}⊢ p", f"case right\n{HYPS}⊢ q")
    wrong = lean.apply(split.state, "exact hq")
    assert wrong.state is None and "type mismatch" in wrong.error
    left = lean.apply(split.state, "exact hp")
    assert left.state.goals == (f"case right\n{HYPS}⊢ q",) and not left.state.solved
    done = lean.apply(left.state, "exact hq")
    assert done.state.solved and done.state.goals == ()


@pytest.mark.parametrize(
    ("proof", "why"),
    [
        ("sorry", "sorry leaves a goal unproved"),
        ("admit", "admit leaves a goal unproved"),
        ('run_tac (IO.println "hi")', "run_tac runs arbitrary meta-code"),
        ("set_option debug.skipKernelTC true in rfl", "set_option changes the checker's settings"),
    ],
)
def test_both_refused_proofs_never_reach_lean(lean, proof, why, tmp_path):
    verdict = lean.verify(ADD, proof)
    assert not verdict.accepted and why in verdict.reason
    assert sent(tmp_path) == []


def test_eval_of_io_and_commands_are_refused_before_the_repl(fake, tmp_path):
    prover = fake(TRANSCRIPT)
    for text, why in (
        ('#eval IO.Process.run {cmd := "sh", args := #["-c", "touch /tmp/x"]}', "#eval runs code"),
        ('def f : IO Unit := IO.FS.writeFile "x" ""', "IO actions are refused"),
        ("axiom cheat : False", "axiom declares an assumption"),
        ('macro "cheat" : tactic => `(tactic| sorry)', "macro defines meta-code"),
        ("import Mathlib.Tactic", "import loads modules"),
    ):
        result = prover.check(text)
        assert not result.ok and why in result.errors[0].text, text
    assert lean_refusal('theorem t : "#eval" = "#eval" := rfl -- #eval in a comment', proof=False) is None
    assert lean_refusal("exact (unsafe_cast 0)", proof=True) is None  # a name is no keyword: Lean judges it
    assert sent(tmp_path) == [] and prover.pid is None


def test_a_reply_without_its_messages_is_not_trusted(fake):
    prover = fake(
        [
            {"request": verify_request("theorem t1 : True", "trivial"), "response": {"env": 0}},
            {
                "request": verify_request("theorem t2 : 1 = 1", "decide"),
                "response": {
                    "env": 0,
                    "messages": [
                        {"severity": "warning", **at(1, 8, 1, 10), "data": "declaration uses 'sorry'"},
                        info("'t2' does not depend on any axioms", 4),
                    ],
                },
            },
            {
                "request": verify_request("theorem t3 : True", "trivial"),
                "response": {"message": "Lean error: crash"},
            },
        ]
    )
    assert "lacks the #print axioms report" in prover.verify("theorem t1 : True", "trivial").reason
    assert "uses sorry" in prover.verify("theorem t2 : 1 = 1", "decide").reason
    assert prover.verify("theorem t3 : True", "trivial").reason == "rejected by Lean: Lean error: crash"


def test_no_goals_is_not_a_complete_proof_without_completed(fake):
    prover = fake(
        [
            OPEN_AND,
            {
                "request": tactic("exact ⟨?_, hq⟩", 0),
                "response": {
                    "proofState": 1,
                    "goals": [],
                    "proofStatus": "Incomplete: contains metavariable(s)",
                },
            },
            {
                "request": tactic("exact ⟨sorry_free, hq⟩", 0),
                "response": {"proofState": 2, "goals": [], "sorries": [{"proofState": 3, "goal": "⊢ p"}]},
            },
        ]
    )
    start = prover.open_theorem(AND)
    meta = prover.apply(start, "exact ⟨?_, hq⟩").state
    assert not meta.solved and meta.render() == (
        "No goals shown, but the proof is not complete. Incomplete: contains metavariable(s)"
    )
    assert not prover.apply(start, "exact ⟨sorry_free, hq⟩").state.solved


def test_errors_are_read_on_every_channel():
    assert reply_errors({"proofStatus": "Error: kernel type check failed"}) == [
        "Error: kernel type check failed"
    ]
    assert reply_errors({"message": " Lean error:\nunknown proof state "}) == [
        "Lean error:\nunknown proof state"
    ]
    assert (
        reply_errors({"messages": [{"severity": "warning", "data": "w"}], "proofStatus": "Completed"}) == []
    )


def test_a_repl_that_hangs_is_stopped_and_the_state_rebuilt(fake, tmp_path):
    prover = fake(TRANSCRIPT + [{"request": tactic("repeat trivial", 1), "hang": True}], timeout=10)
    split = prover.apply(prover.open_theorem(AND), "constructor").state
    stuck = prover.apply(split, "repeat trivial", timeout=0.5)
    assert stuck.timed_out and "ran past 0.5 s" in stuck.error and prover.restarts == 1
    left = prover.apply(
        split, "exact hp"
    )  # a fresh REPL: the statement is opened again, constructor replayed
    assert left.state.goals == (f"case right\n{HYPS}⊢ q",)
    assert sent(tmp_path)[-3:] == [OPEN_AND["request"], tactic("constructor", 0), tactic("exact hp", 1)]


def test_a_repl_that_dies_is_restarted_and_the_call_retried(fake, tmp_path):
    flag = tmp_path / "died"
    dying = {"request": tactic("exact hp", 1), "exit_once": str(flag), "response": TRANSCRIPT[7]["response"]}
    prover = fake([dying] + TRANSCRIPT)
    split = prover.apply(prover.open_theorem(AND), "constructor").state
    left = prover.apply(split, "exact hp")
    assert flag.exists() and prover.restarts == 1
    assert left.state.goals == (f"case right\n{HYPS}⊢ q",)


def test_the_header_is_imported_once_per_process(fake, tmp_path):
    header = "open Nat"
    prover = fake(
        [
            {"request": {"cmd": header}, "response": {"env": 0}},
            {"request": {"cmd": "example : True := trivial", "env": 0}, "response": {"env": 1}},
        ]
    )
    assert prover.check("example : True := trivial", preamble=header).ok
    assert prover.check("example : True := trivial", preamble=header).ok
    assert [request.get("cmd") for request in sent(tmp_path)] == [header, "example : True := trivial"] + [
        "example : True := trivial"
    ]


def test_without_a_repl_the_error_says_how_to_configure_one(monkeypatch):
    monkeypatch.delenv("PALAESTRA_LEAN_REPL", raising=False)
    with pytest.raises(
        ProverUnavailableError, match="set PALAESTRA_LEAN_REPL to its folder or to the command"
    ):
        LeanProver()


def test_the_lean_proof_env_plays_over_the_protocol(tmp_path):
    statement = "theorem and_swap (P Q : Prop) (h : P ∧ Q) : Q ∧ P"
    repl = fake_repl(
        tmp_path,
        [
            {
                "request": {"cmd": f"{statement} := by sorry"},
                "response": {
                    "sorries": [{"proofState": 0, "goal": "P Q : Prop\nh : P ∧ Q\n⊢ Q ∧ P"}],
                    "env": 1,
                },
            },
            {
                "request": tactic("exact ⟨h.2, h.1⟩", 0),
                "response": {"proofState": 1, "goals": [], "proofStatus": "Completed"},
            },
            {
                "request": verify_request(statement, "exact ⟨h.2, h.1⟩"),
                "response": {"env": 2, "messages": [info("'and_swap' does not depend on any axioms", 4)]},
            },
        ],
    )
    env = gym.make("LeanProof-Text-v0", repl=repl, problems_path=str(SMALL_PROBLEMS))
    try:
        obs, _ = env.reset(seed=0, options={"task_id": "and_swap"})
        assert obs == "Goal 1 of 1:\nP Q : Prop\nh : P ∧ Q\n⊢ Q ∧ P"
        *_, info_ = env.step('#eval IO.println "hi"')
        assert not info_[keys.ACTION_VALID] and "refused: #eval runs code" in info_[keys.ACTION_ERROR]
        obs, reward, terminated, _, info_ = env.step(f"<action>{env.unwrapped.expert_action()}</action>")
        assert (reward, terminated, info_[keys.SUCCESS]) == (1.0, True, True)
        assert "accepted: Lean checked the proof; it depends on no axiom" in obs
    finally:
        env.close()


def test_the_lean_whole_proof_and_formalize_envs_play_over_the_protocol(tmp_path):
    statement = "theorem zero_add_left (n : Nat) : 0 + n = n"
    repl = fake_repl(
        tmp_path,
        [
            {
                "request": verify_request(statement, "exact Nat.zero_add n"),
                "response": {
                    "env": 0,
                    "messages": [info("'zero_add_left' does not depend on any axioms", 4)],
                },
            },
            {
                "request": {"cmd": "theorem zl (n : Nat) : 0 + n = n := by sorry"},
                "response": {
                    "env": 1,
                    "sorries": [{"proofState": 0, "goal": "n : Nat\n⊢ 0 + n = n"}],
                    "messages": [
                        {"severity": "warning", **at(1, 8, 1, 10), "data": "declaration uses 'sorry'"}
                    ],
                },
            },
        ],
    )
    whole = gym.make("LeanProofWhole-Text-v0", repl=repl, problems_path=str(SMALL_PROBLEMS))
    formalize = gym.make("LeanFormalize-Text-v0", repl=repl, problems_path=str(SMALL_PROBLEMS))
    try:
        whole.reset(seed=0, options={"task_id": "zero_add_left"})
        *_, info_ = whole.step("theorem zero_add_left (n : Nat) : n + 0 = n := by\n  simp")
        assert not info_[keys.ACTION_VALID] and "the statement was changed" in info_[keys.ACTION_ERROR]
        *_, info_ = whole.step("by\n  sorry")
        assert not info_[keys.ACTION_VALID] and "sorry leaves a goal unproved" in info_[keys.ACTION_ERROR]
        *_, reward, terminated, _, info_ = whole.step(f"{statement} := by\n  exact Nat.zero_add n")
        assert (reward, terminated, info_[keys.SUCCESS]) == (1.0, True, True)
        formalize.reset(seed=0, options={"task_id": "zero_add_left"})
        *_, info_ = formalize.step('theorem zl : True := by\n  #eval IO.println "hi"')
        assert not info_[keys.ACTION_VALID]
        *_, reward, terminated, _, info_ = formalize.step("theorem zl (n : Nat) : 0 + n = n := by sorry")
        assert (reward, terminated, info_["scoring"]) == (1.0, True, "compilation-only")
    finally:
        whole.close()
        formalize.close()


LEAN_ODD = [
    "",
    "-- a comment only",
    "/- unclosed",
    '"unclosed',
    "by",
    ":= by",
    "theorem",
    "sorry",
    "#check 1",
]
LEAN_ODD += ["example : True := trivial", "by\n\n", "theorem x : True", "⊢", "\\", "{", "⟨", "end"]


@pytest.mark.parametrize("env_id", ["LeanProof-Text-v0", "LeanProofWhole-Text-v0", "LeanFormalize-Text-v0"])
def test_odd_lean_text_is_an_invalid_action_or_a_step_never_an_exception(env_id, tmp_path):
    statement = "theorem add_zero_right (n : Nat) : n + 0 = n"
    opened = {"sorries": [{"proofState": 0, "goal": "n : Nat\n⊢ n + 0 = n"}], "env": 0}
    repl = fake_repl(tmp_path, [{"request": {"cmd": f"{statement} := by sorry"}, "response": opened}])
    env = gym.make(env_id, repl=repl, problems_path=str(SMALL_PROBLEMS))
    try:
        for text in LEAN_ODD:
            env.reset(seed=0, options={"task_id": "add_zero_right"})
            obs, _, _, _, info_ = env.step(text)
            assert env.observation_space.contains(obs) and info_.get(keys.TRUNCATION_REASON) != "env_error", (
                text
            )
        if env_id == "LeanProofWhole-Text-v0":
            for empty in ("by", "-- a comment only", f"{statement} := by"):
                env.reset(seed=0, options={"task_id": "add_zero_right"})
                *_, info_ = env.step(empty)
                assert not info_[keys.ACTION_VALID] and "the proof is empty" in info_[keys.ACTION_ERROR], (
                    empty
                )
    finally:
        env.close()
