"""The Coq backend on a real coqtop: sentences, messages with positions, unfinished proofs, tactic mode,
timeouts, a killed coqtop, the memory limit and the pool."""

import os
import signal
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palaestra.envs.formal.provers import CoqProver, ProverError, ProverPool, ProverUnavailableError, process
from palaestra.envs.formal.provers.coq import CHECKED
from palaestra.envs.formal.provers.coq_text import parse_goals, proof_body, refusal, split_sentences

ADD_ZERO = "Theorem add_zero_right : forall n : nat, n + 0 = n."


def test_sentences_follow_coqs_rules():
    text = 'intros n. (* a comment. with "a string *)" *) simpl.\n- reflexivity.\n'
    text += "+ { auto. }\n2: { now f_equal. }"
    assert [s.text for s in split_sentences(text)] == [
        "intros n.",
        "simpl.",
        "-",
        "reflexivity.",
        "+",
        "{",
        "auto.",
        "}",
        "2: {",
        "now f_equal.",
        "}",
    ]
    assert [s.text for s in split_sentences("apply Nat.add_comm. exact (f 1 .. 2).")] == [
        "apply Nat.add_comm.",
        "exact (f 1 .. 2).",
    ]
    for broken, why in (
        ("intros n", "does not end with a period"),
        ("(* open", "never closed"),
        ('idtac "x.', "never closed"),
    ):
        with pytest.raises(ValueError, match=why):
            split_sentences(broken)


def test_proof_body_drops_the_wrapper_an_agent_may_write():
    assert proof_body("Proof.\n  intros n. auto.\nQed.") == "intros n. auto."
    assert proof_body("intros n. auto.") == "intros n. auto."


def test_a_file_checks_with_messages_at_their_positions(coq):
    good = coq.check(f"{ADD_ZERO}\nProof.\n  intros n. induction n; simpl; congruence.\nQed.")
    assert good.ok and not good.errors and not good.sorries
    bad = coq.check(f"{ADD_ZERO}\nProof.\n  intros n.\n  rewrite foo.\nQed.")
    assert not bad.ok
    (error,) = bad.errors
    assert "The reference foo was not found" in error.text
    assert (error.line, error.column, error.end_line, error.end_column) == (4, 10, 4, 13)
    unfinished = coq.check(f"{ADD_ZERO}\nProof.\n  intros n.\nAdmitted.")
    assert unfinished.ok and [(m.line, m.column) for m in unfinished.sorries] == [(4, 0)]
    open_proof = coq.check(f"{ADD_ZERO}\nProof.\n  intros n.")
    assert "not finished" in open_proof.errors[0].text


def test_each_check_starts_from_the_initial_state(coq):
    assert coq.check("Definition seven := 7.").ok
    assert coq.check("Definition seven := 7.").ok  # no "seven already exists": the first check is gone
    assert "seven was not found" in coq.check("Check seven.").errors[0].text


def test_tactics_move_the_proof_and_a_failing_one_changes_nothing(coq):
    start = coq.open_theorem(ADD_ZERO)
    assert start.goals == ("============================\nforall n : nat, n + 0 = n",) and not start.solved
    split = coq.apply(coq.apply(start, "intros n.").state, "induction n as [| k IH].")
    assert split.state.goals == ("============================\n0 + 0 = 0", "S k + 0 = S k")
    failed = coq.apply(split.state, "exact I.")
    assert failed.state is None and failed.error.startswith('The term "I" has type "True"')
    first = coq.apply(split.state, "- reflexivity.")  # the failure left the state as it was
    assert first.state.goals == ("S k + 0 = S k",) and "unfocused goals" in first.state.notes
    done = coq.apply(first.state, "- simpl. rewrite IH. reflexivity.")
    assert done.state.solved and done.state.goals == ()
    again = coq.apply(split.state, "- reflexivity.")  # an earlier state stays usable
    assert again.state.goals == first.state.goals


def test_goals_are_read_without_coqs_goal_ids():
    shown = "2 goals (ID 7)\n  \n  ============================\n  0 + 0 = 0\n\n"
    shown += "goal 2 (ID 10) is:\n S n + 0 = S n"
    assert parse_goals(shown) == (("============================\n0 + 0 = 0", "S n + 0 = S n"), "", False)
    assert parse_goals("No more goals.") == ((), "", True)
    gave_up = "<infomsg>No more goals, but there are some goals you gave up:</infomsg>\n\n"
    gave_up += "1 goal\n\ngoal 1 (ID 3) is:\n 1 = 1"
    assert parse_goals(gave_up)[2] is False


def test_a_tactic_that_loops_times_out_and_the_proof_goes_on():
    prover = CoqProver(timeout=10)
    try:
        state = prover.apply(prover.open_theorem(ADD_ZERO), "intros n.").state
        looped = prover.apply(state, "do 1000000000 idtac.", timeout=0.5)
        assert looped.timed_out and looped.state is None and "ran past 0.5 s" in looped.error
        assert prover.restarts == 1
        done = prover.apply(state, "induction n; simpl; congruence.")  # rebuilt in a fresh coqtop
        assert done.state.solved and done.state.epoch == prover.epoch == 2
    finally:
        prover.close()


