"""Palaestra envs as verifiers (v0.4, ``verifiers.v1``) environments, for its evaluation and prime-rl.

Three plugins that verifiers finds by the taskset id ``palaestra_verifiers`` (a top-level package
that re-exports them, since verifiers imports plugins by a bare module name):

    PalaestraTaskset     one task per episode seed: the instructions as the system prompt, the first
                         observation as the prompt (``--env.taskset.env-id Snake-Text-v0``)
    PalaestraEnv         a multi-turn episode: each reply of the model is a step, each observation the
                         next user turn, until the episode ends or ``max_turns``; the rubric is the
                         env's own reward: the ``env_return`` reward is the episode's return, with the
                         episode's ``score`` and ``success`` as metrics
    PalaestraChatHarness the model's side: one chat completion per turn, in this process (no program
                         to install, no tools), through verifiers' interception endpoint

From Python, ``load_environment("Snake-Text-v0", num_tasks=8)`` returns the ``PalaestraEnv``; from
the command line, verifiers' own ``vf-eval palaestra_verifiers --env.taskset.env-id Snake-Text-v0 ...``.
Needs ``pip install 'palaestra[verifiers]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palaestra.serving import require_extra

require_extra("verifiers", "palaestra's verifiers environment")

import gymnasium as gym  # noqa: E402
import verifiers.v1 as vf  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402
from pydantic import Field, model_validator  # noqa: E402

import palaestra  # noqa: E402, F401  (registers the env ids)
from palaestra.core import info as keys  # noqa: E402

PLUGIN_ID = "palaestra_verifiers"  # the module verifiers imports for the taskset, env and harness


class PalaestraTasksetConfig(vf.TasksetConfig):
    """Which episodes: ``env_id`` made with ``env_kwargs``, seeds ``first_seed`` onwards (or ``seeds``)."""

    env_id: str = "Snake-Text-v0"
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    num_tasks: int = Field(100, ge=1)
    first_seed: int = Field(0, ge=0)
    seeds: list[int] | None = None
    """Explicit episode seeds (instead of ``first_seed`` .. ``first_seed + num_tasks - 1``)."""
    task_ids: list[str] | None = None
    """Data-set envs: the instances to play, one per seed."""

    @model_validator(mode="after")
    def _known_env(self) -> PalaestraTasksetConfig:
        if self.env_id not in gym.registry:
            known = ", ".join(entry.id for entry in palaestra.registered_envs())
            raise ValueError(f"unknown env id {self.env_id!r}; palaestra's ids are: {known}")
        if self.task_ids is not None and len(self.task_ids) != len(self.episode_seeds()):
            raise ValueError("give one task id per seed")
        return self

    def episode_seeds(self) -> list[int]:
        return (
            list(self.seeds)
            if self.seeds is not None
            else list(range(self.first_seed, self.first_seed + self.num_tasks))
        )


class PalaestraData(vf.TaskData):
    """One episode: the env, its kwargs, the seed and (data-set envs) the task id."""

    env_id: str
    env_kwargs: dict[str, Any]
    seed: int
    task_id: str | None = None


class PalaestraTask(vf.Task[PalaestraData, vf.State, vf.TaskConfig]):
    pass


class PalaestraTaskset(vf.Taskset[PalaestraTask, PalaestraTasksetConfig]):
    """One task per seed; its prompt is what the episode opens with."""

    def load(self):
        config = self.config
        tasks = config.task_ids or [None] * len(config.episode_seeds())
        env = gym.make(config.env_id, **config.env_kwargs)
        try:
            for seed, task_id in zip(config.episode_seeds(), tasks):
                observation, info = env.reset(seed=seed, options={"task_id": task_id} if task_id else None)
                yield PalaestraTask(
                    PalaestraData(
                        name=f"{config.env_id}#{seed}",
                        prompt=_text(observation),
                        system_prompt=info[keys.INSTRUCTIONS],
                        env_id=config.env_id,
                        env_kwargs=config.env_kwargs,
                        seed=seed,
                        task_id=info.get(keys.TASK_ID),
                    ),
                    config.task,
                )
        finally:
            env.close()


class PalaestraChatHarnessConfig(vf.HarnessConfig):
    pass


class PalaestraChatHarness(vf.Harness[PalaestraChatHarnessConfig]):
    """One chat completion per turn, sent from this process to the rollout's interception endpoint
    (which records it on the trace); the model answers in text, with no tools."""

    APPENDS_SYSTEM_PROMPT = True
    SUPPORTS_RESUME = True  # a later turn relaunches on the whole conversation
    EXECUTES_CODE = False
    NEEDS_CONTAINER = False

    async def launch(self, ctx, trace, runtime, endpoint, secret, mcp_urls, data, **_: Any):
        system, prompt = self.resolve_prompt(data)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        if isinstance(prompt, str):
            messages.append({"role": "user", "content": prompt})
        else:
            messages += [message.model_dump(exclude_none=True) for message in prompt or []]
        async with AsyncOpenAI(base_url=endpoint, api_key=secret, max_retries=0) as client:
            await client.chat.completions.create(model=ctx.model, messages=messages)
        return vf.ProgramResult(exit_code=0, stdout="", stderr="")


class PalaestraEnvConfig(vf.EnvConfig):
    # The harness runs in this process and sends one request per turn: a local runtime, no sandbox.
    player: vf.AgentConfig = vf.AgentConfig(runtime=vf.SubprocessConfig())
    max_turns: int = Field(100, ge=1)
    """Turns after which an episode that has not ended is stopped (its return so far counts)."""


class PalaestraEnv(vf.Env[PalaestraEnvConfig]):
    """A palaestra episode played by the ``player`` seat: the model's replies are the actions."""

    async def run(self, task, agents) -> None:
        data = task.data
        env = gym.make(data.env_id, **data.env_kwargs)
        episode_return, turns, info = 0.0, 0, {}
        try:
            env.reset(seed=data.seed, options={"task_id": data.task_id} if data.task_id else None)
            async with agents.player.interaction(task) as interaction:
                segment = await interaction.turn()
                while not segment.terminated:
                    observation, reward, terminated, truncated, info = env.step(segment.last_reply or "")
                    episode_return += float(reward)
                    turns += 1
                    if terminated or truncated:
                        break
                    if turns >= self.config.max_turns:
                        interaction.trace.stop("max_turns")
                        break
                    segment = await interaction.turn(_text(observation))
        finally:
            env.close()
        trace = interaction.trace
        trace.record_reward("env_return", episode_return)
        trace.record_metrics(
            {
                "score": float(info.get(keys.SCORE, 0.0)),
                "success": float(bool(info.get(keys.SUCCESS, False))),
                "turns": float(turns),
            }
        )


def _text(observation: Any) -> str:
    return observation["text"] if isinstance(observation, dict) else observation


def load_environment(
    env_id: str,
    *,
    num_tasks: int = 100,
    first_seed: int = 0,
    seeds: Sequence[int] | None = None,
    task_ids: Sequence[str] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    max_turns: int = 100,
) -> PalaestraEnv:
    """The verifiers environment over ``env_id``: one task per seed, the env's reward as the rubric."""
    taskset = {
        "id": PLUGIN_ID,
        "env_id": env_id,
        "env_kwargs": dict(env_kwargs or {}),
        "num_tasks": num_tasks,
        "first_seed": first_seed,
        "seeds": list(seeds) if seeds is not None else None,
        "task_ids": list(task_ids) if task_ids is not None else None,
    }
    return PalaestraEnv(PalaestraEnvConfig(taskset=taskset, max_turns=max_turns))
