"""The whole trainer on CPU: rollouts, loss and update change the policy; checkpoints resume exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from palaestra.agents.train import Trainer, checkpoints, config_from_dict
from palaestra.agents.train.policy import pad_batch, token_logprobs
from palaestra.core.errors import UsageError

pytestmark = pytest.mark.slow


def tiny_config(policy: Path | None, output: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "run": {"output_dir": str(output), "steps": 2, "checkpoint_every": 1, "live": False, "device": "cpu"},
        "model": {"path": str(policy or "")},
        "env": {"ids": ["Snake-Text-v0"], "kwargs": {"difficulty": "easy"}},
        # the return: in 3 turns invalid replies cost reward (-0.1 each) but rarely change the score
        "rollout": {"groups": 3, "group_size": 4, "max_turns": 3, "max_new_tokens": 8, "reward": "return"},
        "optim": {"lr": 1e-3, "microbatch_size": 6},
    }
    for name, values in sections.items():
        config[name] = {**config.get(name, {}), **values}
    return config


def _surrogate_gain(trainer: Trainer, before: Any) -> float:
    """sum of A * (log pi_new - log pi_before) over the policy tokens the last step trained on."""
    gain = 0.0
    with torch.no_grad():
        for sample in trainer.last_batch:
            ids, attention = pad_batch([sample.input_ids], trainer.tokenizer.pad_token_id, "cpu")
            new = token_logprobs(trainer.model, ids, attention, 1.0)[0]
            old = token_logprobs(before, ids, attention, 1.0)[0]
            gain += float((sample.advantages * sample.mask * (new - old)).sum())
    return gain


def test_a_tiny_loop_plays_scores_and_improves_the_policy(sft_policy, tmp_path):
    trainer = Trainer(config_from_dict(tiny_config(sft_policy, tmp_path)))
    before = copy.deepcopy(trainer.model)
    row = trainer.train_step()
    assert row["episodes"] == 12 and row["step"] == 1
    assert 0 < row["invalid_rate"] < 1  # the SFT policy is right some of the time: rewards differ
    assert row["trained_sequences"] == 12 and row["tokens_per_second"] > 0
    assert row["generated_tokens"] > 0 and row["update_seconds"] > 0
    old = dict(before.named_parameters())
    assert any(not torch.equal(p, old[name]) for name, p in trainer.model.named_parameters())
    # the update raised the probability of better-than-average replies and lowered the others'
    assert _surrogate_gain(trainer, before) > 0
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["reward"] == pytest.approx(row["reward"])
    twin = Trainer(config_from_dict(tiny_config(sft_policy, tmp_path / "twin"))).train_step()
    for key in ("loss", "reward", "invalid_rate", "completion_tokens", "generated_tokens"):
        assert twin[key] == row[key], key  # same config and seed, same step


def test_resume_from_a_checkpoint_gives_the_same_next_step(sft_policy, tmp_path):
    config = config_from_dict(tiny_config(sft_policy, tmp_path, sampler={"kind": "dots", "pool_size": 6}))
    uninterrupted = Trainer(config, "# the config text\n")
    straight = uninterrupted.train()
    first, _ = checkpoints(tmp_path)
    resumed = Trainer(config, "# the config text\n", checkpoint=first)
    assert resumed.step == 1
    again = resumed.train_step()
    for key in ("loss", "reward", "invalid_rate", "completion_tokens", "kl", "clip_fraction"):
        assert again[key] == straight[1][key], key
    assert resumed.sampler.state_dict() == uninterrupted.sampler.state_dict()
    for (name, p), q in zip(resumed.model.named_parameters(), uninterrupted.model.parameters()):
        assert torch.equal(p, q), name
    state = torch.load(first / "trainer_state.pt", weights_only=False)
    assert state["config_text"] == "# the config text\n" and state["step"] == 1
    assert state["config"]["rollout"]["groups"] == 3
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 2  # step 2 logged once
    assert (tmp_path / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    other = config_from_dict(tiny_config(sft_policy, tmp_path, optim={"lr": 5e-4}))
    with pytest.raises(UsageError, match="different config"):
        Trainer(other, checkpoint=first)


def test_dapo_tree_steps_alp_dots_replay_lora_and_kl_in_one_run(sft_policy, tmp_path):
    config = config_from_dict(
        tiny_config(
            sft_policy,
            tmp_path,
            objective={"name": "dapo", "refill_rounds": 1, "level": "step", "alp_beta": 0.5, "kl_beta": 0.1},
            sampler={"kind": "dots", "pool_size": 8, "replay_fraction": 0.34, "replay_max_age": 1},
            lora={"r": 4, "alpha": 8},
            optim={"lr": 1e-2, "epochs": 2, "minibatches": 2},
        )
    )
    trainer = Trainer(config)
    assert sum(p.numel() for p in trainer.model.parameters() if p.requires_grad) < 20_000  # the adapter only
    rows = trainer.train()
    assert rows[1]["replayed_groups"] == 1  # one of three groups replayed from step 1
    assert rows[1]["kl"] > 0  # the adapter has moved away from the base model
    assert trainer.sampler.solve_rates  # DOTS learned solve rates
    adapter = checkpoints(tmp_path)[-1] / "policy" / "adapter_model.safetensors"
    assert adapter.is_file()
    resumed = Trainer(config, checkpoint=checkpoints(tmp_path)[-1])
    trained = dict(trainer.model.named_parameters())
    for name, p in resumed.model.named_parameters():
        assert torch.equal(p, trained[name]), name  # the adapter (and the frozen base) as trained
        assert p.requires_grad == trained[name].requires_grad


class SameReply:
    """Every episode gets the same reply, so every group's rewards are equal."""

    def __init__(self, tokenizer, reply: str = "<action>up</action>"):
        self.completion = tokenizer.encode(reply, add_special_tokens=False) + [tokenizer.eos_token_id]

    def generate(self, prompts):
        return [list(self.completion) for _ in prompts]


