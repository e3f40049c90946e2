"""The Coq envs played through Gymnasium: proving tactic by tactic, whole proofs with a budget,
formalization scored by compilation or by a judge; recovery within an episode; Lean's set-up error."""

import json
import os
import signal

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import info as keys
from palaestra.core.errors import EnvError
from palaestra.core.registry import env_entry
from palaestra.envs.formal.provers import ProverUnavailableError
from tests.envs.formal.conftest import SMALL_PROBLEMS

SMALL = {"problems_path": str(SMALL_PROBLEMS)}


def play(env, *actions):
    return [env.step(action) for action in actions]


@pytest.fixture
def proof_env():
    env = gym.make("CoqProof-Text-v0", **SMALL)
    yield env
    env.close()


def test_a_proof_tactic_by_tactic_earns_1_once_checked(proof_env):
    obs, info = proof_env.reset(seed=0, options={"task_id": "and_swap"})
    assert "Theorem and_swap : forall P Q : Prop, P /\\ Q -> Q /\\ P." in info[keys.INSTRUCTIONS]
    assert obs == "Goal 1 of 1:\n============================\nforall P Q : Prop, P /\\ Q -> Q /\\ P"
    steps = play(
        proof_env, "intros P Q H.", "<action>destruct H as [HP HQ].</action>", "split.", "- exact HQ."
    )
    assert [step[1:3] for step in steps] == [(0.0, False)] * 4
    assert steps[2][0].startswith(
        "Goal 1 of 2:\nP, Q : Prop\nHP : P\nHQ : Q\n============================\nQ\n\nGoal 2 of 2:\nP"
    )
    obs, reward, terminated, truncated, info = proof_env.step("- exact HP.")
    assert (reward, terminated, truncated, info[keys.SUCCESS], info[keys.SCORE]) == (
        1.0,
        True,
        False,
        True,
        1.0,
    )
    assert obs.startswith("The proof is complete.\naccepted: Coq checked the proof")


def test_a_rejected_tactic_is_invalid_shows_coqs_message_and_changes_nothing(proof_env):
    _, info = proof_env.reset(seed=0, options={"task_id": "add_zero_right"})
    key = info[keys.STATE_KEY]
    for tactic, said in (
        ("reflexivity.", "Coq rejected the tactic:"),
        ("intros n", "does not end with a period"),
        ("Qed.", "refused: Qed is a command"),
        ("admit.", "refused: admit leaves a goal unproved"),
        ('Load "/etc/passwd".', "refused: Load reads and runs a file"),
    ):
        obs, reward, terminated, truncated, info = proof_env.step(tactic)
        assert not info[keys.ACTION_VALID] and said in info[keys.ACTION_ERROR], tactic
        assert obs.startswith(f"Invalid action: {info[keys.ACTION_ERROR]}")
        assert reward == proof_env.unwrapped.invalid_action_reward and info[keys.STATE_KEY] == key
    assert truncated and info[keys.TRUNCATION_REASON] == "invalid_actions" and info[keys.SCORE] == 0.0


def test_closing_the_goals_is_not_enough_the_proof_must_pass_qed(proof_env):
    proof_env.reset(seed=0, options={"task_id": "add_zero_right"})
    play(proof_env, "fix IH 1.", "intros n.")
    obs, reward, terminated, _, info = proof_env.step("apply IH.")  # closes the goal; Qed checks guardedness
    assert (reward, terminated, info[keys.SUCCESS], info[keys.SCORE]) == (0.0, True, False, 0.0)
    assert obs.startswith("No goals left, but the proof fails:\nrejected by Coq: Recursive definition of IH")


def test_a_looping_tactic_times_out_and_the_episode_goes_on():
    env = gym.make("CoqProof-Text-v0", step_timeout=1.0, **SMALL)
    try:
        env.reset(seed=0, options={"task_id": "add_zero_right"})
        env.step("intros n.")
        *_, info = env.step("do 1000000000 idtac.")
        assert not info[keys.ACTION_VALID] and "ran past 1 s and was stopped" in info[keys.ACTION_ERROR]
        *_, reward, terminated, _, info = env.step("induction n; simpl; congruence.")
        assert info[keys.ACTION_VALID] and (reward, terminated) == (1.0, True)
    finally:
        env.close()


def test_a_killed_prover_recovers_within_the_episode(proof_env):
    proof_env.reset(seed=0, options={"task_id": "add_zero_right"})
    proof_env.step("intros n.")
    prover = proof_env.unwrapped.prover
    os.kill(prover.pid, signal.SIGKILL)
    obs, *_ = proof_env.step("induction n as [| k IH].")
    assert obs.startswith("Goal 1 of 2:") and prover.restarts == 1
    *_, reward, terminated, _, info = proof_env.step("- reflexivity. - simpl. rewrite IH. reflexivity.")
    assert (reward, terminated, info[keys.SUCCESS]) == (1.0, True, True)


