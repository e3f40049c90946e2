"""Build a bundled policy: train it from its recipe, score it on the test split, write its folder.

    python -m palaestra.policy_build NAME [--episodes 200]

It joins the trainer (``palaestra.agents.train``) and the evaluation harness, which stay independent of
each other, so like ``bench`` it lives above both. For the policy ``NAME``, whose recipe is
``palaestra/agents/policies/NAME/train.toml``:

1. train: SFT on expert play, then RL, as the recipe says, in the recipe's ``run.output_dir``
   (an interrupted build resumes from the run's last checkpoint);
2. score, with the evaluation harness on the env's test split (``--episodes`` seeds): ``random``,
   ``expert``, the SFT checkpoint and the trained policy, the last two as ``policy:NAME`` plays;
3. write the policy's folder: the model and tokenizer, ``policy.json`` (the env, the agent settings,
   the results with their 95% intervals and the per-seed scores), the curves (``curves.png``,
   ``metrics.jsonl``, ``sft_losses.json``) and the model card ``README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.agents.policies import POLICIES_DIR, POLICY_FILE
from palaestra.agents.train.config import TrainConfig, load_config
from palaestra.agents.train.metrics import MetricsLog
from palaestra.agents.train.trainer import Trainer, checkpoints
from palaestra.core.errors import UsageError
from palaestra.core.metrics import Interval, bootstrap_interval, interval_text, points_text
from palaestra.core.runs import read_episodes
from palaestra.evaluation.evaluate import evaluate_or_resume
from palaestra.evaluation.suites import Suite, custom_suite

RECIPE = "train.toml"
# The files of a transformers model folder that the policy needs to play.
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
)


def agent_options(config: TrainConfig) -> dict[str, Any]:
    """How a policy trained with ``config`` plays: sampling as its rollouts sampled (temperature, reply
    bound), with their history window."""
    return {
        "temperature": config.rollout.temperature,
        "max_tokens": config.rollout.max_new_tokens,
        "history_turns": config.rollout.history_turns,
    }


def describe(config: TrainConfig, folder: Path) -> dict[str, Any]:
    """The ``policy.json`` of a model folder trained with ``config`` (results are added later)."""
    return {
        "env_id": config.env.ids[0],
        "env_kwargs": dict(config.env.kwargs),
        "agent_options": agent_options(config),
        "parameters": _parameters(folder),
    }


def _write_description(folder: Path, description: dict[str, Any]) -> None:
    (folder / POLICY_FILE).write_text(json.dumps(description, indent=1) + "\n", encoding="utf-8")


def train(recipe: Path) -> tuple[TrainConfig, Path]:
    """Run (or finish) the recipe's training; its config and the final checkpoint."""
    config, text = load_config(recipe)
    saved = checkpoints(config.run.output_dir)
    trainer = Trainer(config, text, checkpoint=saved[-1] if saved else None)
    trainer.train()
    return config, checkpoints(config.run.output_dir)[-1]


def held_out_suite(config: TrainConfig, episodes: int) -> Suite:
    """The env's held-out seeds ``0..episodes-1`` at the recipe's settings."""
    return custom_suite([config.env.ids[0]], episodes, kwargs=dict(config.env.kwargs))


def score(run_dir: Path, suite: Suite, spec: str) -> dict:
    """One agent's run of ``suite`` (a killed one resumes): mean score and success with intervals, and
    the score of every seed."""
    outcome = evaluate_or_resume(run_dir, suite, spec, show_progress=False)
    if outcome.failure is not None or outcome.interrupted:
        raise UsageError(
            f"{spec} did not finish its test run in {run_dir}: {outcome.failure or 'interrupted'}"
        )
    records = sorted(read_episodes(run_dir / "episodes.jsonl"), key=lambda r: r.seed)
    scores = np.array([r.score for r in records], dtype=float)
    interval = bootstrap_interval(scores)
    return {
        "score": interval.mean,
        "low": interval.low,
        "high": interval.high,
        "success": float(np.mean([r.success for r in records])),
        "seeds": [r.seed for r in records],
        "scores": scores.tolist(),
    }