def test_a_killed_coqtop_is_restarted_and_the_state_rebuilt():
    prover = CoqProver(timeout=10)
    try:
        state = prover.apply(prover.open_theorem(ADD_ZERO), "intros n.").state
        os.kill(prover.pid, signal.SIGKILL)
        done = prover.apply(state, "induction n; simpl; congruence.")
        assert done.state.solved and prover.restarts == 1
    finally:
        prover.close()


@pytest.mark.slow
def test_the_memory_limit_stops_a_computation_that_would_fill_the_machine():
    prover = CoqProver(timeout=20, memory_mb=1024)
    try:
        result = prover.check("Definition big := Nat.pow 2 26.\nCompute big.")
        assert [m.text for m in result.errors] == ["Out of memory."]
        assert prover.restarts == 1  # a coqtop out of memory stays so: it is replaced
        assert prover.check("Compute 2 + 2.").ok
    finally:
        prover.close()


def test_close_from_another_thread_ends_a_running_call():
    prover = CoqProver(timeout=30)
    state = prover.open_theorem(ADD_ZERO)
    outcome = []

    def run():
        try:
            outcome.append(prover.apply(state, "do 1000000000 idtac."))
        except ProverError as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    threading.Event().wait(0.3)
    prover.close()
    worker.join(timeout=10)
    assert not worker.is_alive() and isinstance(outcome[0], ProverError)
    prover.close()  # idempotent


def test_a_missing_coqtop_says_how_to_install_it():
    with pytest.raises(ProverUnavailableError, match="apt-get install coq"):
        CoqProver(coqtop="no-such-coqtop").check("Check 1.")


def test_the_pool_lends_warm_provers_and_replaces_a_broken_one():
    pool = ProverPool(lambda: CoqProver(timeout=10), size=2)
    try:
        borrowed = []
        with pool.prover() as first, pool.prover() as second:
            assert first is not second and first.pid and second.pid  # started before they were asked for
            borrowed += [first, second]
        with pytest.raises(RuntimeError):
            with pool.prover() as prover:
                raise RuntimeError("the caller failed while holding it")
        assert prover.pid is None  # closed, and a fresh one took its place
        with pool.prover() as a, pool.prover() as b:
            assert prover not in (a, b)
            assert a.verify(ADD_ZERO, "intros n. induction n; simpl; congruence.").accepted
    finally:
        pool.close()


def test_a_file_checked_before_is_answered_without_coqtop_but_a_timeout_is_not_kept():
    CHECKED.clear()
    prover = CoqProver(timeout=10)
    try:
        text = f"{ADD_ZERO}\nProof. intros n. induction n; simpl; congruence. Qed."
        first = prover.check(text)
        os.kill(prover.pid, signal.SIGKILL)  # the same file again must not need coqtop
        assert prover.check(text) is first and prover.restarts == 0
        assert prover.check(text, preamble="Require Import Lia.") is not first  # another file
        looping = "Lemma l : True.\nProof. do 1000000000 idtac. exact I. Qed."
        assert prover.check(looping, timeout=0.5).timed_out
        assert prover.check(looping, timeout=0.5).timed_out and prover.restarts == 3
    finally:
        prover.close()


COQ_PIECES = st.sampled_from(
    ["(*", "*)", '"', ".", ". ", "..", "-", "+", "*", "{", "}", "2:", " ", "\n", "Qed"]
)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(COQ_PIECES, st.text(max_size=6)), max_size=25).map("".join))
def test_any_text_splits_into_sentences_or_a_clear_error(text):
    try:
        sentences = split_sentences(text)
    except ValueError as error:
        assert str(error)
        return
    for sentence in sentences:  # the sentences cover the text, in order, and the policy always answers
        assert text[sentence.start : sentence.start + len(sentence.text)] == sentence.text
        for commands in (True, False):
            reason = refusal(sentence, commands=commands)
            assert reason is None or isinstance(reason, str)


def test_a_coqtop_grown_past_its_share_of_the_memory_limit_is_replaced_between_calls(monkeypatch):
    prover = CoqProver(timeout=20, memory_mb=4096)
    try:
        prover.start()
        fresh = prover._process.address_space_mb()
        monkeypatch.setattr(process, "RECYCLE_AT", (fresh + 40) / 4096)  # a little above a fresh coqtop
        assert prover.check("Check 1.").ok and prover.restarts == 0
        result = prover.check("Check 1%Z.", preamble="Require Import ZArith Lia. Open Scope Z_scope.")
        assert result.ok and prover.restarts == 1 and prover.pid is None  # ZArith and Lia took it past
        assert prover.check("Check 2.").ok
    finally:
        prover.close()
