"""The formal-mathematics envs: tactic proving, whole-proof checking and autoformalization, on Coq or Lean 4.

Each env plays the problems of a problem set (the built-in one, or a file given as ``problems_path``)
with one prover backend (``backend="coq"`` or ``"lean"``), held as the env's resource ``"prover"``.
What an agent writes reaches the prover only after the backend's policy allows it, and a proof counts
only when ``Prover.verify`` accepts it: no error, nothing admitted, the statement as given, and no
axiom beyond the standard ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from palaestra.core import ActionError, TextEnv
from palaestra.envs.formal.problems import (
    Problem,
    builtin_problems,
    load_gaokao,
    load_minif2f,
    problems_from_json,
)
from palaestra.envs.formal.provers import coq_text, lean
from palaestra.envs.formal.provers.base import Prover, ProverError, ProverUnavailableError, Verdict
from palaestra.envs.formal.provers.coq import INSTALL, CoqProver
from palaestra.envs.formal.provers.lean import LeanProver
from palaestra.envs.formal.scoring import PASS_SCORE, Judge, judge_formalization

BACKENDS = ("coq", "lean")
DIFFICULTIES = {"easy": 1, "medium": 2, "hard": 3}  # preset -> the problems' difficulty
EXAMPLE_TACTIC = {"coq": "intros n.", "lean": "intro n"}
# An example statement that is no problem's answer: instructions must not give the answer away.
EXAMPLE_STATEMENT = {"coq": "Theorem two_plus_two : 2 + 2 = 4.", "lean": "theorem two_plus_two : 2 + 2 = 4"}


def load_problem_file(path: str | Path) -> tuple[Problem, ...]:
    """The problems of ``path``: a ``.json`` list in the built-in format, a miniF2F jsonl (rows with
    ``name`` and ``formal_statement``) or a Gaokao-Formal jsonl (rows with ``NL_English``)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"problems_path {str(path)!r} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            return problems_from_json(text)
        first = next((json.loads(line) for line in text.splitlines() if line.strip()), None)
    except (KeyError, TypeError, ValueError) as error:  # bad JSON, a missing or unknown field
        raise ValueError(f"{path} is not a problem file: {type(error).__name__}: {error}") from None
    if not isinstance(first, dict):
        raise ValueError(f"{path} holds no jsonl rows")
    if "NL_English" in first:
        return load_gaokao(path)
    if "formal_statement" in first:
        return load_minif2f(path)
    raise ValueError(f"{path}: rows with keys {sorted(first)} are neither miniF2F nor Gaokao-Formal")


