"""Fixtures of the trainer tests: a tiny policy built in place, its tokenizer trained on Snake text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from palaestra.core.registry import missing_extra

if missing_extra("train") is not None:  # without torch, transformers and peft there is nothing to test
    collect_ignore_glob = ["test_*.py"]

# About 115K parameters: fast on two shared cores, big enough to learn Snake's replies.
TINY = {"hidden_size": 64, "intermediate_size": 128, "corpus_episodes": 3, "corpus_steps": 20}
SNAKE = {"difficulty": "easy"}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One thread: on two cores shared by parallel test workers, more threads only contend."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from palaestra.agents.train.policy import TinyPolicySpec, build_tiny_policy

    folder = tmp_path_factory.mktemp("tiny-policy")
    return build_tiny_policy(folder, ["Snake-Text-v0"], env_kwargs=SNAKE, spec=TinyPolicySpec(**TINY))


@pytest.fixture(scope="session")
def tokenizer(tiny_policy: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_policy, local_files_only=True)


@pytest.fixture(scope="session")
def sft_policy(tiny_policy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny policy after a short SFT on expert Snake play: it answers in action tags often enough
    that a group's rewards differ, which is what gives RL a gradient."""
    import torch

    from palaestra.agents.train.policy import load_policy
    from palaestra.agents.train.sft import expert_samples, finetune

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model, tokenizer = load_policy(tiny_policy, "cpu", None)
    samples = expert_samples(
        "Snake-Text-v0", tokenizer, range(4), env_kwargs=SNAKE, max_turns=4, history_turns=0
    )
    losses = finetune(
        model, tokenizer, samples, steps=45, lr=1e-2, batch_size=4, generator=torch.Generator().manual_seed(0)
    )
    torch.set_num_threads(threads)
    assert losses[-1] < losses[0] / 4
    folder = tmp_path_factory.mktemp("sft-policy")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
