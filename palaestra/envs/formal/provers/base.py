"""The prover backend API shared by the Coq and Lean 4 backends.

A prover is a checker process kept warm between calls. It checks a whole file or snippet
(``check``), opens a theorem in tactic mode (``open_theorem``), applies a tactic to a proof state
(``apply``) and decides whether a proof counts (``verify``). Every call is bounded by a timeout; a
call that runs past it, or a checker that dies, costs a restart, never a wrong answer. Proof states
are values: one that outlived a restart is rebuilt by replaying the sentences that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from palaestra.core.errors import EnvError, MissingExtraError


class ProverError(EnvError):
    """The checker itself failed (it could not start, or died twice on one input): not the input's fault."""


class ProverUnavailableError(ProverError, MissingExtraError):
    """The checker is not installed or not configured on this machine; the message says how to fix it.
    A ``MissingExtraError`` too, so the command line shows it as one line, not a traceback."""


class ProverTimeoutError(ProverError):
    """A call ran past its timeout; the checker was killed and the next call starts a fresh one."""


@dataclass(frozen=True)
class Message:
    """One message of the checker. Lines and columns count from 1 and 0 (Lean's convention), in the
    text that was checked; ``line`` is 0 where the checker gave no position."""

    severity: str  # "error", "warning" or "info"
    text: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{self.severity}: {where}{self.text}"


@dataclass(frozen=True)
class CheckResult:
    """What checking a file or snippet gave: its messages, and where it leaves proofs unfinished
    (Coq's ``Admitted``/``admit``/``give_up``, Lean's ``sorry``) as messages of their own."""

    messages: tuple[Message, ...]
    sorries: tuple[Message, ...] = ()
    timed_out: bool = False

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    @property
    def ok(self) -> bool:
        """The text type-checks (unfinished proofs allowed)."""
        return not self.errors and not self.timed_out


@dataclass(frozen=True)
class ProofState:
    """A proof in progress: its goals, and the ``script`` (statement and tactics) that rebuilds it.

    ``solved`` comes from the checker, never from an empty goal list alone (Lean's REPL shows no
    goals for a proof left with metavariables). ``handle`` is the backend's own reference (a Coq state
    id, a Lean ``proofState``) and ``epoch`` the checker process it belongs to; a state from an
    earlier process is rebuilt from ``script``.
    """

    goals: tuple[str, ...]
    script: tuple[str, ...]
    solved: bool = False  # the checker says the proof is complete (no goal, nothing left unproved)
    preamble: str = ""
    handle: int = -1
    epoch: int = -1
    notes: str = ""  # what the checker said besides the goals ("this subproof is complete ...")

    def render(self) -> str:
        """The goals as a reader sees them."""
        if self.solved:
            return "No goals left."
        if not self.goals:
            return f"No goals shown, but the proof is not complete. {self.notes}".strip()
        parts = [f"Goal {i} of {len(self.goals)}:\n{goal}" for i, goal in enumerate(self.goals, 1)]
        return ((self.notes + "\n\n") if self.notes else "") + "\n\n".join(parts)


@dataclass(frozen=True)
class TacticResult:
    """The outcome of one tactic: the new state, or ``error`` (the state is then unchanged).
    ``refused`` says palaestra's policy stopped the tactic before it reached the checker."""

    state: ProofState | None
    error: str | None = None
    messages: tuple[Message, ...] = ()
    timed_out: bool = False
    refused: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether a proof counts, and if not, why (in words an agent can act on) with the checker's messages."""

    accepted: bool
    reason: str
    messages: tuple[Message, ...] = field(default=())

    def render(self) -> str:
        """The reason, then the messages it does not already say."""
        shown = [str(m) for m in self.messages if m.text not in self.reason]
        return "\n".join([self.reason, *shown])


class Prover(Protocol):
    """What every backend offers. ``close()`` ends the checker process; it is idempotent and thread-safe."""

    language: str  # "coq" or "lean"

    def start(self) -> None: ...

    def check(self, text: str, *, preamble: str = "", timeout: float | None = None) -> CheckResult: ...

    def open_theorem(self, statement: str, preamble: str = "") -> ProofState: ...

    def apply(self, state: ProofState, tactic: str, *, timeout: float | None = None) -> TacticResult: ...

    def verify(self, statement: str, proof: str, preamble: str = "") -> Verdict: ...

    def close(self) -> None: ...
