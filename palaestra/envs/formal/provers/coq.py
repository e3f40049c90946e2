"""The Coq backend: ``coqtop -emacs`` driven one sentence at a time, read to its prompt.

coqtop numbers its states and shows the current one in every prompt; ``BackTo n`` returns to state
``n``. A tactic that fails is undone that way, so a proof state is never half-changed, and a file is
checked from the initial state. Every sentence passes ``coq_text.refusal`` before it is sent.

    >>> prover = CoqProver()
    >>> statement = "Theorem t : forall n : nat, n + 0 = n."
    >>> prover.apply(prover.open_theorem(statement), "intros n. induction n; simpl; congruence.").state.solved
    True
    >>> prover.verify(statement, "Proof. intros n. induction n; auto. Qed.").accepted
    True
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict

from palaestra.envs.formal.provers import coq_text
from palaestra.envs.formal.provers.base import (
    CheckResult,
    Message,
    ProofState,
    ProverError,
    ProverTimeoutError,
    ProverUnavailableError,
    TacticResult,
    Verdict,
)
from palaestra.envs.formal.provers.coq_text import Sentence, parse_goals, position, split_sentences
from palaestra.envs.formal.provers.process import CheckerProcess, ProcessProver

_PROMPT = re.compile(rb"<prompt>(.*?) < (\d+) \|(.*?)\| (\d+) < </prompt>", re.DOTALL)
_DISK_READS = re.compile(r"<infomsg>\s*Fetching opaque proofs from disk[^<]*</infomsg>\s*")  # no news
_LOCATION = re.compile(r"Toplevel input, characters (\d+)-(\d+):")
CLOSED = "Closed under the global context"
INSTALL = "Coq is not installed: apt-get install coq (Debian's coq 8.16 provides coqtop)"


class CheckedFiles:
    """What files checked as, shared by the provers of a process, the ``size`` most recent kept.

    coqtop is deterministic, so a file checks the same way every time, and the same proof often comes
    back (a GRPO group's samples, an expert's replays): it is checked once. Results that depend on
    this machine's limits (a timeout, running out of memory) are never kept.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self._results: OrderedDict[tuple[str, str, str], CheckResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> CheckResult | None:
        with self._lock:
            result = self._results.get(key)
            if result is not None:
                self._results.move_to_end(key)
            return result

    def put(self, key: tuple[str, str, str], result: CheckResult) -> None:
        with self._lock:
            self._results[key] = result
            while len(self._results) > self.size:
                self._results.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


CHECKED = CheckedFiles()


