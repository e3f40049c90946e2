"""Fixtures of the trainer tests: a tiny policy built in place, its tokenizer trained on Snake text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")

from palaestra.agents.train.policy import TinyPolicySpec, build_tiny_policy  # noqa: E402

# A few hundred thousand parameters: fast on two shared cores, big enough to learn Snake's replies.
TINY = TinyPolicySpec(corpus_episodes=3, corpus_steps=20)


@pytest.fixture(scope="session")
def tiny_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-policy")
    return build_tiny_policy(folder, ["Snake-Text-v0"], env_kwargs={"difficulty": "easy"}, spec=TINY)


@pytest.fixture(scope="session")
def tokenizer(tiny_policy: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_policy, local_files_only=True)
