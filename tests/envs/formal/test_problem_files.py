"""Problem files given as ``problems_path``: the built-in format, and the miniF2F and Gaokao-Formal
jsonl sets (through the loaders of ``palaestra.envs.formal.problems``), on small files in their formats."""

import json

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.envs.formal.env import load_problem_file

ROW = {
    "topic": "nat",
    "informal": "Zero plus n is n.",
    "coq_statement": "Theorem zl : forall n : nat, 0 + n = n.",
    "coq_proof": ["intros n.", "reflexivity."],
    "lean_statement": "theorem zl (n : Nat) : 0 + n = n",
    "lean_proof": ["simp"],
}
LEAN_ONLY = {**ROW, "coq_statement": "", "coq_proof": []}


def test_a_file_in_the_built_in_format_brings_its_own_splits(tmp_path):
    path = tmp_path / "mine.json"
    rows = [{**ROW, "id": "a", "split": "valid"}, {**ROW, "id": "b", "split": "test"}]
    rows.append({**LEAN_ONLY, "id": "lean_only", "split": "test"})
    path.write_text(json.dumps(rows))
    env = gym.make("CoqProof-Text-v0", problems_path=str(path), split="valid")
    try:
        assert env.unwrapped.splits == ("valid", "test") and env.unwrapped.task_ids() == ["a"]
        assert gym.make("CoqProof-Text-v0", problems_path=str(path), split="test").unwrapped.task_ids() == [
            "b"
        ]
        env.reset(seed=0)
        assert env.step("intros n. reflexivity.")[1] == 1.0
    finally:
        env.close()
    only_lean = tmp_path / "lean.json"
    only_lean.write_text(json.dumps([{**LEAN_ONLY, "id": "x", "split": "train"}]))
    with pytest.raises(ValueError, match="no problem with a coq statement"):
        gym.make("CoqProof-Text-v0", problems_path=str(only_lean))


def test_minif2f_and_gaokao_jsonl_go_to_their_loaders(tmp_path):
    minif2f = tmp_path / "minif2f.jsonl"
    minif2f.write_text(
        json.dumps(
            {
                "name": "mathd_algebra_478",
                "split": "valid",
                "informal_prefix": "/-- The volume of a cone is 30 when b = 30 and h = 6.5. Show it. -/\n",
                "formal_statement": "theorem mathd_algebra_478 (b h v : ℝ) (h₀ : v = 1 / 3 * (b * h))"
                " (h₁ : b = 30) (h₂ : h = 13 / 2) : v = 65 := by\n",
                "goal": "b h v : ℝ\n⊢ v = 65",
                "header": "import Mathlib\nimport Aesop\n",
            }
        )
        + "\n"
    )
    gaokao = tmp_path / "gaokao.jsonl"
    gaokao.write_text(
        json.dumps(
            {
                "id": "g_0",
                "NL_Chinese": "证明 1 + 1 = 2。",
                "NL_English": "Prove that 1 + 1 = 2.",
                "formal_statement": "import Mathlib\n\ntheorem g_0 : (1 : ℕ) + 1 = 2 := by sorry",
                "category": "algebra",
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    (from_minif2f,) = load_problem_file(minif2f)
    assert from_minif2f.id == "mathd_algebra_478" and from_minif2f.lean_statement.startswith("theorem")
    assert not from_minif2f.coq_statement
    (from_gaokao,) = load_problem_file(gaokao)
    assert from_gaokao.informal == "Prove that 1 + 1 = 2." and from_gaokao.lean_statement.startswith(
        "theorem g_0"
    )
