"""Prover backends: one API (``base``) over Coq's ``coqtop`` and the Lean 4 REPL; a pool of warm ones."""

from palaestra.envs.formal.provers.base import (
    CheckResult,
    Message,
    ProofState,
    Prover,
    ProverError,
    ProverTimeoutError,
    ProverUnavailableError,
    TacticResult,
    Verdict,
)
from palaestra.envs.formal.provers.coq import CoqProver
from palaestra.envs.formal.provers.lean import LeanProver
from palaestra.envs.formal.provers.pool import ProverPool

__all__ = [
    "CheckResult",
    "CoqProver",
    "LeanProver",
    "Message",
    "ProofState",
    "Prover",
    "ProverError",
    "ProverPool",
    "ProverTimeoutError",
    "ProverUnavailableError",
    "TacticResult",
    "Verdict",
]
