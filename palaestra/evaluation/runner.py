"""The episode runner: plays episodes concurrently on asyncio and hands each record to the store.

``play_episode`` plays one episode: env construction, ``reset`` and every ``step`` run in a thread
pool (a slow env never blocks the event loop), the agent's ``aact`` runs on the loop. Each agent
reply and each env call has a per-step timeout, and the whole episode an episode timeout. A reply
that raises, times out or is not text is retried with exponential backoff (the agent is asked again
with the same observation, so an agent's ``aact`` should change its history only when it succeeds);
when the retries are spent the episode ends and its record carries the error. An ``AgentError`` is
not retried here: LLM backends raise it only after their own retries.

A failure of the env itself (it could not start, its world failed and truncated the episode with
``truncation_reason="env_error"``, or a call hung past the step limit) is not the agent's fault: the
episode is played again from the start, up to ``max_retries`` times, then recorded with the error so
a resume retries it. A hung call is not left running unseen: the env is closed from another thread,
which ends the work it handed to a process, and the error says if the call still has not returned.
Nothing an agent or an env does stops the run. Envs are closed off the event loop.

``run_episodes`` keeps ``concurrency`` episodes in flight and writes each record as it finishes,
through one writer thread (the store's fsync never stalls the loop). Cancelling it (Ctrl-C under
``asyncio.run``) stops at once; every record written before stays on disk.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import gymnasium as gym

from palaestra.agents.base import AgentError
from palaestra.agents.registry import AgentFactory
from palaestra.core import info as keys
from palaestra.core.errors import UsageError
from palaestra.core.multiagent import MultiAgentTextEnv
from palaestra.core.records import EpisodeRecord, StepRecord
from palaestra.evaluation.suites import EpisodeTask

CLOSE_GRACE = 10.0  # seconds a hung env call gets to return once its env is closed
Counterparts = Mapping[str, AgentFactory] | None  # role -> the factory of the agent playing it


def seat_counterparts(env: gym.Env, counterparts: Mapping[str, Any]) -> None:
    """Seat agents in the other roles of a multi-agent env (``MultiAgentTextEnv.seat``)."""
    base = env.unwrapped
    if not isinstance(base, MultiAgentTextEnv):
        raise UsageError(
            f"{env.spec.id if env.spec else type(base).__name__} has one role: it takes no counterparts"
        )
    try:
        base.seat(counterparts)
    except ValueError as error:
        raise UsageError(str(error)) from None


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


class EnvFailure(RuntimeError):
    """The env failed (not the agent): it could not start, its world failed, or a call hung."""


def observation_text(observation: Any) -> str:
    """The text of an observation (the text part of a ``-Vision-`` dict; records never hold images)."""
    if isinstance(observation, dict):
        return str(observation.get("text", ""))
    return str(observation)


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):  # TimeoutError itself from Python 3.11
        return "TimeoutError: no answer within the time limit"
    return f"{type(error).__name__}: {error}"


def failed_record(task: EpisodeTask, suite_id: str, suite_version: str, error: str) -> EpisodeRecord:
    """The record of an episode whose worker was lost before it reported (its ``error`` says why)."""
    return EpisodeRecord(
        suite=suite_id,
        suite_version=suite_version,
        env_id=task.env_id,
        seed=task.seed,
        episode=task.episode,
        success=False,
        score=0.0,
        return_=0.0,
        steps=0,
        invalid_actions=0,
        tokens={},
        seconds=0.0,
        error=error,
        task_id=task.task_id,
    )


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


@dataclass
class _Episode:
    """What one attempt at an episode has gathered so far."""

    trajectory: list[StepRecord] = field(default_factory=list)
    total: float = 0.0
    invalid: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    agent: Any = None


class _EnvCalls:
    """Runs one env's calls in the executor, each bounded by the step limit. A call past the limit
    closes the env from another thread (ending the work it handed to a process) and raises
    ``EnvFailure``, saying whether the call has returned since."""

    def __init__(self, executor: Executor, settings: RunSettings):
        self.executor, self.settings = executor, settings
        self.env: gym.Env | None = None
        self.closed = False

    async def __call__(self, function: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, function, *args)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.settings.step_timeout)
        except asyncio.TimeoutError:
            pass
        limit = f"an env call took longer than the step limit of {self.settings.step_timeout} s"
        await self.close()
        try:
            await asyncio.wait_for(asyncio.shield(future), CLOSE_GRACE)
        except asyncio.TimeoutError:
            raise EnvFailure(f"{limit}, and still ran {CLOSE_GRACE:g} s after its env was closed") from None
        except Exception:  # noqa: BLE001 - the call failing once its env is closed is the expected end
            pass
        raise EnvFailure(f"{limit}; its env was closed") from None

    async def close(self) -> None:
        self.closed = True
        env, self.env = self.env, None
        if env is not None:
            await asyncio.to_thread(env.close)  # never on the loop: a close may wait on a process


def _open_episode(
    task: EpisodeTask, calls: _EnvCalls, factory: AgentFactory, counterparts: Counterparts
) -> tuple[Any, Any, dict[str, Any]]:
    env = calls.env = gym.make(task.env_id, **task.kwargs)
    if calls.closed:  # the episode gave up on this call while the env was being made
        env.close()
        raise EnvFailure("the env was made after its episode had ended")
    if counterparts:
        seat_counterparts(env, {role: make(env, seed=task.seed) for role, make in counterparts.items()})
    options = None if task.task_id is None else {"task_id": task.task_id}
    try:
        observation, info = env.reset(seed=task.seed, options=options)
    except Exception as error:
        raise EnvFailure(f"the env could not start the episode: {_describe(error)}") from error
    return factory(env, seed=task.seed), observation, info


async def _play_once(
    task: EpisodeTask,
    factory: AgentFactory,
    settings: RunSettings,
    calls: _EnvCalls,
    episode: _Episode,
    counterparts: Counterparts,
) -> None:
    try:
        agent, observation, info = await calls(_open_episode, task, calls, factory, counterparts)
        episode.agent, episode.info = agent, info
        agent.reset(info[keys.INSTRUCTIONS])
        while True:
            reply = await _reply(agent, observation, settings)
            seen = observation_text(observation)
            observation, reward, terminated, truncated, info = await calls(calls.env.step, reply)
            valid = bool(info.get(keys.ACTION_VALID, True))
            episode.trajectory.append(StepRecord(seen, reply, float(reward), valid))
            episode.total += float(reward)
            episode.invalid += not valid
            episode.info = info
            if info.get(keys.TRUNCATION_REASON) == "env_error":
                raise EnvFailure(f"the env's world failed: {info.get(keys.ENV_ERROR)}")
            if terminated or truncated:
                return
    finally:
        await calls.close()


async def play_episode(
    task: EpisodeTask,
    factory: AgentFactory,
    settings: RunSettings,
    executor: Executor,
    *,
    suite_id: str,
    suite_version: str,
    counterparts: Counterparts = None,
) -> EpisodeRecord:
    """Play one episode and return its record; failures are recorded in ``error``, never raised.

    ``counterparts`` (role -> agent factory) play the other roles of a multi-agent env."""
    started = time.monotonic()
    for attempt in range(settings.max_retries + 1):
        episode = _Episode()
        error: str | None = None
        try:
            await asyncio.wait_for(
                _play_once(task, factory, settings, _EnvCalls(executor, settings), episode, counterparts),
                settings.episode_timeout,
            )
        except (
            asyncio.TimeoutError
        ):  # step timeouts arrive as AgentFailure or EnvFailure, so this is the episode's
            error = f"TimeoutError: the episode ran past its limit of {settings.episode_timeout} s"
        except EnvFailure as failure:  # not the agent's fault: the episode is played again from the start
            error = _describe(failure)
            if attempt < settings.max_retries:
                await asyncio.sleep(settings.retry_backoff * 2**attempt)
                continue
        except Exception as failure:  # an agent failure: recorded, the run goes on
            error = _describe(failure)
        break
    info = episode.info
    usage = getattr(episode.agent, "usage", None) or {}
    score = float(info.get(keys.SCORE, 0.0)) if error is None else 0.0
    return EpisodeRecord(
        suite=suite_id,
        suite_version=suite_version,
        env_id=task.env_id,
        seed=task.seed,
        episode=task.episode,
        success=bool(info.get(keys.SUCCESS, False)) and error is None,
        score=min(1.0, max(0.0, score)),
        return_=episode.total,
        steps=len(episode.trajectory),
        invalid_actions=episode.invalid,
        tokens={str(k): int(v) for k, v in usage.items()},
        seconds=round(time.monotonic() - started, 6),
        error=error,
        trajectory=episode.trajectory,
        task_id=info.get(keys.TASK_ID, task.task_id),
        role_scores=info.get(keys.ROLE_SCORES) if error is None else None,
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
    counterparts: Counterparts = None,
) -> None:
    """Run ``tasks`` in this process: the asyncio backend (``counterparts`` as in ``play_episode``)."""
    # Env steps are mostly CPU work under the GIL: more threads than cores (plus a few for envs that
    # wait on a subprocess) only add hand-off latency when many episodes step at once.
    threads = min(settings.concurrency, (os.cpu_count() or 1) + 4)
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="palaestra-env")
    try:

        async def play(task: EpisodeTask) -> EpisodeRecord:
            return await play_episode(
                task,
                factory,
                settings,
                executor,
                suite_id=suite_id,
                suite_version=suite_version,
                counterparts=counterparts,
            )

        await run_episodes(tasks, play, write, settings.concurrency)
    finally:
        # Do not wait for an env call stuck past its timeout; its thread ends with the process.
        executor.shutdown(wait=False, cancel_futures=True)
