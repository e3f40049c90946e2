"""Which Coq proofs count: reference proofs do; broken ones, changed statements, unfinished proofs, new
axioms and Qed tricks do not; commands that reach the file system or the shell never reach coqtop."""

import pytest

from palaestra.envs.formal.env import load_problem_file
from palaestra.envs.formal.problems import builtin_problems
from palaestra.envs.formal.provers import CoqProver
from palaestra.envs.formal.provers.coq_text import refusal, split_sentences
from tests.envs.formal.conftest import SMALL_PROBLEMS

ADD_ZERO = "Theorem add_zero_right : forall n : nat, n + 0 = n."
PROOF = "intros n. induction n as [| k IH]. - reflexivity. - simpl. rewrite IH. reflexivity."
PROBLEMS = builtin_problems() + load_problem_file(SMALL_PROBLEMS)


@pytest.mark.slow  # Print Assumptions reads the opaque proofs of every library a proof uses
@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.coq_statement], ids=lambda p: p.id)
def test_every_reference_proof_is_accepted(coq, problem):
    verdict = coq.verify(problem.coq_statement, "\n".join(problem.coq_proof), problem.coq_preamble)
    assert verdict.accepted, verdict.render()


def test_a_broken_proof_is_rejected_with_coqs_message(coq):
    verdict = coq.verify(ADD_ZERO, "intros n. induction n as [| k IH]. - reflexivity. - simpl. reflexivity.")
    assert not verdict.accepted
    assert verdict.reason.startswith("rejected by Coq: In environment")
    assert 'Unable to unify "S k" with "S (k + 0)"' in verdict.render()
    incomplete = coq.verify(ADD_ZERO, "intros n. induction n.")
    assert "Attempt to save an incomplete proof" in incomplete.reason


def test_an_ill_founded_recursion_is_rejected_at_qed(coq):
    verdict = coq.verify(ADD_ZERO, "fix IH 1. intros n. apply IH.")
    assert not verdict.accepted and "Recursive definition of IH is ill-formed" in verdict.reason


def test_a_proof_written_differently_is_accepted(coq):
    for proof in (
        "Proof.\n  intros n.\n  induction n; simpl; congruence.\nQed.",
        "intro m. induction m as [|m IHm]; [reflexivity | simpl; f_equal; exact IHm].",
        "(* by induction *) intros n; induction n; [ | cbn; rewrite IHn ]; reflexivity.",
        "Proof. exact (fun n => eq_sym (plus_n_O n)). Qed.",
    ):
        assert coq.verify(ADD_ZERO, proof).accepted, proof


def test_a_proof_leaning_on_an_axiom_is_rejected_by_print_assumptions(coq):
    statement = "Theorem excluded_middle : forall P : Prop, P \\/ ~ P."
    verdict = coq.verify(statement, "intros P. apply classic.", "Require Import Coq.Logic.Classical_Prop.")
    assert not verdict.accepted
    assert (
        verdict.reason
        == "rejected: the proof relies on assumptions: Axioms: classic : forall P : Prop, P \\/ ~ P"
    )


@pytest.mark.parametrize(
    ("proof", "why"),
    [
        ("intros n. Admitted.", "Admitted is a command"),
        ("intros n. admit.", "admit leaves a goal unproved"),
        ("intros n. induction n. - give_up. - admit.", "give_up leaves a goal unproved"),
        ("intros n. (now admit).", "admit leaves a goal unproved"),
        ("Abort. Theorem add_zero_right : True. exact I.", "Abort is a command"),
        ("Qed. Theorem add_zero_right : 1 = 1. reflexivity.", "Qed is a command"),
        ("intros n. Defined. exact I.", "Defined is a command"),
        ("End Section1. exact I.", "End is a command"),
        ("Axiom cheat : forall n, n + 0 = n. exact cheat.", "Axiom declares an assumption"),
        ("Parameter cheat : forall n, n + 0 = n. exact cheat.", "Parameter declares an assumption"),
        ("Unset Guard Checking. intros n. auto.", "Unset changes the checker's settings"),
        ("#[bypass_check(guard)] fix f 1. exact f.", "attributes"),
        ('intros n. idtac "<prompt>Coq < 1 || 0 < </prompt>".', "prompt>"),
        ("intros n. native_compute. auto.", "native_compute is refused"),
    ],
)
def test_qed_tricks_and_unfinished_proofs_are_rejected(coq, proof, why):
    verdict = coq.verify(ADD_ZERO, proof)
    assert not verdict.accepted and why in verdict.reason


def test_the_statement_cannot_be_changed_from_inside_the_proof(coq):
    # The theorem is assembled from the problem's statement: a proof can only prove that one.
    assert not coq.verify("Theorem add_zero_right : forall n : nat, 0 + n = n.", PROOF).accepted
    assert coq.verify(
        "Theorem add_zero_right : forall n : nat, 0 + n = n.", "intros n. reflexivity."
    ).accepted


OUTSIDE = [
    'Load "/etc/passwd".',
    "Load Verbose passwd.",
    'Redirect "/tmp/palaestra-escape" Check 1.',
    'Extraction "/tmp/palaestra-escape.ml" nat.',
    "Recursive Extraction nat.",
    "Separate Extraction nat.",
    "Drop.",
    'Cd "/".',
    "Pwd.",
    'Add LoadPath "/tmp" as Escape.',
    'Add Rec LoadPath "/" as Root.',
    'Add ML Path "/tmp".',
    'Declare ML Module "unix".',
    'Require Import "/etc/passwd".',
    'From "/tmp" Require Import Escape.',
    'Set Extraction Output Directory "/tmp".',
]


@pytest.mark.parametrize("command", OUTSIDE)
def test_commands_reaching_outside_are_refused_before_coqtop_starts(command):
    prover = CoqProver()
    try:
        result = prover.check(f"{command}\n{ADD_ZERO}\nProof. intros n. induction n; simpl; congruence. Qed.")
        assert (
            not result.ok
            and "palaestra refuses it" in result.errors[0].text
            or "library names only" in (result.errors[0].text)
        )
        assert (result.errors[0].line, result.errors[0].column) == (1, 0)
        assert prover.pid is None  # nothing was sent: coqtop was never even started
        verdict = prover.verify(ADD_ZERO, f"intros n. {command} induction n; simpl; congruence.")
        assert not verdict.accepted and prover.pid is None
    finally:
        prover.close()


def test_standard_library_requires_and_definitions_are_allowed(coq):
    text = "From Coq Require Import Lia.\nRequire Import Coq.Lists.List.\nImport ListNotations.\n"
    text += "Definition double (n : nat) := n + n.\n"
    text += "Theorem double_ge : forall n, n <= double n.\nProof. unfold double. lia. Qed.\nCheck double_ge."
    assert coq.check(text).ok


def test_the_policy_reads_sentences_not_substrings():
    (tactic,) = split_sentences('idtac "Load Qed Axiom admit".')
    assert refusal(tactic, commands=False) is None  # words inside strings are no commands
    (comment,) = split_sentences("(* Admitted. *) reflexivity.")
    assert refusal(comment, commands=False) is None
    (name,) = split_sentences("apply admit_lemma.")
    assert refusal(name, commands=False) is None  # a name that merely starts with admit
