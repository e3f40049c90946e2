"""Formal mathematics: tactic proving, whole-proof checking and autoformalization on Coq and Lean 4."""