class FormalEnv(TextEnv):
    """What the three formal envs share: the problem set, the backend, the prover resource.

    Args:
        backend: ``"coq"`` (``coqtop``, the ``coq`` extra) or ``"lean"`` (a Lean 4 REPL, ``repl=`` or
            ``PALAESTRA_LEAN_REPL``); without its checker ``reset`` fails, saying how to set it up.
        problems_path: a problems file (see ``load_problem_file``) instead of the built-in set. Its
            problems' own splits become the env's splits.
        difficulty: ``"easy"``, ``"medium"`` or ``"hard"``: only the problems of that difficulty
            (1, 2, 3: one tactic, a few, an induction or several lemmas); all of them by default.
        repl: the Lean REPL (a command, or the REPL's source folder); Lean only.
        memory_mb: the prover's address-space limit.
        step_timeout: seconds one prover call may take (10 by default); a tactic that runs longer is
            rejected and the prover restarted.
    """

    default_step_timeout = 10.0
    default_max_invalid_actions = 5

    def __init__(
        self,
        *,
        backend: str = "coq",
        problems_path: str | None = None,
        difficulty: str | None = None,
        repl: str | None = None,
        memory_mb: int | None = None,
        **base: Any,
    ):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty must be one of {tuple(DIFFICULTIES)} or None, got {difficulty!r}")
        self.backend = backend
        problems = builtin_problems() if problems_path is None else load_problem_file(problems_path)
        field = "coq_statement" if backend == "coq" else "lean_statement"
        usable = [p for p in problems if getattr(p, field).strip()]
        if difficulty is not None:
            usable = [p for p in usable if p.difficulty == DIFFICULTIES[difficulty]]
        if not usable:
            which = f" of difficulty {difficulty!r}" if difficulty else ""
            raise ValueError(f"the problem set has no problem{which} with a {backend} statement")
        if problems_path is not None:
            self.splits = tuple(dict.fromkeys(p.split for p in usable))
        super().__init__(**base)
        self._problems = {p.id: p for p in usable}
        self.memory_mb = memory_mb or (2048 if backend == "coq" else 8192)
        self.repl = repl
        self.problem: Problem | None = None

    # -- problems and the prover -----------------------------------------------------------------
    def task_ids(self) -> Sequence[str]:
        return [pid for pid, p in self._problems.items() if p.split == self.split]

    @property
    def prover(self) -> Prover:
        return self.resource("prover", self._open_prover)

    def _open_prover(self) -> Prover:
        if self.backend == "coq":
            return CoqProver(timeout=self.step_timeout, memory_mb=self.memory_mb)
        return LeanProver(repl=self.repl, timeout=self.step_timeout, memory_mb=self.memory_mb)

    @property
    def statement(self) -> str:
        return self.problem.coq_statement if self.backend == "coq" else self.problem.lean_statement

    @property
    def preamble(self) -> str:
        return self.problem.coq_preamble if self.backend == "coq" else self.problem.lean_header

    @property
    def reference_proof(self) -> tuple[str, ...]:
        return self.problem.coq_proof if self.backend == "coq" else self.problem.lean_proof

    def _known_proof(self) -> tuple[str, ...]:
        """The reference proof the expert plays; loaded sets (miniF2F, Gaokao-Formal) have none."""
        if not self.reference_proof:
            raise ValueError(
                f"problem {self.task_id!r} has no {self.language} reference proof for the expert"
            )
        return self.reference_proof

    @property
    def language(self) -> str:
        return "Coq" if self.backend == "coq" else "Lean 4"

    def _new_episode(self, options: dict[str, Any]) -> None:
        # Without a checker no episode can start: say how to get one (the id still constructs, so
        # that listing and inspecting it work everywhere).
        if self.backend == "lean":
            lean.repl_command(self.repl)
        elif shutil.which("coqtop") is None:
            raise ProverUnavailableError(INSTALL)
        self.problem = self._problems[self.task_id]

    def _theorem_text(self) -> str:
        preamble = f"{self.preamble.strip()}\n" if self.preamble.strip() else ""
        return f"{preamble}{self.statement}"


class _WorldFailure:
    """A prover failure met while reading the action: ``_advance`` raises it as the world's error."""

    def __init__(self, error: ProverError):
        self.error = error