@pytest.mark.slow
def test_the_expert_replays_the_reference_proof():
    env = gym.make("CoqProof-Text-v0", split="test", **SMALL)
    try:
        for task_id in env.unwrapped.task_ids():
            env.reset(seed=0, options={"task_id": task_id})
            terminated, steps = False, 0
            while not terminated:
                *_, reward, terminated, _, info = env.step(env.unwrapped.expert_action())
                assert info[keys.ACTION_VALID], info[keys.ACTION_ERROR]
                steps += 1
            assert reward == 1.0 and steps == len(env.unwrapped.problem.coq_proof)
    finally:
        env.close()


def test_whole_proofs_get_the_checkers_messages_within_a_budget():
    env = gym.make("CoqProofWhole-Text-v0", max_attempts=2, **SMALL)
    try:
        obs, info = env.reset(seed=0, options={"task_id": "add_zero_right"})
        assert obs.startswith("Theorem:\nTheorem add_zero_right : forall n : nat, n + 0 = n.\n\nSend a whole")
        assert obs.endswith("2 attempts left.")
        obs, reward, terminated, truncated, info = env.step("Proof. intros n. simpl. reflexivity. Qed.")
        assert (reward, terminated, truncated) == (0.0, False, False) and info[keys.ACTION_VALID]
        assert obs.startswith('rejected by Coq: In environment\nn : nat\nUnable to unify "n" with "n + 0".')
        assert obs.endswith("1 attempt left.")
        for changed in ("Theorem add_zero_right : forall n : nat, 0 + n = n. Proof. reflexivity. Qed.",):
            *_, info = env.step(changed)
            assert not info[keys.ACTION_VALID] and "the statement was changed" in info[keys.ACTION_ERROR]
        *_, info = env.step("intros n. Admitted.")
        assert not info[keys.ACTION_VALID] and "Admitted is a command" in info[keys.ACTION_ERROR]
        *_, reward, terminated, truncated, info = env.step("intros n. reflexivity.")
        assert (reward, truncated, info[keys.TRUNCATION_REASON]) == (0.0, True, "attempts_exhausted")
        env.reset(seed=0, options={"task_id": "add_zero_right"})
        same = "Theorem add_zero_right : forall n : nat, n + 0 = n.\nProof. intros n; induction n; auto. Qed."
        *_, reward, terminated, _, info = env.step(same)
        assert (reward, terminated, info[keys.SUCCESS]) == (1.0, True, True)
    finally:
        env.close()


class ScriptedJudge:
    """A judge agent that answers with a fixed reply and remembers what it was shown."""

    def __init__(self, reply):
        self.reply, self.seen = reply, []

    def reset(self, instructions):
        self.seen.append(instructions)

    def act(self, observation):
        self.seen.append(observation)
        return self.reply


def test_formalization_without_a_judge_is_scored_by_compilation_only():
    env = gym.make("CoqFormalize-Text-v0", **SMALL)
    try:
        obs, info = env.reset(seed=0, options={"task_id": "zero_add_left"})
        assert obs == "Problem: For every natural number n, zero plus n is n."
        assert "zero_add_left" not in info[keys.INSTRUCTIONS]  # the answer is not given away
        obs, reward, terminated, _, info = env.step("Theorem zl : forall n : nat, 0 + n = m.")
        assert (reward, terminated, info["scoring"]) == (0.0, False, "compilation-only")
        assert "The reference m was not found" in obs and obs.endswith("3 attempts left.")
        *_, info = env.step("Theorem zl : forall n : nat, 0 + n = n. Proof. Admitted.")
        assert not info[keys.ACTION_VALID] and "one sentence" in info[keys.ACTION_ERROR]
        *_, info = env.step('Load "/etc/passwd".')
        assert not info[keys.ACTION_VALID]
        obs, reward, terminated, _, info = env.step("Theorem zl : forall n : nat, 0 + n = n.")
        assert (reward, terminated, info[keys.SUCCESS]) == (1.0, True, True)
        assert "compilation-only" in obs
    finally:
        env.close()


@pytest.mark.parametrize(
    ("reply", "score", "success"),
    [
        ("A | n is a natural number\nA | 0 + n equals n", 1.0, True),
        ("1. A: n is a natural number\n2. B: stated for integers\n3. A: the sum is n", 0.6, True),
        ("- B | n\n- B | conclusion\n- A | sum", 0.5, False),
        ("A | n is a natural number\nC | the conclusion is different", 0.0, False),
        ("I cannot tell.", 0.0, False),
    ],
)
def test_a_judge_scores_the_formalization_with_the_sugeno_rule(reply, score, success):
    judge = ScriptedJudge(reply)
    env = gym.make("CoqFormalize-Text-v0", judge=judge, **SMALL)
    try:
        env.reset(seed=0, options={"task_id": "zero_add_left"})
        *_, reward, terminated, _, info = env.step("Theorem zl : forall n : nat, 0 + n = n.")
        assert (reward, terminated, info[keys.SCORE], info[keys.SUCCESS]) == (score, True, score, success)
        assert info["scoring"] == "judged"
        assert "Formal statement:\nTheorem zl : forall n : nat, 0 + n = n." in judge.seen[-1]
        assert "zero plus n is n" in judge.seen[-1]
    finally:
        env.close()