def paired_difference(better: dict, worse: dict) -> Interval:
    """The mean per-seed score difference of two agents on the same seeds, with its bootstrap interval."""
    if better["seeds"] != worse["seeds"]:
        raise ValueError("the two runs played different seeds")
    differences = np.array(better["scores"]) - np.array(worse["scores"])
    return bootstrap_interval(differences)


def build(name: str, episodes: int, root: Path = POLICIES_DIR) -> Path:
    """Train, score and write the policy folder ``root/name`` from its recipe; return the folder."""
    folder = root / name
    recipe = folder / RECIPE
    if not recipe.is_file():
        raise UsageError(f"no recipe {recipe}: a policy starts as a folder with its {RECIPE}")
    config, final = train(recipe)
    run = Path(config.run.output_dir)
    sft_folder = run / "sft_model"
    for model_folder in (sft_folder, final / "policy"):  # each plays as policy:FOLDER
        _write_description(model_folder, describe(config, model_folder))
    agents = {
        "random": "random",
        "expert": "expert",
        "sft": f"policy:{sft_folder.resolve()}",
        "policy": f"policy:{(final / 'policy').resolve()}",
    }
    suite = held_out_suite(config, episodes)
    results = {agent: score(run / "eval" / agent, suite, spec) for agent, spec in agents.items()}
    for file in MODEL_FILES:
        if (final / "policy" / file).is_file():
            shutil.copy2(final / "policy" / file, folder / file)
    shutil.copy2(run / "metrics.jsonl", folder / "metrics.jsonl")
    shutil.copy2(run / "metrics.png", folder / "curves.png")
    shutil.copy2(sft_folder / "sft_losses.json", folder / "sft_losses.json")
    gain = paired_difference(results["policy"], results["sft"])
    description = {
        **describe(config, folder),
        "trained_on": _hardware(config.run.device),
        "rl_seconds": round(sum(row["step_seconds"] for row in MetricsLog(run / "metrics.jsonl").rows())),
        "results": {
            "split": suite.envs[0].kwargs.get("split"),
            "episodes": episodes,
            "agents": results,
            "rl_minus_sft": {"score": gain.mean, "low": gain.low, "high": gain.high},
        },
    }
    _write_description(folder, description)
    card = model_card(name, config, description, recipe.read_text(encoding="utf-8").strip())
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def _hardware(device: str) -> str:
    """Where the training ran, in words."""
    import torch

    if device.startswith("cuda") or (device == "auto" and torch.cuda.is_available()):
        return f"GPU ({torch.cuda.get_device_name()})"
    return (
        f"CPU only ({platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch "
        "thread(s)); no GPU"
    )


def _parameters(folder: Path) -> int:
    from safetensors import safe_open

    with safe_open(folder / "model.safetensors", framework="np") as weights:
        return int(sum(np.prod(weights.get_slice(key).get_shape()) for key in weights.keys()))


def results_table(results: dict[str, Any]) -> str:
    """The card's results as a Markdown table."""
    names = {
        "random": "`random`",
        "sft": "SFT checkpoint",
        "policy": "this policy (SFT + RL)",
        "expert": "`expert`",
    }
    rows = ["| agent | score, 95% interval | success |", "|---|---|---|"]
    for agent in ("random", "sft", "policy", "expert"):
        entry = results["agents"][agent]
        interval = interval_text(Interval(entry["score"], entry["low"], entry["high"]))
        rows.append(f"| {names[agent]} | {interval} | {points_text(entry['success'])}% |")
    return "\n".join(rows)


