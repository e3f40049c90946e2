"""The Ray backend: episodes run on the actors of an existing Ray cluster (``--backend ray``).

One async actor per CPU of the cluster (at most ``concurrency``) builds the agent factory once and
plays episodes with the same ``play_episode`` as the local runner, several at a time. The driver
keeps ``concurrency`` episodes in flight and streams each finished record back to the one writer of
the store, so the run folder stays the single source of truth and resumes the same way. An actor
that dies costs only its in-flight episodes, which are recorded as errors and retried on resume.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from palaestra.core.records import EpisodeRecord
from palaestra.evaluation.runner import RunSettings, failed_record, play_episode
from palaestra.evaluation.suites import EpisodeTask

_WAIT_SECONDS = 0.5  # how often the driver wakes to notice Ctrl-C while it waits for episodes


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("the Ray backend needs Ray: pip install 'palaestra[ray]'") from None
    return ray


class EpisodeWorker:
    """A Ray actor (made remote by ``run_on_ray``) that plays episodes with one agent factory."""

    def __init__(
        self, spec: str, options: dict[str, Any], settings: dict[str, Any], suite_id: str, version: str
    ):
        import palaestra  # noqa: F401  (registers the env ids in this worker process)
        from palaestra.agents.registry import agent_factory

        self.factory = agent_factory(spec, **options)
        self.settings = RunSettings(**settings)
        self.executor = ThreadPoolExecutor(max_workers=self.settings.concurrency)
        self.suite_id = suite_id
        self.version = version

    async def play(self, task: dict[str, Any]) -> dict[str, Any]:
        record = await play_episode(
            EpisodeTask(**task),
            self.factory,
            self.settings,
            self.executor,
            suite_id=self.suite_id,
            suite_version=self.version,
        )
        return record.to_json()


def run_on_ray(
    tasks: list[EpisodeTask],
    spec: str,
    options: dict[str, Any],
    settings: RunSettings,
    write: Callable[[EpisodeRecord], None],
    *,
    suite_id: str,
    suite_version: str,
    address: str | None,
) -> None:
    """Play ``tasks`` on the Ray cluster at ``address`` (``None``: start a local one), writing each record."""
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, logging_level="WARNING", log_to_driver=False)
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        count = min(cpus, settings.concurrency, len(tasks))
        per_actor = math.ceil(settings.concurrency / count)
        actor_settings = {**asdict(settings), "concurrency": per_actor}
        remote = ray.remote(num_cpus=1)(EpisodeWorker)
        actors = [
            remote.options(max_concurrency=per_actor).remote(
                spec, options, actor_settings, suite_id, suite_version
            )
            for _ in range(count)
        ]
        queue = list(reversed(tasks))
        pending: dict[Any, EpisodeTask] = {}
        submitted = 0
        try:
            while queue or pending:
                while queue and len(pending) < settings.concurrency:
                    task = queue.pop()
                    actor = actors[submitted % count]
                    submitted += 1
                    pending[actor.play.remote(asdict(task))] = task
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=_WAIT_SECONDS)
                for ref in ready:
                    task = pending.pop(ref)
                    try:
                        record = EpisodeRecord.from_json(ray.get(ref))
                    except ray.exceptions.RayError as error:
                        record = failed_record(
                            task,
                            suite_id,
                            suite_version,
                            f"Ray worker failed: {type(error).__name__}: {error}",
                        )
                    write(record)
        finally:
            for ref in pending:
                ray.cancel(ref)
            for actor in actors:
                ray.kill(actor)
    finally:
        if started_here:
            ray.shutdown()