class CoqProver(ProcessProver):
    """One warm ``coqtop``: ``timeout`` seconds per call, ``memory_mb`` of address space.

    Thread-safe: calls are serialized; ``close()`` from another thread ends a running call with
    ``ProverError``. A call that times out kills coqtop; a coqtop that dies (killed from outside) is
    restarted and the call retried once. The next call after either starts a fresh coqtop and
    rebuilds the proof state it is given.
    """

    language = "coq"

    def __init__(self, *, coqtop: str = "coqtop", timeout: float = 10.0, memory_mb: int = 2048):
        super().__init__(timeout=timeout, memory_mb=memory_mb)
        self.coqtop = coqtop
        self._initial = 1
        self._current = 1
        self._live: list[int] = []  # state ids reachable with BackTo, ascending
        self._bases: dict[str, int] = {}  # preamble -> the state after it (Require Lia costs a second)

    # -- the public calls ----------------------------------------------------------------------
    def check(self, text: str, *, preamble: str = "", timeout: float | None = None) -> CheckResult:
        """Check ``text`` as a file, after ``preamble`` (``Require Import ...`` lines, loaded once per
        coqtop and kept): messages with positions in ``text``, and where it leaves proofs unfinished.
        Refused commands are errors and nothing is sent. A file checked before in this process is
        answered from ``CHECKED``."""
        try:
            sentences = split_sentences(text)
            _allowed(preamble)
        except ValueError as error:
            return CheckResult((Message("error", str(error)),))
        for sentence in sentences:
            reason = coq_text.refusal(sentence, commands=True)
            if reason:
                return CheckResult((_at(text, sentence, "error", reason),))
        sorries = tuple(
            _at(text, s, "warning", "unfinished proof") for s in sentences if coq_text.leaves_unfinished(s)
        )
        key = (self.coqtop, preamble, text)
        known = CHECKED.get(key)
        if known is not None:
            return known
        try:
            messages, _, proofs = self._call(
                lambda deadline: self._run_file(text, sentences, preamble, deadline), timeout
            )
        except ProverTimeoutError as error:
            return CheckResult((Message("error", str(error)),), sorries, timed_out=True)
        if proofs and not any(m.severity == "error" for m in messages):
            messages += (Message("error", f"the proof of {proofs} is not finished: end it with Qed"),)
        result = CheckResult(messages, sorries)
        if not any(m.text == "Out of memory." for m in messages):  # that one depends on memory_mb
            CHECKED.put(key, result)
        return result

    def open_theorem(self, statement: str, preamble: str = "") -> ProofState:
        """The proof state right after ``statement`` (one ``Theorem name : ... .`` sentence), with
        ``preamble`` (``Require Import ...`` lines) checked before it. ``ValueError`` if they fail."""
        coq_text.theorem_name(statement)
        return self._call(lambda deadline: self._open(statement, preamble, deadline), None)

    def apply(self, state: ProofState, tactic: str, *, timeout: float | None = None) -> TacticResult:
        """``tactic`` (one or more sentences) applied to ``state``: the new state, or the error with
        ``state`` left as it was. A tactic that runs past the timeout is an error too."""
        try:
            sentences = split_sentences(tactic)
        except ValueError as error:
            return TacticResult(None, str(error))
        if not sentences:
            return TacticResult(None, "no tactic given")
        for sentence in sentences:
            reason = coq_text.refusal(sentence, commands=False)
            if reason:
                return TacticResult(None, reason, refused=True)
        try:
            return self._call(lambda deadline: self._apply(state, tactic, sentences, deadline), timeout)
        except ProverTimeoutError:
            limit = self.timeout if timeout is None else timeout
            return TacticResult(None, f"the tactic ran past {limit:g} s and was stopped", timed_out=True)

    def verify(self, statement: str, proof: str, preamble: str = "") -> Verdict:
        """Whether ``proof`` (tactics, with or without ``Proof.``/``Qed.``) proves ``statement``,
        checked as a file from the initial state: no error, no ``Admitted``/``admit``, no command in
        the proof, ``Qed`` accepted, and ``Print Assumptions`` closed under the global context."""
        try:
            name = coq_text.theorem_name(statement)
            body = coq_text.proof_body(proof)
            tactics = split_sentences(body)
        except ValueError as error:
            return Verdict(False, f"rejected: {error}")
        if not tactics:
            return Verdict(False, "rejected: the proof is empty")
        for sentence in tactics:
            reason = coq_text.refusal(sentence, commands=False)
            if reason:
                return Verdict(False, f"rejected: {reason}", (_at(body, sentence, "error", reason),))
        text = f"{statement}\nProof.\n{body}\nQed.\nPrint Assumptions {name}.\n"
        result = self.check(text, preamble=preamble)
        if result.timed_out:
            return Verdict(False, "rejected: checking the proof ran past the time limit", result.messages)
        if result.errors:
            return Verdict(False, f"rejected by Coq: {result.errors[0].text}", result.messages)
        if result.sorries:
            return Verdict(False, "rejected: the proof leaves goals unproved", result.sorries)
        last_line = text.rstrip("\n").count("\n") + 1  # Print Assumptions's line
        assumptions = [m for m in result.messages if m.severity == "info" and m.line == last_line]
        if len(assumptions) != 1 or assumptions[0].text != CLOSED:
            said = " ".join(m.text for m in assumptions) or "nothing"
            return Verdict(False, f"rejected: the proof relies on assumptions: {said}", result.messages)
        return Verdict(True, "accepted: Coq checked the proof, closed under the global context")

    def _launch(self) -> CheckerProcess:
        executable = shutil.which(self.coqtop)
        if executable is None:
            raise ProverUnavailableError(INSTALL)
        self._process = CheckerProcess(
            [executable, "-q", "-quiet", "-emacs"], memory_mb=self.memory_mb, name="coqtop"
        )
        try:
            _, state, _ = self._read(time.monotonic() + max(self.timeout, 30.0))
        except ProverError:
            self._process.kill()
            raise
        self._initial = self._current = state
        self._live = [state]
        self._bases = {"": state}
        return self._process

    # -- talking to coqtop -----------------------------------------------------------------------
    def _read(self, deadline: float) -> tuple[str, int, str]:
        """(output, state id, open proofs) up to the next prompt."""
        raw = self._process.read_until(b"</prompt>", deadline)
        match = _PROMPT.search(raw)
        if match is None:
            raise ProverError(f"coqtop printed an unexpected prompt: {raw[-200:]!r}")
        output = _DISK_READS.sub("", raw[: match.start()].decode(errors="replace")).strip()
        return output, int(match.group(2)), match.group(3).decode(errors="replace").strip()

    def _send(self, sentence: str, deadline: float) -> tuple[str, str]:
        """Run one sentence; (its output, the open proofs after it)."""
        self._process.write(sentence + "\n")
        output, state, proofs = self._read(deadline)
        self._current = state
        return output, proofs

    def _sync(self, deadline: float) -> None:
        """Read up to a marker command, so that a sentence Coq split differently cannot shift the
        answers of the next call; output seen on the way means the calls were out of step."""
        marker = f"palaestra_sync_{secrets.token_hex(8)}"  # unguessable: no output can fake it
        self._process.write(f"Locate {marker}.\n")
        stray = []
        while True:
            output, state, _ = self._read(deadline)
            if marker in output:
                break
            stray.append(output)
        self._current = state
        if any(stray):
            raise ProverError(f"coqtop answered out of step: {' '.join(stray)[:300]}")

    def _back_to(self, state: int, deadline: float) -> None:
        if self._current != state:
            self._send(f"BackTo {state}.", deadline)
        self._live = [s for s in self._live if s <= state]

    def _run(
        self, source: str, sentences: list[Sentence], deadline: float, *, show: bool = False
    ) -> tuple[list[Message], str, str]:
        """Send ``sentences`` of ``source`` until one fails: (messages, the last output, open proofs).
        With ``show``, the last output shows the goals: coqtop prints them after a sentence it runs
        afresh, not after one it replays from its cache after a ``BackTo``; then ``Show`` asks."""
        messages: list[Message] = []
        output, proofs = "", ""
        for sentence in sentences:
            output, proofs = self._send(sentence.text, deadline)
            found = _messages(output, source, sentence)
            messages += found
            if any(m.text == "Out of memory." for m in found):
                self._spent = True  # coqtop keeps the memory: every later call would fail the same way
            if any(m.severity == "error" for m in found):
                break
        else:
            if show and not _shows_goals(output):
                output, proofs = self._send("Show.", deadline)
        self._sync(deadline)
        return messages, output, proofs

    def _from_base(self, preamble: str, deadline: float) -> list[Message]:
        """Make the state after ``preamble`` current, running the preamble only when this coqtop has
        not kept that state; the preamble's errors, if any (the state is then the initial one)."""
        base = self._bases.get(preamble)
        if base is not None and base in self._live:
            self._back_to(base, deadline)
            return []
        self._back_to(self._initial, deadline)
        messages, _, _ = self._run(preamble, split_sentences(preamble), deadline)
        if self._spent:  # out of memory on the problem's own preamble: a fresh coqtop, not the input, is due
            raise ProverError("coqtop ran out of memory loading the preamble")
        if any(m.severity == "error" for m in messages):
            self._back_to(self._initial, deadline)
            return messages
        self._live.append(self._current)
        self._bases[preamble] = self._current
        return messages

    def _run_file(self, text: str, sentences: list[Sentence], preamble: str, deadline: float):
        failed = self._from_base(preamble, deadline)
        if failed:
            return tuple(Message(m.severity, f"in the preamble: {m.text}") for m in failed), "", ""
        messages, output, proofs = self._run(text, sentences, deadline)
        return tuple(messages), output, proofs

    def _open(self, statement: str, preamble: str, deadline: float) -> ProofState:
        _allowed(preamble)
        failed = self._from_base(preamble, deadline)
        if failed:
            raise ValueError(f"Coq refused the preamble: {failed[0].text}")
        sentences = split_sentences(statement)
        messages, output, _ = self._run(statement, sentences, deadline, show=True)
        errors = [m for m in messages if m.severity == "error"]
        if errors:
            self._back_to(self._initial, deadline)
            raise ValueError(f"Coq refused the statement: {errors[0].text}")
        self._live.append(self._current)
        goals, notes, solved = parse_goals(output)
        return ProofState(goals, (statement,), solved, preamble, self._current, self.epoch, notes)

    def _apply(
        self, state: ProofState, tactic: str, sentences: list[Sentence], deadline: float
    ) -> TacticResult:
        self._go_to(state, deadline)
        before = self._current
        messages, output, _ = self._run(tactic, sentences, deadline, show=True)
        errors = [m for m in messages if m.severity == "error"]
        if errors:
            self._back_to(before, deadline)
            return TacticResult(None, errors[0].text, tuple(messages))
        self._live.append(self._current)
        goals, notes, solved = parse_goals(output)
        script = state.script + (tactic.strip(),)
        new = ProofState(goals, script, solved, state.preamble, self._current, self.epoch, notes)
        return TacticResult(new, None, tuple(messages))

    def _go_to(self, state: ProofState, deadline: float) -> None:
        """Make ``state`` current: ``BackTo`` it if this coqtop still has it, else rebuild it."""
        if state.epoch == self.epoch and state.handle in self._live:
            self._back_to(state.handle, deadline)
            return
        rebuilt = self._open(state.script[0], state.preamble, deadline)
        for tactic in state.script[1:]:
            result = self._apply(rebuilt, tactic, split_sentences(tactic), deadline)
            if result.state is None:
                raise ProverError(f"could not rebuild a proof state: {tactic!r} failed with {result.error}")
            rebuilt = result.state