def model_card(name: str, config: TrainConfig, description: dict[str, Any], recipe: str) -> str:
    """The policy's model card: what it is, how it was made, how it scores."""
    tiny = config.model.tiny
    results = description["results"]
    gain = results["rl_minus_sft"]
    kwargs = ", ".join(f"{key}={value!r}" for key, value in description["env_kwargs"].items())
    env = f"{description['env_id']}" + (f" ({kwargs})" if kwargs else "")
    flags = "".join(f" --env-kwarg {key}={value}" for key, value in description["env_kwargs"].items())
    if not tiny.system_turn:
        prompt = "the observation without the env's instructions (the policy learned the rules in training)"
    else:
        prompt = "the env's instructions as the system turn, then the observation"
    if tiny.observation_lines:
        prompt += f", cut to its last {tiny.observation_lines} lines"
    if config.rollout.history_turns is not None:
        prompt += f"; {config.rollout.history_turns} earlier turns kept"
    options = description["agent_options"]
    sft, rollout, objective = config.sft, config.rollout, config.objective
    minutes = description["rl_seconds"] / 60
    return f"""# `policy:{name}`

A {description["parameters"]:,}-parameter Llama-architecture policy that plays {env}. It was built and
trained from scratch in this repository (tokenizer included; nothing downloaded): supervised fine-tuning
on the env's expert, then reinforcement learning with palaestra's own trainer. It plays with

```bash
palaestra eval --agent policy:{name} --env {description["env_id"]}{flags}
```

and is listed by `palaestra policies`.

## Architecture

- Llama (transformers' `LlamaForCausalLM`): {tiny.layers} layers, hidden size {tiny.hidden_size},
  {tiny.heads} heads, MLP {tiny.intermediate_size}, {tiny.context_length} positions, tied embeddings,
  float32 weights.
- Tokenizer: byte-level BPE with {tiny.vocab_size} tokens, trained on the text of
  {tiny.corpus_episodes} played episodes of the env (instructions, observations, action replies).
- Prompt (its chat template): {prompt}.
  The reply is `<action>MOVE</action>`, at most {options["max_tokens"]} tokens.
- Play: sampled at temperature {options["temperature"]} over the whole vocabulary, from a generator
  seeded with the episode's seed, so each episode is reproducible in any run
  (`palaestra.agents.policies.agent`).

## Data and training

- **SFT**: the expert's play on train-split seeds 0-{sft.episodes - 1} (at most {sft.max_turns} turns
  each), {sft.steps} AdamW steps of {sft.batch_size} turns at learning rate {sft.lr}; the loss is on the
  reply tokens only. Losses: `sft_losses.json`.
- **RL**: {config.run.steps} steps of `{objective.name}` on fresh train-split seeds: {rollout.groups}
  tasks x {rollout.group_size} episodes a step, at most {rollout.max_turns} turns, reward
  `{rollout.reward}` less {rollout.invalid_penalty} per invalid reply, learning rate {config.optim.lr}.
- Seeds: `run.seed = {config.run.seed}` (torch, task draws, tokenizer corpus). Test seeds never appear
  in training: the env's train and test splits are disjoint.
- Hardware: {description["trained_on"]}; the RL steps took {minutes:.0f} minutes in all.
- Command, from a checkout: `python -m palaestra.policy_build {name}` (trains, scores and writes this
  folder; `palaestra train palaestra/agents/policies/{name}/train.toml` runs the training alone).

The training config, `train.toml`:

```toml
{recipe}
```

## Curves

![RL curves: reward, success, invalid rate, length, KL, clip fraction](curves.png)

One line per RL step in `metrics.jsonl`.

## Results

Test split, seeds 0-{results["episodes"] - 1}, one episode each; score in points (the env's score x
100); 95% bootstrap intervals.

{results_table(results)}

RL over SFT, paired on the same seeds: {interval_text(Interval(gain["score"], gain["low"], gain["high"]))}
points. Per-seed scores are in `policy.json`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the policy's folder under palaestra/agents/policies/")
    parser.add_argument("--episodes", type=int, default=200, help="test seeds per agent")
    args = parser.parse_args(argv)
    try:
        folder = build(args.name, args.episodes)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