def test_a_statement_that_does_not_check_is_never_judged():
    judge = ScriptedJudge("A | everything")
    env = gym.make("CoqFormalize-Text-v0", judge=judge, max_attempts=1, **SMALL)
    try:
        env.reset(seed=0, options={"task_id": "zero_add_left"})
        *_, reward, _, truncated, info = env.step("Theorem zl : forall n : nat, 0 + n = undefined_thing.")
        assert (reward, truncated, info[keys.TRUNCATION_REASON], judge.seen) == (
            0.0,
            True,
            "attempts_exhausted",
            [],
        )
    finally:
        env.close()


@pytest.mark.parametrize("env_id", ["LeanProof-Text-v0", "LeanProofWhole-Text-v0", "LeanFormalize-Text-v0"])
def test_lean_ids_without_a_repl_fail_at_reset_with_one_clear_error(env_id, monkeypatch):
    monkeypatch.delenv("PALAESTRA_LEAN_REPL", raising=False)
    env = gym.make(env_id)  # listing and inspecting an id works everywhere
    with pytest.raises(EnvError, match="no Lean 4 REPL is configured: .* set PALAESTRA_LEAN_REPL") as raised:
        env.reset(seed=0)
    assert isinstance(raised.value.__cause__, ProverUnavailableError)
    env.close()
    assert env_entry(env_id).missing_requirement() == (
        "set PALAESTRA_LEAN_REPL to the path of a built Lean 4 REPL (its folder, or the command that runs it)"
    )


def test_unknown_backends_and_problem_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="backend must be one of"):
        gym.make("CoqProof-Text-v0", backend="isabelle")
    with pytest.raises(ValueError, match="is not a file"):
        gym.make("CoqProof-Text-v0", problems_path=str(tmp_path / "none.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "x"}]')
    with pytest.raises(ValueError, match="is not a problem file: KeyError"):
        gym.make("CoqProof-Text-v0", problems_path=str(broken))
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"question": "?"}\n')
    with pytest.raises(ValueError, match="neither miniF2F nor Gaokao-Formal"):
        gym.make("CoqProof-Text-v0", problems_path=str(odd))


ODD = [
    "(* only a comment *)",
    "Proof. Qed.",
    ".",
    "-",
    "{",
    "}",
    "Theorem",
    "...",
    "(* unclosed",
    '"unclosed',
]
ODD += [
    "- - -",
    "2: {",
    "intros n. }",
    "Qed",
    "by",
    ":= by",
    "Lemma l : True. Qed.",
    "*)",
    "Definition x := 1.",
]


@pytest.mark.parametrize("env_id", ["CoqProof-Text-v0", "CoqProofWhole-Text-v0", "CoqFormalize-Text-v0"])
def test_odd_coq_text_is_an_invalid_action_or_a_step_never_an_exception(env_id):
    env = gym.make(env_id, **SMALL)
    try:
        for text in ODD:
            env.reset(seed=0, options={"task_id": "add_zero_right"})
            obs, _, _, _, info = env.step(text)
            assert env.observation_space.contains(obs) and info.get(keys.TRUNCATION_REASON) != "env_error", (
                text
            )
    finally:
        env.close()


def test_the_expert_says_so_when_a_problem_has_no_reference_proof(tmp_path):
    path = tmp_path / "no_proof.json"
    row = {"id": "p", "split": "train", "topic": "nat", "informal": "Zero plus n is n."}
    row |= {"coq_statement": "Theorem zl : forall n : nat, 0 + n = n.", "coq_proof": []}
    row |= {"lean_statement": "", "lean_proof": []}
    path.write_text(json.dumps([row]))
    env = gym.make("CoqProof-Text-v0", problems_path=str(path))
    try:
        env.reset(seed=0)
        with pytest.raises(ValueError, match="problem 'p' has no Coq reference proof"):
            env.unwrapped.expert_action()
    finally:
        env.close()


def test_difficulty_presets_pick_the_problems_of_that_difficulty():
    by_difficulty = {}
    for preset, level in (("easy", 1), ("medium", 2), ("hard", 3)):
        env = gym.make("CoqProof-Text-v0", difficulty=preset)
        problems = env.unwrapped._problems.values()
        assert problems and all(p.difficulty == level for p in problems)
        by_difficulty[preset] = set(env.unwrapped.task_ids())
        env.close()
    assert not (by_difficulty["easy"] & by_difficulty["hard"])
    with pytest.raises(ValueError, match="difficulty must be one of"):
        gym.make("CoqProof-Text-v0", difficulty="impossible")
