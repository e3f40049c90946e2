"""The run config: one TOML file holds a whole training run (see ``docs/training.md`` for every key).

Sections: ``[run]``, ``[model]`` (with ``[model.tiny]``), ``[lora]`` (present: train a LoRA adapter),
``[env]``, ``[rollout]``, ``[objective]``, ``[sampler]``, ``[sft]`` (a warm start), ``[optim]``.
Unknown sections and keys are errors naming the accepted ones. ``[objective] name`` picks a preset
(grpo, dr_grpo, rloo, dapo) whose settings any key of the section overrides.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.agents.train.objectives import ADVANTAGES, AGGREGATIONS
from palaestra.agents.train.policy import LoraSettings, TinyPolicySpec
from palaestra.core import env_entry
from palaestra.core.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (the train extra installs it there)
    import tomli as tomllib

OBJECTIVES: dict[str, dict[str, Any]] = {
    "grpo": {"advantage": "std", "clip_low": 0.2, "clip_high": 0.2, "aggregation": "sequence"},
    "dr_grpo": {"advantage": "mean", "clip_low": 0.2, "clip_high": 0.2, "aggregation": "constant"},
    "rloo": {"advantage": "leave_one_out", "clip_low": 0.2, "clip_high": 0.2, "aggregation": "token"},
    "dapo": {
        "advantage": "std",
        "clip_low": 0.2,
        "clip_high": 0.28,
        "aggregation": "token",
        "filter_zero_variance": True,
    },
}
REWARDS = ("return", "score", "success")
SAMPLERS = ("uniform", "e2h", "dots")
LEVELS = ("episode", "step")


@dataclass(frozen=True)
class RunSettings:
    output_dir: str = "runs/train"
    seed: int = 0
    steps: int = 100
    checkpoint_every: int = 10
    device: str = "auto"
    live: bool = True  # the rich live view, when the output is a terminal


@dataclass(frozen=True)
class ModelSettings:
    path: str = ""  # a local model folder; empty: build a tiny policy (``tiny``) in the run folder
    tiny: TinyPolicySpec = TinyPolicySpec()


@dataclass(frozen=True)
class EnvSettings:
    ids: tuple[str, ...] = ("Snake-Text-v0",)
    kwargs: dict[str, Any] = field(default_factory=dict)
    split: str = "train"


@dataclass(frozen=True)
class RolloutSettings:
    groups: int = 4  # tasks per step
    group_size: int = 8  # episodes per task
    max_turns: int = 20
    max_new_tokens: int = 16
    max_context: int = 4096
    temperature: float = 1.0
    top_p: float = 1.0
    history_turns: int | None = None  # None: the whole episode is one sequence
    generation_batch: int = 64
    backend: str = "transformers"  # or "vllm" (GPU)
    reward: str = "score"  # the episode's final score, its return, or 1 for success
    invalid_penalty: float = 0.1  # taken from the reward per invalid reply (a stalled turn is not free)


@dataclass(frozen=True)
class ObjectiveSettings:
    name: str = "grpo"
    advantage: str = "std"
    clip_low: float = 0.2
    clip_high: float = 0.2
    aggregation: str = "sequence"
    kl_beta: float = 0.0
    filter_zero_variance: bool = False
    refill_rounds: int = 0  # with filtering: extra rollout rounds to replace dropped groups
    level: str = "episode"  # or "step": TreeRPO step-level advantages
    alp_beta: float = 0.0
    alp_length_scale: float = 0.0  # 0: the token budget, max_turns * max_new_tokens


@dataclass(frozen=True)
class SamplerSettings:
    kind: str = "uniform"
    presets: tuple[str, ...] = ()  # e2h: difficulty presets, easiest first
    e2h_sigma: float = 0.5
    pool_size: int = 64  # dots
    target: float = 0.5
    ema: float = 0.5
    prior: float = 0.5
    replay_fraction: float = 0.0
    replay_capacity: int = 16
    replay_max_age: int = 2


@dataclass(frozen=True)
class SFTSettings:
    """The warm start: supervised steps on expert play before RL (0 steps: none)."""

    steps: int = 0
    lr: float = 1e-3
    batch_size: int = 8
    episodes: int = 16  # expert episodes per env id, on train seeds 0, 1, ...
    max_turns: int = 20


@dataclass(frozen=True)
class OptimSettings:
    lr: float = 1e-4
    weight_decay: float = 0.0
    epochs: int = 1
    minibatches: int = 1
    microbatch_size: int = 8
    max_grad_norm: float = 1.0


@dataclass(frozen=True)
class TrainConfig:
    run: RunSettings = RunSettings()
    model: ModelSettings = ModelSettings()
    lora: LoraSettings | None = None
    env: EnvSettings = EnvSettings()
    rollout: RolloutSettings = RolloutSettings()
    objective: ObjectiveSettings = ObjectiveSettings()
    sampler: SamplerSettings = SamplerSettings()
    sft: SFTSettings = SFTSettings()
    optim: OptimSettings = OptimSettings()

    @property
    def token_budget(self) -> int:
        """Generated tokens an episode may hold at most (Dr.GRPO's constant, ALP's default scale)."""
        return self.rollout.max_turns * self.rollout.max_new_tokens

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, data: Any, where: str) -> Any:
    """An instance of dataclass ``cls`` from table ``data``; ``UsageError`` naming any unknown key."""
    if not isinstance(data, dict):
        raise UsageError(f"[{where}] must be a table, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise UsageError(f"[{where}] has no key(s) {', '.join(unknown)}; it takes: {', '.join(fields)}")
    values = {}
    for name, value in data.items():
        default = getattr(cls(), name) if name != "kwargs" else {}
        if name == "tiny":
            value = _build(TinyPolicySpec, value, f"{where}.tiny")
        elif isinstance(default, tuple):
            if not isinstance(value, list):
                raise UsageError(f"[{where}] {name} must be a list, got {value!r}")
            value = tuple(value)
        elif isinstance(default, float) and type(value) is int:
            value = float(value)
        elif default is None:
            if type(value) is not int:
                raise UsageError(f"[{where}] {name} must be an integer, got {value!r}")
        elif type(value) is not type(default):
            raise UsageError(f"[{where}] {name} must be {type(default).__name__}, got {value!r}")
        values[name] = value
    return cls(**values)


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """The config of a parsed TOML document, validated (``UsageError`` saying what to change)."""
    sections = {f.name: f for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise UsageError(
            f"the config has no section(s) {', '.join(unknown)}; it takes: {', '.join(sections)}"
        )
    objective = dict(data.get("objective", {}))
    name = objective.get("name", "grpo")
    if name not in OBJECTIVES:
        raise UsageError(f"[objective] name must be one of {', '.join(OBJECTIVES)}, got {name!r}")
    objective = {**OBJECTIVES[name], **objective}
    config = TrainConfig(
        run=_build(RunSettings, data.get("run", {}), "run"),
        model=_build(ModelSettings, data.get("model", {}), "model"),
        lora=_build(LoraSettings, data["lora"], "lora") if "lora" in data else None,
        env=_build(EnvSettings, data.get("env", {}), "env"),
        rollout=_build(RolloutSettings, data.get("rollout", {}), "rollout"),
        objective=_build(ObjectiveSettings, objective, "objective"),
        sampler=_build(SamplerSettings, data.get("sampler", {}), "sampler"),
        sft=_build(SFTSettings, data.get("sft", {}), "sft"),
        optim=_build(OptimSettings, data.get("optim", {}), "optim"),
    )
    _check(config)
    return config


def _check(config: TrainConfig) -> None:
    r, o, s, p = config.rollout, config.objective, config.sampler, config.optim
    choices = [
        ("objective", "advantage", o.advantage, ADVANTAGES),
        ("objective", "aggregation", o.aggregation, AGGREGATIONS),
        ("objective", "level", o.level, LEVELS),
        ("rollout", "reward", r.reward, REWARDS),
        ("rollout", "backend", r.backend, ("transformers", "vllm")),
        ("sampler", "kind", s.kind, SAMPLERS),
    ]
    for section, key, value, allowed in choices:
        if value not in allowed:
            raise UsageError(f"[{section}] {key} must be one of {', '.join(allowed)}, got {value!r}")
    positive = [
        ("run", "steps", config.run.steps),
        ("run", "checkpoint_every", config.run.checkpoint_every),
        ("rollout", "groups", r.groups),
        ("rollout", "group_size", r.group_size),
        ("rollout", "max_turns", r.max_turns),
        ("rollout", "max_new_tokens", r.max_new_tokens),
        ("rollout", "temperature", r.temperature),
        ("rollout", "generation_batch", r.generation_batch),
        ("optim", "lr", p.lr),
        ("optim", "epochs", p.epochs),
        ("optim", "minibatches", p.minibatches),
        ("optim", "microbatch_size", p.microbatch_size),
    ]
    for section, key, value in positive:
        if value <= 0:
            raise UsageError(f"[{section}] {key} must be positive, got {value}")
    if config.sft.steps < 0 or config.sft.lr <= 0 or config.sft.batch_size < 1 or config.sft.episodes < 1:
        raise UsageError("[sft] steps must be >= 0, lr positive, batch_size and episodes at least 1")
    if not config.env.ids:
        raise UsageError("[env] ids must name at least one registered env id")
    for env_id in config.env.ids:
        try:
            env_entry(env_id)
        except KeyError as error:
            raise UsageError(f"[env] ids: {error.args[0]}") from None
    if not 0 < r.top_p <= 1:
        raise UsageError(f"[rollout] top_p must be in (0, 1], got {r.top_p}")
    lines = config.model.tiny.observation_lines
    if lines < 0:
        raise UsageError(f"[model.tiny] observation_lines must be >= 0, got {lines}")
    if r.history_turns is not None and r.history_turns < 0:
        raise UsageError(f"[rollout] history_turns must be >= 0, got {r.history_turns}")
    if not 0 <= s.replay_fraction < 1:
        raise UsageError(f"[sampler] replay_fraction must be in [0, 1), got {s.replay_fraction}")
    if r.invalid_penalty < 0:
        raise UsageError(f"[rollout] invalid_penalty must be >= 0, got {r.invalid_penalty}")
    if o.clip_low < 0 or o.clip_high < 0 or o.kl_beta < 0 or o.alp_beta < 0:
        raise UsageError("[objective] clip_low, clip_high, kl_beta and alp_beta must be >= 0")


def load_config(path: str | Path) -> tuple[TrainConfig, str]:
    """The config in the TOML file ``path`` and the file's text (kept with every checkpoint)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read the config {str(path)!r}: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"the config {str(path)!r} is not valid TOML: {error}") from None
    return config_from_dict(data), text
