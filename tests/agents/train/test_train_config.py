"""The TOML run config: presets, overrides, precise errors; and the `palaestra train` command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import gymnasium as gym
import pytest
import tomllib
from typer.testing import CliRunner

from palaestra.agents import agent_factory
from palaestra.agents.train import config_from_dict, load_config
from palaestra.cli import app
from palaestra.core.errors import UsageError


def test_objective_presets_and_overrides():
    dapo = config_from_dict({"objective": {"name": "dapo"}}).objective
    assert (dapo.advantage, dapo.clip_low, dapo.clip_high, dapo.aggregation, dapo.filter_zero_variance) == (
        "std",
        0.2,
        0.28,
        "token",
        True,
    )
    dr = config_from_dict({"objective": {"name": "dr_grpo"}}).objective
    assert (dr.advantage, dr.aggregation) == ("mean", "constant")
    rloo = config_from_dict({"objective": {"name": "rloo", "kl_beta": 0.05}}).objective
    assert (rloo.advantage, rloo.kl_beta) == ("leave_one_out", 0.05)
    grpo = config_from_dict({"objective": {"clip_high": 0.3}}).objective
    assert (grpo.name, grpo.advantage, grpo.aggregation, grpo.clip_high) == ("grpo", "std", "sequence", 0.3)
    config = config_from_dict({"rollout": {"max_turns": 5, "max_new_tokens": 10}})
    assert config.token_budget == 50 and config.lora is None
    assert config_from_dict({"lora": {"r": 4}}).lora.target_modules == (
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"training": {}}, "no section"),
        ({"rollout": {"group": 4}}, r"no key\(s\) group; it takes: groups"),
        ({"rollout": {"groups": "4"}}, "groups must be int"),
        ({"rollout": {"groups": 0}}, "groups must be positive"),
        ({"objective": {"name": "ppo"}}, "name must be one of grpo"),
        ({"objective": {"aggregation": "max"}}, "aggregation must be one of"),
        ({"sampler": {"kind": "random"}}, "kind must be one of uniform, e2h, dots"),
        ({"env": {"ids": ["Chess-Text-v0"]}}, "unknown env id 'Chess-Text-v0'"),
        ({"env": {"ids": "Snake-Text-v0"}}, "ids must be a list"),
        ({"run": {"live": "yes"}}, "live must be bool"),
        ({"rollout": {"history_turns": 1.5}}, "history_turns must be an integer"),
        ({"sampler": {"replay_fraction": 1.0}}, "replay_fraction"),
        ({"model": {"tiny": {"layer": 2}}}, r"\[model.tiny\] has no key"),
        ({"model": {"tiny": {"observation_lines": -1}}}, "observation_lines must be >= 0"),
    ],
)
def test_bad_configs_say_what_to_change(data, message):
    with pytest.raises(UsageError, match=message):
        config_from_dict(data)


def test_a_toml_file_loads_with_its_text(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[run]\nsteps = 3\n\n[sampler]\nkind = "e2h"\npresets = ["easy", "hard"]\n')
    config, text = load_config(path)
    assert config.run.steps == 3 and config.sampler.presets == ("easy", "hard") and text == path.read_text()
    path.write_text("[run\nsteps = 3\n")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(UsageError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.slow
def test_palaestra_train_runs_a_config_and_guards_its_folder(sft_policy: Path, tmp_path: Path):
    out = tmp_path / "run"
    path = tmp_path / "run.toml"
    path.write_text(
        f"""
[run]
output_dir = "{out}"
steps = 1
live = false
device = "cpu"

[model]
path = "{sft_policy}"

[env]
ids = ["Snake-Text-v0"]

[rollout]
groups = 2
group_size = 2
max_turns = 2
max_new_tokens = 8
history_turns = 0

[sampler]
kind = "e2h"
presets = ["easy", "medium"]
"""
    )
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(path)])
    assert result.exit_code == 0, result.output
    assert "step 1: reward" in result.output and "Run folder" in result.output
    [row] = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert set(row["preset_weights"]) == {"easy", "medium"}
    assert (out / "metrics.png").is_file() and (out / "config.toml").read_text() == path.read_text()
    assert (out / "checkpoints" / "step_000001" / "policy" / "model.safetensors").is_file()
    again = runner.invoke(app, ["train", str(path)])
    assert again.exit_code == 2 and "pass --resume" in again.output
    finished = runner.invoke(app, ["train", str(path), "--resume"])
    assert finished.exit_code == 0 and "step 1" not in finished.output  # nothing left to train
    # a checkpoint's policy plays as an hf: agent
    factory = agent_factory(
        f"hf:{out / 'checkpoints' / 'step_000001' / 'policy'}", temperature=0, max_tokens=8
    )
    env = gym.make("Snake-Text-v0")
    observation, info = env.reset(seed=0)
    agent = factory(env, seed=0)
    agent.reset(info["instructions"])
    assert isinstance(agent.act(observation), str) and agent.usage["completion_tokens"] > 0
    factory.close()
    env.close()
    bad = tmp_path / "bad.toml"
    bad.write_text("[rollout]\ngroup = 2\n")
    failed = runner.invoke(app, ["train", str(bad)])
    assert failed.exit_code == 2 and "no key(s) group" in failed.output


def test_the_config_in_the_docs_is_the_default_config():
    docs = Path(__file__).resolve().parents[3] / "docs" / "training.md"
    [block] = re.findall(r"```toml\n(.*?)```", docs.read_text(), re.DOTALL)
    documented = config_from_dict(tomllib.loads(block))
    defaults = config_from_dict(
        {"run": {"output_dir": "runs/snake-grpo"}, "env": {"kwargs": {"difficulty": "easy"}}}
    )
    assert documented == defaults


@pytest.mark.parametrize(
    ("env", "sampler", "message"),
    [
        ({"kwargs": {"size": "big"}}, {}, "Snake-Text-v0 cannot be played with size='big'"),
        ({"kwargs": {"colour": "red"}}, {}, "colour"),
        ({"split": "valid"}, {}, "cannot be played"),
        ({}, {"kind": "e2h", "presets": ["easy", "nightmare"]}, "difficulty='nightmare'"),
        ({"ids": ["Snake-Vision-v0"]}, {}, "observes images"),
    ],
)
def test_envs_that_cannot_be_played_fail_before_any_work(tmp_path, env, sampler, message):
    from palaestra.agents.train import Trainer

    config = config_from_dict({"run": {"output_dir": str(tmp_path / "run")}, "env": env, "sampler": sampler})
    with pytest.raises(UsageError, match=message):
        Trainer(config)
    assert not (tmp_path / "run" / "base_model").exists()
