"""``Trainer``: one GRPO-family step after another, with checkpoints that resume exactly.

A step: draw tasks (the sampler), play ``group_size`` episodes of each (``rollout.play_groups``), score
every group (the reward, ALP's length penalty, DAPO's zero-variance filter with optional refills), turn
rewards into per-token advantages (episode-level, or TreeRPO's step level), mix in replayed groups
(DOTS's rollout replay), then ``epochs`` passes of ``minibatches`` optimizer steps on the clipped loss.
Metrics go to ``metrics.jsonl`` (and the live view); ``metrics.png`` is redrawn at each checkpoint.

The run folder holds ``base_model/`` (a tiny policy built there when no model path is given),
``sft_model/`` (after the ``[sft]`` warm start on expert play, which RL then starts from),
``config.toml``, ``metrics.jsonl``, ``metrics.png`` and ``checkpoints/step_NNNNNN/``: ``policy/`` (the
model, or the LoRA adapter, with the tokenizer) and ``trainer_state.pt`` (optimizer, random states,
sampler and replay state, step, the config). Resuming loads all of it, so the next step's rollouts and
loss are those the uninterrupted run would have had.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from palaestra.agents.train.config import TrainConfig
from palaestra.agents.train.metrics import LiveView, MetricsLog, plot_metrics
from palaestra.agents.train.objectives import (
    alp_rewards,
    group_advantages,
    has_variance,
    policy_loss,
    step_advantages,
)
from palaestra.agents.train.policy import build_tiny_policy, load_policy, pad_batch, token_logprobs
from palaestra.agents.train.rollout import EnvPool, Episode, RolloutTiming, TransformersGenerator, play_groups
from palaestra.agents.train.samplers import (
    DOTSSampler,
    E2HSampler,
    ReplayBuffer,
    Task,
    UniformSampler,
    replay_split,
)
from palaestra.agents.train.sft import expert_samples, finetune
from palaestra.core import env_entry
from palaestra.core.errors import UsageError

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.pt"


@dataclass
class TrainSample:
    """A sequence ready for the loss; per-token tensors are aligned with ``input_ids[1:]``."""

    input_ids: list[int]
    mask: torch.Tensor
    advantages: torch.Tensor
    behavior_logprobs: torch.Tensor | None = None  # the log-probs of the policy that generated it


@dataclass
class ScoredGroup:
    """A group's samples and the step that played it (replayed groups keep their old step)."""

    task: Task
    samples: list[TrainSample]
    step: int


def make_sampler(config: TrainConfig) -> UniformSampler:
    s, env = config.sampler, config.env
    if s.kind == "e2h":
        return E2HSampler(list(env.ids), env.kwargs, list(s.presets), s.e2h_sigma, config.run.steps)
    if s.kind == "dots":
        return DOTSSampler(list(env.ids), env.kwargs, s.pool_size, s.target, s.ema, s.prior)
    return UniformSampler(list(env.ids), env.kwargs)


def check_envs(config: TrainConfig) -> None:
    """Make and reset every env the run plays once, so a bad id or setting fails before any work."""
    variants = (
        [{"difficulty": preset} for preset in config.sampler.presets]
        if config.sampler.kind == "e2h"
        else [{}]
    )
    for env_id in config.env.ids:
        for variant in variants:
            kwargs = {**config.env.kwargs, **variant}
            try:
                env = gym.make(env_id, split=config.env.split, **kwargs)
                try:
                    env.reset(seed=0)
                finally:
                    env.close()
            except (TypeError, ValueError, gym.error.Error) as error:
                given = ", ".join(f"{key}={value!r}" for key, value in kwargs.items()) or "no arguments"
                raise UsageError(f"[env] {env_id} cannot be played with {given}: {error}") from None
            if isinstance(env.observation_space, gym.spaces.Dict):
                raise UsageError(f"[env] {env_id} observes images; the trainer's policies read text only")


