"""The episode runner: plays episodes concurrently on asyncio and hands each record to the store.

``play_episode`` plays one episode: env construction, ``reset`` and every ``step`` run in a thread
pool (a slow env never blocks the event loop), the agent's ``aact`` runs on the loop. Each agent
reply and each env call has a per-step timeout, and the whole episode an episode timeout. A reply
that raises, times out or is not text is retried with exponential backoff (the agent is asked again
with the same observation, so an agent's ``aact`` should change its history only when it succeeds);
when the retries are spent, or the env fails, the episode ends and its record carries the error.
An ``AgentError`` is not retried here: LLM backends raise it only after their own retries.
Nothing an agent does stops the run.

``run_episodes`` keeps ``concurrency`` episodes in flight and writes each record as it finishes,
through one writer thread (the store's fsync never stalls the loop). Cancelling it (Ctrl-C under
``asyncio.run``) stops at once; every record written before stays on disk.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym

from palaestra.agents.base import AgentError
from palaestra.agents.registry import AgentFactory
from palaestra.core import info as keys
from palaestra.core.records import EpisodeRecord, StepRecord
from palaestra.evaluation.suites import EpisodeTask


@dataclass(frozen=True)
class RunSettings:
    """How episodes are run. Times are in seconds; ``None`` means no limit."""

    concurrency: int = 8
    step_timeout: float | None = 300.0
    episode_timeout: float | None = 3600.0
    max_retries: int = 3
    retry_backoff: float = 1.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be at least 0, got {self.max_retries}")
        if self.retry_backoff < 0:
            raise ValueError(f"retry_backoff must be at least 0, got {self.retry_backoff}")
        for name in ("step_timeout", "episode_timeout"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AgentFailure(RuntimeError):
    """The agent kept failing on one observation after every retry."""


class EnvTimeout(RuntimeError):
    """An env call (make, reset or step) took longer than the step limit."""


def observation_text(observation: Any) -> str:
    """The text of an observation (the text part of a ``-Vision-`` dict; records never hold images)."""
    if isinstance(observation, dict):
        return str(observation.get("text", ""))
    return str(observation)


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):  # TimeoutError itself from Python 3.11
        return "TimeoutError: no answer within the time limit"
    return f"{type(error).__name__}: {error}"


async def _reply(agent: Any, observation: Any, settings: RunSettings) -> str:
    """The agent's reply to ``observation``, retried with backoff; ``AgentFailure`` when out of tries."""
    attempts = settings.max_retries + 1
    last: BaseException | None = None
    for attempt in range(attempts):
        try:
            reply = await asyncio.wait_for(agent.aact(observation), settings.step_timeout)
            if not isinstance(reply, str):
                raise TypeError(f"the agent replied with {type(reply).__name__}, not text")
            return reply
        except (
            AgentError
        ) as error:  # the backend has retried already: retrying again only multiplies the wait
            raise AgentFailure(f"the agent failed on step: {_describe(error)}") from error
        except Exception as error:  # any other agent fault is retried, then recorded
            last = error
        if attempt + 1 < attempts:
            await asyncio.sleep(settings.retry_backoff * 2**attempt)
    raise AgentFailure(f"the agent failed {attempts} times on step; last error: {_describe(last)}")


async def _in_thread(
    executor: Executor, settings: RunSettings, function: Callable[..., Any], *args: Any
) -> Any:
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(executor, function, *args), settings.step_timeout)
    except asyncio.TimeoutError:
        raise EnvTimeout(
            f"an env call took longer than the step limit of {settings.step_timeout} s"
        ) from None


def _open_episode(task: EpisodeTask, factory: AgentFactory) -> tuple[gym.Env, Any, Any, dict[str, Any]]:
    env = gym.make(task.env_id, **task.kwargs)
    try:
        observation, info = env.reset(seed=task.seed)
        agent = factory(env, seed=task.seed)
    except BaseException:
        env.close()
        raise
    return env, agent, observation, info


