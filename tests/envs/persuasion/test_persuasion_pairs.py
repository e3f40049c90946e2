"""Preference pairs from real runs (the expert persuader and an LLM over HTTP that only hedges), read
back by ``datasets`` as TRL reads them, and trained on for a step by TRL's own ``DPOTrainer``."""

import json
import os
import re
import subprocess
import sys

import pytest

from palaestra.agents.llm.chat_agent import Completion
from palaestra.agents.llm.testserver import ScriptedChatServer
from palaestra.envs.persuasion.pairs import preference_pairs
from palaestra.evaluation import custom_suite, evaluate

KWARGS = {"difficulty": "hard", "questions": 1}  # one question, so every episode asks it
EPISODES = 3


def hedging_persuader(messages):
    """A persuader that names the target without any strategy: it never moves the listener."""
    target = re.search(r"make the listener answer (.+?)\.\n", messages[0]["content"]).group(1)
    return Completion(f"<action>I suppose it might possibly be {target}, maybe.</action>", 10, 5)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("persuasion-runs")
    suite = custom_suite(["Persuasion-Text-v0"], EPISODES, KWARGS)
    evaluate(root / "expert", suite, "expert", show_progress=False)
    with ScriptedChatServer(hedging_persuader, model="hedger") as server:
        evaluate(
            root / "hedger",
            suite,
            "openai:hedger",
            options={"base_url": server.base_url},
            show_progress=False,
        )
    return root


def test_pairs_set_a_successful_reply_against_a_failed_one_after_the_same_prompt(runs):
    pairs = preference_pairs([runs / "expert", runs / "hedger"])
    successes = sum(json.loads(line)["success"] for line in (runs / "expert" / "episodes.jsonl").open())
    assert successes >= 2 and len(pairs) == successes * EPISODES  # every hedged episode failed
    for pair in pairs:
        system, user = pair["prompt"]
        assert system["role"] == "system" and system["content"].startswith("You are the persuader")
        assert user["role"] == "user" and "Round 1 of 2" in user["content"]
        assert pair["chosen"][0]["role"] == pair["rejected"][0]["role"] == "assistant"
        assert pair["chosen"][0]["content"].startswith("[strategy: ")
        assert "might possibly be" in pair["rejected"][0]["content"]
        assert pair["turn"] == 0 and pair["task_id"] == pairs[0]["task_id"]
    assert preference_pairs([runs / "hedger"]) == []  # failures alone make no pair


def test_pairs_diverging_later_carry_the_shared_dialogue_in_the_prompt():
    from palaestra.core.records import StepRecord
    from palaestra.envs.persuasion.pairs import _pair

    shared = StepRecord("Round 1", "same opening", 0.0, True)
    won = [shared, StepRecord("Round 2", "good", 1.0, True)]
    lost = [shared, StepRecord("Round 2", "bad", 0.0, True)]
    pair = _pair("rules", won, lost)
    assert [m["role"] for m in pair["prompt"]] == ["system", "user", "assistant", "user"]
    assert pair["chosen"] == [{"role": "assistant", "content": "good"}] and pair["turn"] == 1
    answered_otherwise = [shared, StepRecord("Round 2, another reply", "bad", 0.0, True)]
    assert _pair("rules", won, answered_otherwise) is None  # no shared prompt at the second turn


@pytest.mark.slow
def test_the_command_writes_jsonl_that_trl_reads_and_trains_on(runs, tmp_path):
    out = tmp_path / "pairs.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "palaestra",
            "persuasion-pairs",
            str(runs / "expert"),
            str(runs / "hedger"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    count = int(re.search(r"Wrote (\d+) preference pair", result.stdout).group(1))
    assert count == len(out.read_text().splitlines()) > 0

    from datasets import load_dataset
    from trl.data_utils import is_conversational

    dataset = load_dataset("json", data_files=str(out), split="train")
    assert len(dataset) == count and is_conversational(dataset[0])
    assert {"prompt", "chosen", "rejected"} <= set(dataset.column_names)


@pytest.mark.slow
def test_dpo_trainer_takes_a_step_on_the_pairs(runs, tmp_path):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from palaestra.agents.llm.tiny_model import build_tiny_chat_model
    from palaestra.envs.persuasion.pairs import write_preference_pairs

    out = tmp_path / "pairs.jsonl"
    write_preference_pairs([runs / "expert", runs / "hedger"], out)
    from datasets import load_dataset

    dataset: Dataset = load_dataset("json", data_files=str(out), split="train")
    folder = build_tiny_chat_model(tmp_path / "model")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    args = DPOConfig(
        output_dir=str(tmp_path / "dpo"),
        max_steps=1,
        per_device_train_batch_size=2,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        logging_steps=1,
        max_length=None,  # the instructions alone pass the default 1024 tokens of the tiny tokenizer
    )
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 1
    logged = trainer.state.log_history[0]
    assert "loss" in logged and logged["loss"] == pytest.approx(0.6931, abs=0.05)  # ln 2 at the start