def _allowed(preamble: str) -> None:
    """``ValueError`` unless every sentence of ``preamble`` passes the file policy."""
    for sentence in split_sentences(preamble):
        reason = coq_text.refusal(sentence, commands=True)
        if reason:
            raise ValueError(f"the preamble is refused: {reason}")


def _at(source: str, sentence: Sentence, severity: str, text: str) -> Message:
    line, column = position(source, sentence.start)
    end_line, end_column = position(source, sentence.start + len(sentence.text))
    return Message(severity, text, line, column, end_line, end_column)


def _messages(output: str, source: str, sentence: Sentence) -> list[Message]:
    """The errors, warnings and notices in coqtop's output for ``sentence`` of ``source``."""
    found: list[Message] = []
    span: tuple[int, int] | None = None
    lines = output.replace("<warning>", "").replace("</warning>", "").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        located = _LOCATION.match(line)
        if located:
            span = (int(located.group(1)), int(located.group(2)))
            i += 1
            continue
        severity = (
            "error" if line.startswith("Error:") else "warning" if line.startswith("Warning:") else None
        )
        if severity is None:
            i += 1
            continue
        body = [line.split(":", 1)[1].strip()]
        i += 1
        while i < len(lines) and lines[i].strip() and not _LOCATION.match(lines[i]):
            body.append(lines[i].strip())
            i += 1
        text = "\n".join(body).strip()
        found.append(_message(source, sentence, severity, text, span))
        span = None
    if not found and lines:
        notice = " ".join(coq_text.INFO_BLOCK.sub(lambda m: m.group(1), "\n".join(lines)).split())
        if notice and not _is_goal_display(output):
            found.append(_at(source, sentence, "info", notice))
    return found


def _message(
    source: str, sentence: Sentence, severity: str, text: str, span: tuple[int, int] | None
) -> Message:
    if span is None:
        return _at(source, sentence, severity, text)
    encoded = sentence.text.encode()  # coqtop counts bytes from the sentence's start
    start = sentence.start + len(encoded[: span[0]].decode(errors="ignore"))
    end = sentence.start + len(encoded[: span[1]].decode(errors="ignore"))
    line, column = position(source, start)
    end_line, end_column = position(source, end)
    return Message(severity, text, line, column, end_line, end_column)


def _shows_goals(output: str) -> bool:
    body = coq_text.INFO_BLOCK.sub("", output).strip()
    return body.startswith("No more goals") or bool(re.match(r"\d+ goals?", body))


def _is_goal_display(output: str) -> bool:
    return _shows_goals(output) or not coq_text.INFO_BLOCK.sub("", output).strip()