async def play_episode(
    task: EpisodeTask,
    factory: AgentFactory,
    settings: RunSettings,
    executor: Executor,
    *,
    suite_id: str,
    suite_version: str,
) -> EpisodeRecord:
    """Play one episode and return its record; failures are recorded in ``error``, never raised."""
    started = time.monotonic()
    trajectory: list[StepRecord] = []
    state: dict[str, Any] = {"return": 0.0, "invalid": 0, "info": {}, "agent": None}

    async def play() -> None:
        env, agent, observation, info = await _in_thread(executor, settings, _open_episode, task, factory)
        state["agent"] = agent
        try:
            agent.reset(info[keys.INSTRUCTIONS])
            while True:
                reply = await _reply(agent, observation, settings)
                seen = observation_text(observation)
                observation, reward, terminated, truncated, info = await _in_thread(
                    executor, settings, env.step, reply
                )
                valid = bool(info.get(keys.ACTION_VALID, True))
                trajectory.append(StepRecord(seen, reply, float(reward), valid))
                state["return"] += float(reward)
                state["invalid"] += not valid
                state["info"] = info
                if terminated or truncated:
                    return
        finally:
            env.close()

    error: str | None = None
    try:
        await asyncio.wait_for(play(), settings.episode_timeout)
    except (
        asyncio.TimeoutError
    ):  # step timeouts arrive as AgentFailure or EnvTimeout, so this is the episode's
        error = f"TimeoutError: the episode ran past its limit of {settings.episode_timeout} s"
    except Exception as failure:  # env or agent failure: recorded, the run goes on
        error = _describe(failure)
    info = state["info"]
    usage = getattr(state["agent"], "usage", None) or {}
    score = float(info.get(keys.SCORE, 0.0)) if error is None else 0.0
    return EpisodeRecord(
        suite=suite_id,
        suite_version=suite_version,
        env_id=task.env_id,
        seed=task.seed,
        episode=task.episode,
        success=bool(info.get(keys.SUCCESS, False)) and error is None,
        score=min(1.0, max(0.0, score)),
        return_=state["return"],
        steps=len(trajectory),
        invalid_actions=state["invalid"],
        tokens={str(k): int(v) for k, v in usage.items()},
        seconds=round(time.monotonic() - started, 6),
        error=error,
        trajectory=trajectory,
    )


async def run_episodes(
    tasks: list[EpisodeTask],
    play: Callable[[EpisodeTask], Awaitable[EpisodeRecord]],
    write: Callable[[EpisodeRecord], None],
    concurrency: int,
) -> None:
    """Play ``tasks`` with ``concurrency`` in flight; ``write`` each record (in one writer thread)."""
    queue = list(reversed(tasks))
    loop = asyncio.get_running_loop()
    writes: list[asyncio.Future] = []
    # Leaving this block waits for every queued write, also when the run is cancelled.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="palaestra-writer") as writer:

        async def worker() -> None:
            while queue:
                record = await play(queue.pop())
                # Queue the write and move on: episodes that end together must not wait on each other's fsync.
                writes.append(loop.run_in_executor(writer, write, record))

        workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(tasks)))]
        try:
            await asyncio.gather(*workers)
            await asyncio.gather(*writes)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


async def run_local(
    tasks: list[EpisodeTask],
    factory: AgentFactory,
    settings: RunSettings,
    write: Callable[[EpisodeRecord], None],
    *,
    suite_id: str,
    suite_version: str,
) -> None:
    """Run ``tasks`` in this process: the asyncio backend."""
    # Env steps are mostly CPU work under the GIL: more threads than cores (plus a few for envs that
    # wait on a subprocess) only add hand-off latency when many episodes step at once.
    threads = min(settings.concurrency, (os.cpu_count() or 1) + 4)
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="palaestra-env")
    try:

        async def play(task: EpisodeTask) -> EpisodeRecord:
            return await play_episode(
                task, factory, settings, executor, suite_id=suite_id, suite_version=suite_version
            )

        await run_episodes(tasks, play, write, settings.concurrency)
    finally:
        # Do not wait for an env call stuck past its timeout; its thread ends with the process.
        executor.shutdown(wait=False, cancel_futures=True)