def warm_start(folder: Path, tuned: Path, config: TrainConfig, device: str) -> None:
    """Fine-tune the model in ``folder`` on expert play of the run's envs; save it (and the losses) to
    ``tuned``. The prompts and masks are the rollouts' own (same history setting)."""
    sft = config.sft
    missing = [env_id for env_id in config.env.ids if not env_entry(env_id).expert]
    if missing:
        raise UsageError(f"[sft] needs an expert to imitate; {', '.join(missing)} has none")
    model, tokenizer = load_policy(folder, device, None)
    samples = []
    for env_id in config.env.ids:
        samples += expert_samples(
            env_id,
            tokenizer,
            range(sft.episodes),
            env_kwargs=config.env.kwargs,
            max_turns=sft.max_turns,
            history_turns=config.rollout.history_turns,
        )
    generator = torch.Generator().manual_seed(config.run.seed)
    losses = finetune(
        model, tokenizer, samples, steps=sft.steps, lr=sft.lr, batch_size=sft.batch_size, generator=generator
    )
    model.save_pretrained(tuned)
    tokenizer.save_pretrained(tuned)
    (tuned / "sft_losses.json").write_text(json.dumps(losses), encoding="utf-8")


def checkpoints(output_dir: str | Path) -> list[Path]:
    """The checkpoint folders of a run, oldest first."""
    folder = Path(output_dir) / CHECKPOINTS
    return sorted(p for p in folder.glob("step_*") if (p / STATE_FILE).is_file()) if folder.is_dir() else []


