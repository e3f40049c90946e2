"""Formal mathematics: tactic proving, whole-proof checking and autoformalization on Coq and Lean 4."""

from palaestra.core import register_env
from palaestra.envs.formal.provers.lean import REPL_VARIABLE

ENTRY = "palaestra.envs.formal.env:"
IDS = {
    "Proof": (
        "FormalProofEnv",
        50,
        "Prove a theorem one tactic at a time; the observation is the goals, reward 1 for a checked proof.",
    ),
    "ProofWhole": (
        "FormalProofWholeEnv",
        16,
        "Submit a whole proof, read the checker's messages, retry within a budget of attempts.",
    ),
    "Formalize": (
        "FormalizeEnv",
        8,
        "Write a formal statement of a problem in words; type-checked, optionally judged (LeanScorer).",
    ),
}

for backend, prefix in (("coq", "Coq"), ("lean", "Lean")):
    for name, (entry, steps, summary) in IDS.items():
        register_env(
            f"{prefix}{name}-Text-v0",
            ENTRY + entry,
            family="formal",
            summary=f"{prefix}: {summary}",
            max_episode_steps=steps,
            kwargs={"backend": backend},
            extra=backend,
            expert=True,
            data=(REPL_VARIABLE, "a built Lean 4 REPL (its folder, or the command that runs it)")
            if backend == "lean"
            else None,
        )