def test_dynamic_filtering_drops_zero_variance_groups_and_refills(sft_policy, tmp_path):
    config = config_from_dict(
        tiny_config(
            sft_policy, tmp_path, objective={"name": "dapo", "refill_rounds": 2}, rollout={"groups": 2}
        )
    )
    trainer = Trainer(config)
    trainer.generator = SameReply(trainer.tokenizer)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    row = trainer.train_step()
    assert row["filtered_groups"] == 2 * 3  # two groups, dropped, then two refill rounds dropped too
    assert row["episodes"] == 6 * 4 and row["trained_sequences"] == 0
    assert all(torch.equal(p, q) for p, q in zip(trainer.model.parameters(), before))


def test_the_vllm_backend_names_its_extra_when_vllm_is_missing(tiny_policy, tmp_path):
    import importlib.util

    from palaestra.core.errors import MissingExtraError

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here")
    config = config_from_dict(tiny_config(tiny_policy, tmp_path, rollout={"backend": "vllm"}))
    with pytest.raises(MissingExtraError, match=r"pip install 'palaestra\[vllm\]'"):
        Trainer(config)
    with_lora = config_from_dict(
        tiny_config(tiny_policy, tmp_path, rollout={"backend": "vllm"}, lora={"r": 2})
    )
    with pytest.raises(UsageError, match="LoRA"):
        Trainer(with_lora)


def test_a_run_from_nothing_builds_the_policy_warms_it_up_on_the_expert_then_trains(tmp_path):
    tiny = {"hidden_size": 32, "intermediate_size": 64, "layers": 1, "corpus_episodes": 2, "corpus_steps": 10}
    data = tiny_config(
        None,
        tmp_path,
        model={"tiny": tiny},
        sft={"steps": 6, "lr": 1e-2, "batch_size": 2, "episodes": 2, "max_turns": 3},
        rollout={"groups": 1, "group_size": 2, "max_turns": 2, "history_turns": 0},
    )
    data["run"]["steps"] = 1
    trainer = Trainer(config_from_dict(data))
    assert trainer.base_folder == tmp_path / "sft_model"
    assert (tmp_path / "base_model" / "tokenizer.json").is_file()
    losses = json.loads((tmp_path / "sft_model" / "sft_losses.json").read_text())
    assert len(losses) == 6 and losses[-1] < losses[0]
    weights = tmp_path / "sft_model" / "model.safetensors"
    written = weights.stat().st_mtime_ns
    trainer.train()
    Trainer(config_from_dict(data), checkpoint=checkpoints(tmp_path)[-1])  # a resume keeps the warm start
    assert weights.stat().st_mtime_ns == written
    data["env"]["ids"] = ["2048-Text-v0", "Snake-Text-v0"]
    data["run"]["output_dir"] = str(tmp_path / "two")
    data["env"]["kwargs"] = {}
    assert Trainer(config_from_dict(data)).base_folder == tmp_path / "two" / "sft_model"  # several envs


def test_the_reward_is_the_score_less_the_invalid_penalty(sft_policy, tmp_path):
    data = tiny_config(sft_policy, tmp_path, rollout={"reward": "score", "invalid_penalty": 0.25})
    trainer = Trainer(config_from_dict(data))
    trainer.generator = SameReply(trainer.tokenizer, "fly")  # three invalid replies, no forfeit yet
    row = trainer.train_step()
    assert row["invalid_rate"] == 1.0 and row["score"] == pytest.approx(0.2)  # alive, no apple
    assert row["reward"] == pytest.approx(0.2 - 3 * 0.25)