class Trainer:
    """Trains the policy of ``config``; from ``checkpoint`` (a folder of ``checkpoints``) when given."""

    def __init__(self, config: TrainConfig, config_text: str = "", checkpoint: str | Path | None = None):
        self.config = config
        self.config_text = config_text
        self.output_dir = Path(config.run.output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        run = config.run
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if run.device == "auto" else run.device
        torch.manual_seed(run.seed)
        self.rng = np.random.default_rng(run.seed)
        self.step = 0
        check_envs(config)
        self.base_folder = self._starting_policy()
        saved = Path(checkpoint) / "policy" if checkpoint is not None else None
        if config.lora is None:
            self.model, self.tokenizer = load_policy(saved or self.base_folder, self.device, None)
        else:
            self.model, self.tokenizer = load_policy(
                self.base_folder, self.device, config.lora, adapter=saved
            )
        positions = getattr(self.model.config, "max_position_embeddings", None)
        if positions is not None and config.rollout.max_context > positions:
            raise UsageError(
                f"rollout.max_context ({config.rollout.max_context}) is over the model's {positions} "
                "positions"
            )
        self.model.train()
        self.reference = None
        if config.objective.kl_beta and config.lora is None:
            self.reference, _ = load_policy(self.base_folder, self.device, None)
            self.reference.eval().requires_grad_(False)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            trainable, lr=config.optim.lr, weight_decay=config.optim.weight_decay
        )
        # One pass, one optimizer step, no replay: the policy that sampled is the one being updated, so
        # its log-probs come from the update's own forward pass (the ratio is 1) instead of an extra pass.
        self._on_policy = config.optim.epochs == 1 and config.optim.minibatches == 1
        self.last_batch: list[TrainSample] = []  # what the last step trained on
        self.sampler = make_sampler(config)
        self.replay = ReplayBuffer(config.sampler.replay_capacity, config.sampler.replay_max_age)
        self.pool = EnvPool(config.env.split)
        self.generator = self._generator()
        self.log = MetricsLog(self.output_dir / "metrics.jsonl")
        if checkpoint is not None:
            self._load_state(Path(checkpoint) / STATE_FILE)
        self.log.truncate_after(self.step)
        if config_text:
            (self.output_dir / "config.toml").write_text(config_text, encoding="utf-8")

    # -- setup --------------------------------------------------------------------------------------
    def _starting_policy(self) -> Path:
        """The folder RL starts from (and the KL reference): the model, built first when none is given,
        then fine-tuned on expert play when ``[sft]`` asks (both kept in the run folder, made once)."""
        config = self.config
        folder = Path(config.model.path) if config.model.path else self.output_dir / "base_model"
        if not config.model.path and not (folder / "config.json").is_file():
            build_tiny_policy(
                folder,
                list(config.env.ids),
                env_kwargs=config.env.kwargs,
                spec=config.model.tiny,
                seed=config.run.seed,
            )
        if not config.sft.steps:
            return folder
        tuned = self.output_dir / "sft_model"
        if not (tuned / "config.json").is_file():
            warm_start(folder, tuned, config, self.device)
        return tuned

    def _generator(self) -> Any:
        r = self.config.rollout
        if r.backend == "vllm":
            if self.config.lora is not None:
                raise UsageError("rollout.backend = 'vllm' cannot sync LoRA adapters; train without [lora]")
            from palaestra.agents.train.vllm_rollout import VLLMGenerator

            generator = VLLMGenerator(
                self.base_folder,
                self.tokenizer.eos_token_id,
                max_new_tokens=r.max_new_tokens,
                temperature=r.temperature,
                top_p=r.top_p,
                seed=self.config.run.seed,
                max_context=r.max_context,
            )
            generator.sync_weights(self.model)
            return generator
        return TransformersGenerator(
            self.model,
            self.tokenizer,
            max_new_tokens=r.max_new_tokens,
            temperature=r.temperature,
            top_p=r.top_p,
            batch_size=r.generation_batch,
        )

    # -- one step -----------------------------------------------------------------------------------
    def train_step(self) -> dict[str, Any]:
        """Play, score, update; return (and log) the step's metrics."""
        c = self.config
        step = self.step + 1
        started = time.perf_counter()
        fresh_wanted, replay_wanted = replay_split(c.rollout.groups, c.sampler.replay_fraction)
        replayed = self.replay.draw(self.rng, step, replay_wanted)
        fresh_wanted = c.rollout.groups - len(replayed)
        timing = RolloutTiming()
        episodes: list[Episode] = []
        kept: list[ScoredGroup] = []
        filtered = 0
        rounds = 1 + (c.objective.refill_rounds if c.objective.filter_zero_variance else 0)
        for _ in range(rounds):
            missing = fresh_wanted - len(kept)
            if missing <= 0:
                break
            tasks = self.sampler.sample(self.rng, step, missing)
            groups, played = play_groups(
                tasks,
                c.rollout.group_size,
                self.generator,
                self.tokenizer,
                self.pool,
                max_turns=c.rollout.max_turns,
                max_context=c.rollout.max_context,
                max_new_tokens=c.rollout.max_new_tokens,
                history_turns=c.rollout.history_turns,
            )
            timing.add(played)
            for task, group in zip(tasks, groups):
                episodes += group
                scored = self._score(task, group, step)
                if scored is None:
                    filtered += 1
                else:
                    kept.append(scored)
        replaying = c.sampler.replay_fraction > 0
        if replaying or not self._on_policy:
            self._attach_behavior_logprobs(kept)
        if replaying:
            for group in kept:
                self.replay.add(step, group)
        batch = [sample for group in kept + replayed for sample in group.samples]
        self.last_batch = batch
        update_started = time.perf_counter()
        losses = self._update(batch) if batch else {"loss": float("nan"), "kl": 0.0, "clip_fraction": 0.0}
        update_seconds = time.perf_counter() - update_started
        if hasattr(self.generator, "sync_weights") and batch:
            self.generator.sync_weights(self.model)
        self.step = step
        row = self._metrics(step, episodes, timing, losses, update_seconds, time.perf_counter() - started)
        row.update(filtered_groups=filtered, replayed_groups=len(replayed), trained_sequences=len(batch))
        self.log.append(row)
        return row

    def _reward(self, episode: Episode) -> float:
        """The reward ``rollout.reward`` names, less ``rollout.invalid_penalty`` per invalid reply."""
        kind = self.config.rollout.reward
        if kind == "score":
            base = episode.score
        elif kind == "success":
            base = float(episode.success)
        else:
            base = episode.total_return
        return base - self.config.rollout.invalid_penalty * episode.invalid

    def _score(self, task: Task, episodes: list[Episode], step: int) -> ScoredGroup | None:
        """The group's samples with their advantages, or None when filtered out for zero variance."""
        o = self.config.objective
        rewards = np.array([self._reward(e) for e in episodes])
        solved = [e.success for e in episodes]
        self.sampler.observe(task, float(np.mean(solved)))
        if o.alp_beta:
            scale = o.alp_length_scale or self.config.token_budget
            lengths = [e.completion_tokens for e in episodes]
            rewards = alp_rewards(rewards, solved, lengths, beta=o.alp_beta, length_scale=scale)
        if o.filter_zero_variance and not has_variance(rewards):
            return None
        if o.level == "step":
            per_turn = step_advantages([e.states for e in episodes], rewards, o.advantage)
        else:
            per_turn = [np.full(e.turns, a) for e, a in zip(episodes, group_advantages(rewards, o.advantage))]
        samples = []
        for episode, advantages in zip(episodes, per_turn):
            for sample in episode.samples:
                turns = np.asarray(sample.turn_of_token[1:])
                token_advantages = np.where(turns >= 0, advantages[np.maximum(turns, 0)], 0.0)
                samples.append(
                    TrainSample(
                        sample.input_ids,
                        torch.tensor(sample.loss_mask[1:], dtype=torch.float32),
                        torch.tensor(token_advantages, dtype=torch.float32),
                    )
                )
        return ScoredGroup(task, samples, step)

    def _microbatches(self, samples: list[TrainSample]) -> list[list[TrainSample]]:
        size = self.config.optim.microbatch_size
        return [samples[i : i + size] for i in range(0, len(samples), size)]

    def _logprobs(self, model: Any, samples: list[TrainSample]) -> torch.Tensor:
        ids, attention = pad_batch([s.input_ids for s in samples], self.tokenizer.pad_token_id, self.device)
        return token_logprobs(model, ids, attention, self.config.rollout.temperature)

    @torch.no_grad()
    def _attach_behavior_logprobs(self, groups: list[ScoredGroup]) -> None:
        """The sampling policy's log-probs of the fresh samples (the ratio's denominator, also on replay)."""
        samples = [s for g in groups for s in g.samples]
        self.model.eval()
        for micro in self._microbatches(samples):
            logprobs = self._logprobs(self.model, micro).cpu()
            for sample, row in zip(micro, logprobs):
                sample.behavior_logprobs = row[: len(sample.input_ids) - 1].clone()
        self.model.train()

    @torch.no_grad()
    def _reference_logprobs(self, micro: list[TrainSample]) -> torch.Tensor | None:
        if not self.config.objective.kl_beta:
            return None
        if self.reference is not None:
            return self._logprobs(self.reference, micro)
        with self.model.disable_adapter():  # LoRA: the base model is the reference
            return self._logprobs(self.model, micro)

    def _update(self, batch: list[TrainSample]) -> dict[str, float]:
        c, o = self.config, self.config.objective
        losses, kl_sum, clip_sum, token_sum = [], 0.0, 0.0, 0
        for _ in range(c.optim.epochs):
            order = torch.randperm(len(batch)).tolist()
            for part in np.array_split(np.array(order), c.optim.minibatches):
                minibatch = [batch[i] for i in part]
                if not minibatch:
                    continue
                self.optimizer.zero_grad(set_to_none=True)
                total_tokens = int(sum(s.mask.sum().item() for s in minibatch))
                loss_value = 0.0
                for micro in self._microbatches(minibatch):
                    ref = self._reference_logprobs(micro)
                    logprobs = self._logprobs(self.model, micro)
                    width = logprobs.shape[1]
                    old = [s.behavior_logprobs for s in micro]
                    parts = policy_loss(
                        logprobs,
                        logprobs.detach() if old[0] is None else _stack(old, width, self.device),
                        _stack([s.advantages for s in micro], width, self.device),
                        _stack([s.mask for s in micro], width, self.device),
                        clip_low=o.clip_low,
                        clip_high=o.clip_high,
                        aggregation=o.aggregation,
                        ref_logprobs=ref,
                        kl_beta=o.kl_beta,
                        total_tokens=total_tokens,
                        total_sequences=len(minibatch),
                        constant_length=float(c.token_budget),
                    )
                    parts.loss.backward()
                    loss_value += float(parts.loss.item())
                    kl_sum += parts.kl * parts.tokens
                    clip_sum += parts.clip_fraction * parts.tokens
                    token_sum += parts.tokens
                trainable = [p for p in self.model.parameters() if p.requires_grad]
                torch.nn.utils.clip_grad_norm_(trainable, c.optim.max_grad_norm)
                self.optimizer.step()
                losses.append(loss_value)
        return {
            "loss": float(np.mean(losses)),
            "kl": kl_sum / max(token_sum, 1),
            "clip_fraction": clip_sum / max(token_sum, 1),
        }

    def _metrics(
        self,
        step: int,
        episodes: list[Episode],
        timing: RolloutTiming,
        losses: dict[str, float],
        update_seconds: float,
        seconds: float,
    ) -> dict[str, Any]:
        turns = sum(e.turns for e in episodes)
        rollout_seconds = timing.seconds
        row: dict[str, Any] = {
            "step": step,
            "episodes": len(episodes),
            "reward": float(np.mean([self._reward(e) for e in episodes])),
            "success": float(np.mean([e.success for e in episodes])),
            "score": float(np.mean([e.score for e in episodes])),
            "invalid_rate": sum(e.invalid for e in episodes) / max(turns, 1),
            "turns": turns / len(episodes),
            "completion_tokens": float(np.mean([e.completion_tokens for e in episodes])),
            "generated_tokens": timing.generated_tokens,
            "tokens_per_second": timing.generated_tokens / rollout_seconds if rollout_seconds else 0.0,
            "generation_seconds": timing.generation_seconds,
            "env_seconds": timing.env_seconds,
            "prompt_seconds": timing.prompt_seconds,
            "update_seconds": update_seconds,
            "step_seconds": seconds,
            **losses,
        }
        weights = self.sampler.weights(step)
        if weights:
            row["preset_weights"] = weights
        return row

    # -- the run ------------------------------------------------------------------------------------
    def train(self) -> list[dict[str, Any]]:
        """Steps until ``run.steps``, checkpointing every ``run.checkpoint_every`` and at the end."""
        run = self.config.run
        rows = []
        try:
            with LiveView(str(self.output_dir), run.steps, run.live) as view:
                while self.step < run.steps:
                    row = self.train_step()
                    rows.append(row)
                    view.update(row)
                    if self.step % run.checkpoint_every == 0 or self.step == run.steps:
                        self.save_checkpoint()
        finally:
            self.pool.close()
        return rows

    def save_checkpoint(self) -> Path:
        """Write ``checkpoints/step_NNNNNN`` and redraw the plot; return the folder."""
        folder = self.output_dir / CHECKPOINTS / f"step_{self.step:06d}"
        self.model.save_pretrained(folder / "policy")
        self.tokenizer.save_pretrained(folder / "policy")
        state = {
            "step": self.step,
            "optimizer": self.optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy_rng": self.rng.bit_generator.state,
            "sampler": self.sampler.state_dict(),
            "replay": self.replay.state_dict(),
            "config": self.config.to_dict(),
            "config_text": self.config_text,
        }
        torch.save(state, folder / STATE_FILE)
        (folder / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2), encoding="utf-8")
        rows = self.log.rows()
        if rows:
            plot_metrics(rows, self.output_dir / "metrics.png")
        return folder

    def _load_state(self, path: Path) -> None:
        state = torch.load(path, weights_only=False)
        if state["config"] != self.config.to_dict():
            raise UsageError(f"the checkpoint {str(path.parent)!r} was written by a different config")
        self.step = state["step"]
        self.optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.rng.bit_generator.state = state["numpy_rng"]
        self.sampler.load_state_dict(state["sampler"])
        self.replay.load_state_dict(state["replay"])


def _stack(rows: list[torch.Tensor], width: int, device: Any) -> torch.Tensor:
    """Per-token rows right-padded with zeros to ``width``."""
    out = torch.zeros(len(rows), width)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out.to(device)
