"""Trainer speed: rollout tokens/s and seconds per update of the tiny policy architecture, on CPU.

    python benchmarks/train_step.py                      # 3 steps of Snake-Text-v0, CPU
    python benchmarks/train_step.py --steps 5 --history-turns 0 --threads 1
    python benchmarks/train_step.py --policy snake-text-grpo --threads 1

A tiny policy of the default architecture (``TinyPolicySpec``: Llama, 2 layers, width 96, about 270K
parameters, a 512-token BPE vocabulary trained on Snake text) is built in a temporary folder, then the
trainer runs ``--steps`` GRPO steps. With ``--policy NAME``, the architecture, env, prompt and rollout
settings are those of the bundled policy's recipe (``palaestra/agents/policies/NAME/train.toml``),
with random weights and no SFT; ``--groups`` and the other rollout flags then apply only where given.
Printed per step and on average: generated tokens, rollout tokens/s,
seconds per update, and the share of a step spent in generation, env steps, prompts (chat templates,
tokenizing, decoding), the update and the rest (scoring, metrics). Two baselines are measured in the
same run on the same model: a bare ``generate`` of as many first-turn prompts (so the rollout/bare
ratio is what multi-turn prompts and env steps cost) and one plain forward-backward of the last step's
sequences (so the update/bare ratio is what the clipped loss, microbatching and epochs cost). The
random-weight policy rarely answers legally, so its episodes end by invalid-action truncation and its
replies run to ``--max-new-tokens``: a worst case for generation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

import palaestra  # noqa: F401  (registers the env ids)
from palaestra.agents.train import Trainer, config_from_dict
from palaestra.agents.train.policy import pad_batch
from palaestra.agents.train.rollout import TokenConversation


def bare_generate_tokens_per_second(trainer: Trainer, prompts: int) -> float:
    """Generated tokens/s of one batched ``generate`` over first-turn prompts, no env in the loop."""
    import gymnasium as gym

    config = trainer.config
    env = gym.make(config.env.ids[0], **config.env.kwargs)
    batch = []
    for seed in range(prompts):
        observation, info = env.reset(seed=seed)
        conversation = TokenConversation(trainer.tokenizer, config.rollout.history_turns)
        conversation.reset(info["instructions"])
        batch.append(conversation.prompt(observation))
    env.close()
    started = time.perf_counter()
    completions = trainer.generator.generate(batch)
    return sum(len(c) for c in completions) / (time.perf_counter() - started)


def bare_forward_backward_seconds(trainer: Trainer) -> float:
    """Seconds of one forward-backward (mean log-prob loss) over the sequences the last step trained on."""
    samples = trainer.last_batch
    if not samples:
        return float("nan")
    size = trainer.config.optim.microbatch_size
    started = time.perf_counter()
    for start in range(0, len(samples), size):
        micro = samples[start : start + size]
        pad = trainer.tokenizer.pad_token_id
        ids, attention = pad_batch([s.input_ids for s in micro], pad, trainer.device)
        logits = trainer.model(input_ids=ids, attention_mask=attention).logits
        logits.float().log_softmax(-1).mean().backward()
    trainer.model.zero_grad(set_to_none=True)
    return time.perf_counter() - started


def run_settings(args: argparse.Namespace, output_dir: Path) -> dict:
    """The trainer config: the default tiny policy on easy Snake, or a bundled policy's recipe (random
    weights, no SFT), with the flags given on top."""
    data: dict = {
        "env": {"ids": ["Snake-Text-v0"], "kwargs": {"difficulty": "easy"}},
        "rollout": {"groups": 4, "group_size": 8, "max_turns": 8, "max_new_tokens": 16},
        "optim": {"microbatch_size": 8},
    }
    if args.policy:
        from palaestra.agents.policies import POLICIES_DIR

        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib
        recipe = tomllib.loads((POLICIES_DIR / args.policy / "train.toml").read_text(encoding="utf-8"))
        data = {key: recipe[key] for key in ("model", "env", "rollout", "optim") if key in recipe}
    flags = {
        "groups": args.groups,
        "group_size": args.group_size,
        "max_turns": args.max_turns,
        "max_new_tokens": args.max_new_tokens,
        "history_turns": args.history_turns,
    }
    data["rollout"].update({key: value for key, value in flags.items() if value is not None})
    data["run"] = {"output_dir": str(output_dir), "steps": args.steps, "live": False, "device": "cpu"}
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--policy", default=None, help="a bundled policy whose recipe sets the run")
    parser.add_argument("--groups", type=int, default=None, help="default 4 (or the recipe's)")
    parser.add_argument("--group-size", type=int, default=None, help="default 8 (or the recipe's)")
    parser.add_argument("--max-turns", type=int, default=None, help="default 8 (or the recipe's)")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default 16 (or the recipe's)")
    parser.add_argument("--history-turns", type=int, default=None, help="default: full (or the recipe's)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        config = config_from_dict(run_settings(args, Path(folder) / "run"))
        trainer = Trainer(config)
        params = sum(p.numel() for p in trainer.model.parameters())
        r = config.rollout
        print(
            f"{args.policy or 'tiny'} policy architecture: {params / 1e3:.0f}K parameters on "
            f"{trainer.device}, {torch.get_num_threads()} thread(s); {config.env.ids[0]}; {r.groups} groups "
            f"x {r.group_size} episodes, <= {r.max_turns} turns, <= {r.max_new_tokens} tokens a reply, "
            f"history {'full' if r.history_turns is None else r.history_turns}"
        )
        parts = ("generation", "env", "prompts", "update", "other")
        print("step  tokens  rollout tok/s  update s  step s  " + "  ".join(f"{p:>10}" for p in parts))
        rows = []
        for _ in range(args.steps):
            row = trainer.train_step()
            rows.append(row)
            step_s = row["step_seconds"]
            shares = [row[f"{key}_seconds"] for key in ("generation", "env", "prompt", "update")]
            print(
                f"{row['step']:>4}  {row['generated_tokens']:>6}  {row['tokens_per_second']:>13.0f}  "
                f"{row['update_seconds']:>8.2f}  {step_s:>6.2f}  "
                + "  ".join(f"{100 * x / step_s:>9.1f}%" for x in [*shares, step_s - sum(shares)])
            )
        bare_generate = bare_generate_tokens_per_second(trainer, r.groups * r.group_size)
        bare_update = bare_forward_backward_seconds(trainer)
    mean = {key: statistics.mean(r[key] for r in rows) for key in rows[0] if isinstance(rows[0][key], float)}
    step_s = mean["step_seconds"]
    print(
        f"mean: {mean['tokens_per_second']:.0f} rollout tokens/s, {mean['update_seconds']:.2f} s per update, "
        f"{step_s:.2f} s per step; time in generation {100 * mean['generation_seconds'] / step_s:.1f}%, "
        f"env steps {100 * mean['env_seconds'] / step_s:.2f}%, "
        f"prompts (templates, tokenizing) {100 * mean['prompt_seconds'] / step_s:.1f}%, "
        f"update {100 * mean['update_seconds'] / step_s:.1f}%"
    )
    print(
        f"baselines: bare generate {bare_generate:.0f} tokens/s -> rollout/bare "
        f"{rows[-1]['tokens_per_second'] / bare_generate:.2f}; bare forward-backward of the last batch "
        f"{bare_update:.2f} s -> update/bare {rows[-1]['update_seconds'] / bare_update:.2f}"
    )
    return 0 if all(r["generated_tokens"] > 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