class FormalProofEnv(FormalEnv):
    """Prove a theorem one tactic at a time (``CoqProof-Text-v0``, ``LeanProof-Text-v0``).

    Observation: the open goals (hypotheses above the line, the goal below), and once the proof is
    done, the checker's verdict. Action: one tactic (Coq: one or more sentences, each ending with a
    period, ``intros n.``; Lean: one tactic, ``intro n``). A tactic the prover rejects, one that runs
    past ``step_timeout``, a command (``Qed``, ``Abort``, ``Axiom``, ``Load``...), ``admit`` or
    ``sorry`` is an invalid action: the proof stays as it was and the error is shown. Reward: 1 on the
    step that completes the proof, once ``Prover.verify`` accepts the whole script from a fresh state
    (for Coq: ``Qed`` and ``Print Assumptions`` closed under the global context); else 0. Score: 1 if
    proved. The expert replays the problem's reference proof, one entry per step.

    Example:
        >>> env = gym.make("CoqProof-Text-v0")
        >>> obs, info = env.reset(seed=0, options={"task_id": "add_zero_right"})
        >>> obs, reward, terminated, truncated, info = env.step("<action>intros n.</action>")
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.state = None
        self.tactics: list[str] = []
        self.verdict: Verdict | None = None

    def _new_episode(self, options: dict[str, Any]) -> None:
        super()._new_episode(options)
        self.tactics, self.verdict = [], None
        self.state = self.prover.open_theorem(self.statement, self.preamble)

    def _parse(self, text: str) -> Any:
        if not text.strip():
            raise ActionError(f"send one tactic, e.g. <action>{EXAMPLE_TACTIC[self.backend]}</action>")
        if self.state.solved:
            raise ActionError("the proof is already complete")
        try:
            result = self.prover.apply(self.state, text)
        except ProverError as error:
            return _WorldFailure(error)
        if result.refused:
            raise ActionError(f"refused: {result.error}")
        if result.error is not None:
            raise ActionError(f"{self.language} rejected the tactic: {result.error}")
        return result.state

    def _advance(self, state: Any) -> tuple[float, bool]:
        if isinstance(state, _WorldFailure):
            raise state.error
        self.state = state
        self.tactics.append(state.script[-1])
        if not state.solved:
            return 0.0, False
        self.verdict = self.prover.verify(self.statement, "\n".join(self.tactics), self.preamble)
        return (1.0 if self.verdict.accepted else 0.0), True

    def _describe(self) -> str:
        if self.verdict is not None:
            head = (
                "The proof is complete." if self.verdict.accepted else "No goals left, but the proof fails:"
            )
            return f"{head}\n{self.verdict.render()}"
        return self.state.render()

    def _instructions(self) -> str:
        if self.backend == "coq":
            syntax = (
                "Send one tactic per reply, as Coq sentences ending with a period (several sentences and "
                "bullets are fine: '- simpl. reflexivity.'). Commands (Qed, Abort, Axiom, Require, Load ...) "
                "and admit are refused: palaestra closes the proof with Qed itself."
            )
        else:
            syntax = (
                "Send one Lean 4 tactic per reply (for example 'intro n' or 'simp'). Commands, #eval, "
                "sorry and admit are refused."
            )
        return (
            f"Prove this theorem in {self.language}, one tactic at a time.\n\n"
            f"Problem: {self.problem.informal}\n\nTheorem:\n{self._theorem_text()}\n\n"
            f"Each observation shows the open goals. {syntax} A tactic the prover rejects changes nothing "
            f"and counts as an invalid action; after {self.max_invalid_actions} in a row the episode ends. "
            "The reward is 1 when the proof is complete and the checker accepts it.\n\n"
            f"Example reply: <action>{EXAMPLE_TACTIC[self.backend]}</action>"
        )

    def _state_bytes(self) -> bytes:
        return json.dumps([self.task_id, self.tactics, self.verdict is not None]).encode()

    def _outcome(self) -> tuple[bool, float]:
        proved = self.verdict is not None and self.verdict.accepted
        return proved, 1.0 if proved else 0.0

    def expert_action(self) -> str:
        proof = self._known_proof()
        return proof[min(len(self.tactics), len(proof) - 1)]


class FormalProofWholeEnv(FormalEnv):
    """Whole proofs, checked, with the checker's messages back (``CoqProofWhole-Text-v0`` and Lean's).

    Observation: at reset the theorem; after each attempt the checker's verdict and messages, and the
    attempts left. Action: the proof's tactics (Coq: with or without ``Proof.`` and ``Qed.``; Lean:
    with or without ``by``); writing the statement again is allowed only word for word. Text that
    changes the statement, holds a command, ``Admitted``, ``admit`` or ``sorry``, or is no proof at all
    is an invalid action. Reward: 1 when ``Prover.verify`` accepts the proof (the episode ends), else 0;
    after ``max_attempts`` checked attempts the episode is truncated (``attempts_exhausted``). Score: 1
    if proved. The expert sends the reference proof.
    """

    def __init__(self, *, max_attempts: int = 8, **kwargs: Any):
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        super().__init__(**kwargs)
        self.max_attempts = max_attempts
        self.attempts = 0
        self.verdict: Verdict | None = None

    def _new_episode(self, options: dict[str, Any]) -> None:
        super()._new_episode(options)
        self.attempts, self.verdict = 0, None

    def _parse(self, text: str) -> str:
        proof = self._proof_of(text)
        reason = _coq_refusal(proof) if self.backend == "coq" else _lean_refusal(proof)
        if reason:
            raise ActionError(reason)
        return proof

    def _proof_of(self, text: str) -> str:
        """The proof in ``text``, after the statement if the agent wrote it again (it must not change)."""
        text = text.strip()
        if not text:
            raise ActionError("send the whole proof, e.g. <action>" + self._example() + "</action>")
        if self.backend == "coq":
            try:
                sentences = coq_text.split_sentences(text)
            except ValueError as error:
                raise ActionError(str(error)) from None
            if not sentences:
                raise ActionError("the proof is empty (only comments)")
            first = sentences[0]
            if first.words and first.words[0] in coq_text.THEOREM_KEYWORDS:
                if first.bare != coq_text.bare_text(self.statement):
                    raise ActionError(f"the statement was changed; it must stay: {self.statement}")
                text = text[first.start + len(first.text) :]
            return text.strip()
        if text.startswith(("theorem", "lemma")):
            head, sep, rest = text.partition(":=")
            if not sep or " ".join(head.split()) != " ".join(self.statement.split()):
                raise ActionError(f"the statement was changed; it must stay: {self.statement}")
            text = rest
        return lean.proof_body(text)

    def _advance(self, proof: str) -> tuple[float, bool]:
        self.attempts += 1
        self.verdict = self.prover.verify(self.statement, proof, self.preamble)
        return (1.0, True) if self.verdict.accepted else (0.0, False)

    def _truncation(self) -> str | None:
        return "attempts_exhausted" if self.attempts >= self.max_attempts else None

    def _describe(self) -> str:
        if self.verdict is None:
            return (
                f"Theorem:\n{self._theorem_text()}\n\nSend a whole proof. {self.max_attempts} attempts left."
            )
        left = self.max_attempts - self.attempts
        tail = "" if self.verdict.accepted else f"\n\n{left} attempt{'s' if left != 1 else ''} left."
        return self.verdict.render() + tail

    def _example(self) -> str:
        return "intros n. induction n; simpl; auto." if self.backend == "coq" else "intro n\n  simp"

    def _instructions(self) -> str:
        form = (
            "the tactics between Proof. and Qed. (you may write Proof. and Qed. too). Commands (Abort, "
            "Axiom, Require, Load ...), Admitted and admit are refused"
            if self.backend == "coq"
            else "the tactics after ':= by' (one per line). Commands, #eval, sorry and admit are refused"
        )
        return (
            f"Prove this theorem in {self.language}. Send the whole proof in one reply: {form}. The checker "
            f"answers with its messages; you have {self.max_attempts} attempts. A proof counts only if the "
            "checker accepts it with no error, nothing admitted, and no axiom.\n\n"
            f"Problem: {self.problem.informal}\n\nTheorem:\n{self._theorem_text()}\n\n"
            f"Example reply: <action>{self._example()}</action>"
        )

    def _state_bytes(self) -> bytes:
        said = None if self.verdict is None else self.verdict.render()
        return json.dumps([self.task_id, self.attempts, said]).encode()

    def _outcome(self) -> tuple[bool, float]:
        proved = self.verdict is not None and self.verdict.accepted
        return proved, 1.0 if proved else 0.0

    def expert_action(self) -> str:
        return "\n".join(self._known_proof())


def _lean_refusal(proof: str) -> str | None:
    reason = lean.lean_refusal(proof, proof=True)
    if reason is None and not lean.bare_text(proof).strip():
        return "the proof is empty"
    return reason


def _coq_refusal(proof: str) -> str | None:
    try:
        body = coq_text.proof_body(proof)
        sentences = coq_text.split_sentences(body)
    except ValueError as error:
        return str(error)
    if not sentences:
        return "the proof is empty"
    for sentence in sentences:
        reason = coq_text.refusal(sentence, commands=False)
        if reason:
            return reason
    return None


class FormalizeEnv(FormalEnv):
    """Turn a problem in words into a formal statement (``CoqFormalize-Text-v0``, ``LeanFormalize-Text-v0``).

    Observation: the problem in words; after an attempt, the checker's messages. Action: one theorem
    statement (Coq: ``Theorem name : ... .``; Lean: ``theorem name ... : ...`` without a proof). It is
    type-checked with an admitted proof (Coq ``Admitted``, Lean ``sorry``); one that does not check
    costs an attempt (``max_attempts``, then truncation ``attempts_exhausted``). A statement that
    checks ends the episode. Without a ``judge`` the score is 1 for a statement that checks, and
    ``info["scoring"]`` says ``compilation-only``. With a ``judge`` (any agent: ``reset`` and ``act``)
    the judge labels the problem's conditions and conclusions against the statement (LeanScorer) and
    the score is their Sugeno integral (``scoring.sugeno_score``); success is a score of at least 0.6,
    and ``info["scoring"]`` says ``judged``. The reward is the score. The expert sends the problem's
    own statement.
    """

    def __init__(self, *, judge: Judge | None = None, max_attempts: int = 4, **kwargs: Any):
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        super().__init__(**kwargs)
        self.judge = judge
        self.max_attempts = max_attempts
        self.attempts = 0
        self.said = ""
        self.score: float | None = None
        self.labels: list[str] = []

    def _new_episode(self, options: dict[str, Any]) -> None:
        super()._new_episode(options)
        self.attempts, self.said, self.score, self.labels = 0, "", None, []

    def _parse(self, text: str) -> str:
        text = text.strip()
        if self.backend == "coq":
            try:
                coq_text.theorem_name(text)
            except ValueError as error:
                raise ActionError(f"{error}, e.g. {EXAMPLE_STATEMENT[self.backend]}") from None
            reason = coq_text.refusal(coq_text.split_sentences(text)[0], commands=True)
        else:
            text = text.removesuffix("sorry").rstrip().removesuffix("by").rstrip().removesuffix(":=").rstrip()
            try:
                lean.theorem_name(text)
            except ValueError as error:
                raise ActionError(f"{error}, e.g. {EXAMPLE_STATEMENT[self.backend]}") from None
            reason = lean.lean_refusal(text, proof=False)
        if reason:
            raise ActionError(reason)
        return text

    def _advance(self, statement: str) -> tuple[float, bool]:
        self.attempts += 1
        admitted = f"{statement}\nAdmitted." if self.backend == "coq" else f"{statement} := by sorry"
        result = self.prover.check(admitted, preamble=self.preamble)
        if not result.ok:
            self.said = "The statement does not check:\n" + "\n".join(str(m) for m in result.errors)
            return 0.0, False
        if self.judge is None:
            self.score = 1.0
            self.said = "The statement checks (compilation-only scoring: no judge is configured)."
        else:
            self.score, self.labels, _ = judge_formalization(self.judge, self.problem.informal, statement)
            self.said = f"The statement checks. The judge's labels: {' '.join(self.labels) or 'none'}."
        return self.score, True

    def _truncation(self) -> str | None:
        return "attempts_exhausted" if self.attempts >= self.max_attempts else None

    def _describe(self) -> str:
        head = f"Problem: {self.problem.informal}"
        if not self.said:
            return head
        left = self.max_attempts - self.attempts
        tail = "" if self.score is not None else f"\n{left} attempt{'s' if left != 1 else ''} left."
        return f"{head}\n\n{self.said}{tail}"

    def _instructions(self) -> str:
        form = (
            "one Coq sentence 'Theorem name : ... .' (the standard library's nat, list, Z ... are available)"
            if self.backend == "coq"
            else "one Lean 4 statement 'theorem name ... : ...' without ':= by' (core Lean, no Mathlib)"
        )
        scoring = (
            "A judge then compares it with the problem's conditions and conclusions."
            if self.judge is not None
            else "It scores 1 if it type-checks (compilation-only scoring: no judge is configured)."
        )
        return (
            f"Formalize this problem in {self.language}: write {form}. It is type-checked with the proof "
            f"admitted. {scoring} You have {self.max_attempts} attempts.\n\n"
            f"Problem: {self.problem.informal}\n\n"
            f"Example reply: <action>{EXAMPLE_STATEMENT[self.backend]}</action>"
        )

    def _extra_info(self) -> dict[str, Any]:
        return {"scoring": "judged" if self.judge is not None else "compilation-only"}

    def _state_bytes(self) -> bytes:
        return json.dumps([self.task_id, self.attempts, self.said, self.score]).encode()

    def _outcome(self) -> tuple[bool, float]:
        if self.score is None:
            return False, 0.0
        return (self.score >= PASS_SCORE if self.judge is not None else True), self.score

    def expert_action(self) -> str:
        return self.statement
