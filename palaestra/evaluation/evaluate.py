"""Score one agent on a suite into a run folder (``palaestra eval``): ``evaluate`` starts a new run,
``resume`` continues one.

A new run writes ``meta.json`` first: the suite with its env ids, kwargs and seeds, the agent spec
and its options (secrets redacted), the run settings, package versions, the git commit and the start
time. A resumed run rebuilds the suite and the agent from that file, skips the finished episodes and
plays the rest, errored ones included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import gymnasium as gym
from rich.console import Console

from palaestra.agents.registry import SCRIPTED_AGENTS, AgentFactory, agent_factory, check_agent_spec
from palaestra.core.errors import MissingExtraError, UsageError
from palaestra.core.metrics import RunMetrics, run_metrics
from palaestra.core.runs import META_FILE
from palaestra.evaluation.progress import RunProgress
from palaestra.evaluation.runner import RunSettings, run_local, seat_counterparts
from palaestra.evaluation.store import ResultStore, RunDirError
from palaestra.evaluation.suites import Suite, pending

BACKENDS = ("asyncio", "ray")
REDACTED = "<redacted>"
# Option names whose values are secrets; ``api_key_env`` names a variable, so it is kept.
# Matched at the end of the name, so ``api_key`` is a secret and ``max_tokens`` is not.
_SECRET = re.compile(r"(?:key|secret|password|token)$", re.IGNORECASE)
_PACKAGES = ("palaestra", "gymnasium", "numpy", "openai", "transformers", "torch", "vllm", "ray")


@dataclass(frozen=True)
class RunOutcome:
    """How a call to ``evaluate`` or ``resume`` ended: ``interrupted`` when stopped by Ctrl-C (resume to
    finish); ``failure``, when every episode of the run ended in an error, the last of those errors."""

    run_dir: Path
    metrics: RunMetrics | None
    interrupted: bool
    remaining: int
    failure: str | None = None


def _is_secret(name: str) -> bool:
    return bool(_SECRET.search(name))


def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            check=False,
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def parse_key_values(pairs: list[str], what: str = "agent option") -> dict[str, Any]:
    """``KEY=VALUE`` strings (agent options, env kwargs) as a dict; a value that reads as JSON
    (``0.7``, ``true``, ``[1, 2]``) is parsed, any other is kept as a string."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what} {pair!r} is not KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def file_slug(label: str) -> str:
    """``label`` reduced to safe file-name characters (an agent spec becomes a folder name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_") or "agent"


def default_run_dir(suite_id: str, label: str, root: str | Path = "runs") -> Path:
    """``runs/<suite>-<agent>-<UTC time>``, with the agent label reduced to safe file-name characters."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path(root) / f"{suite_id}-{file_slug(label)}-{stamp}"


def run_meta(
    suite: Suite,
    spec: str,
    options: dict[str, Any],
    label: str,
    settings: RunSettings,
    backend: str,
    counterparts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ``meta.json`` of a new run (``counterparts``, role -> spec, only where given)."""
    extra = {"counterparts": dict(counterparts)} if counterparts else {}
    return {
        **extra,
        "suite": suite.to_json(),
        "agent": {
            "spec": spec,
            "label": label,
            "options": {k: (REDACTED if _is_secret(k) else v) for k, v in sorted(options.items())},
        },
        "settings": {**settings.to_json(), "backend": backend},
        "packages": _package_versions(),
        "git_commit": _git_commit(),
        "started_at": _now(),
        "resumed_at": [],
    }


def _resume_options(meta: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The stored agent options, with the redacted secrets taken from ``given`` (asked for again)."""
    options = {**meta["agent"]["options"], **given}
    missing = [k for k, v in options.items() if v == REDACTED]
    if missing:
        raise RunDirError(
            f"the run's agent option(s) {', '.join(missing)} are secrets not stored in meta.json; "
            "give them again with --agent-option KEY=VALUE"
        )
    return options


def counterpart_factories(counterparts: dict[str, str], options: dict[str, Any]) -> dict[str, AgentFactory]:
    """Role -> the factory of the agent spec that plays it; LLM specs take the agent's ``options``
    (the scripted ``random`` and ``expert`` take none)."""
    return {
        role: agent_factory(spec, **({} if spec in SCRIPTED_AGENTS else options))
        for role, spec in sorted(counterparts.items())
    }


def _own_options(spec: str, options: dict[str, Any], counterparts: dict[str, str]) -> dict[str, Any]:
    """The options of the agent itself: a scripted agent takes none, so beside an LLM counterpart the
    options are the counterpart's alone (with no one to take them, the scripted agent refuses them)."""
    for_others = any(other not in SCRIPTED_AGENTS for other in counterparts.values())
    return {} if spec in SCRIPTED_AGENTS and for_others else options


def _checked_agent(
    spec: str,
    options: dict[str, Any],
    backend: str,
    suite: Suite,
    counterparts: dict[str, AgentFactory] | None = None,
) -> AgentFactory | None:
    """The agent factory for this process, checked against the suite's envs (``_preflight``), or for
    Ray (whose workers build their own) ``None`` once the spec's prefix is known to be registered."""
    if backend not in BACKENDS:
        raise UsageError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "ray" and counterparts:
        raise UsageError("counterparts are played with the asyncio backend, not ray")
    if backend == "ray":
        from palaestra.evaluation.ray_backend import import_ray

        try:
            import_ray()  # a missing extra is told before the run folder exists
        except ImportError as err:
            raise MissingExtraError(str(err)) from None
        check_agent_spec(spec)
        return None
    factory = agent_factory(spec, **options)
    try:
        _preflight(factory, suite, counterparts or {})
    except BaseException:
        _close(factory)
        raise
    return factory


def _preflight(factory: AgentFactory, suite: Suite, counterparts: dict[str, AgentFactory]) -> None:
    """Fail before the run on what would fail every episode: an agent that cannot play one of the
    suite's envs (a text-only model on images), counterparts for roles an env does not have, or a
    backend that cannot answer (``preflight``)."""
    for suite_env in suite.envs:
        env = gym.make(suite_env.env_id, **suite_env.kwargs)
        try:
            factory(env, seed=suite_env.seeds[0])
            if counterparts:
                seated = {role: make(env, seed=suite_env.seeds[0]) for role, make in counterparts.items()}
                seat_counterparts(env, seated)
        finally:
            env.close()
    preflight = getattr(factory, "preflight", None)
    if preflight is not None:
        preflight()


def _close(factory: AgentFactory | None) -> None:
    """Release what a factory holds (threads, event loops, GPU engines), if it holds anything."""
    close = getattr(factory, "close", None)
    if close is not None:
        close()


def evaluate(
    run_dir: str | Path,
    suite: Suite,
    spec: str,
    *,
    options: dict[str, Any] | None = None,
    label: str | None = None,
    settings: RunSettings = RunSettings(),
    backend: str = "asyncio",
    ray_address: str | None = None,
    show_progress: bool = True,
    console: Console | None = None,
    counterparts: dict[str, str] | None = None,
) -> RunOutcome:
    """Evaluate agent ``spec`` on ``suite`` in a new run folder ``run_dir`` and return its metrics.

    ``options`` go to the agent factory; ``label`` names the agent on leaderboards (default: the spec).
    ``counterparts`` (role -> agent spec) play the other roles of multi-agent envs, against ``spec``.
    Ctrl-C ends the call with ``interrupted``; ``resume`` finishes the run.
    """
    options = dict(options or {})
    others = counterpart_factories(counterparts or {}, options)
    try:  # before the folder exists: a typo leaves no run
        factory = _checked_agent(
            spec, _own_options(spec, options, counterparts or {}), backend, suite, others
        )
    except BaseException:
        for held in others.values():
            _close(held)
        raise
    label = label or " vs ".join(
        [spec, *(f"{role}={other}" for role, other in sorted((counterparts or {}).items()))]
    )
    meta = run_meta(suite, spec, options, label, settings, backend, counterparts)
    store = ResultStore.create(run_dir, meta)
    return _play(
        store, suite, spec, options, settings, factory, backend, ray_address, show_progress, console, others
    )


def resume(
    run_dir: str | Path,
    *,
    suite: Suite | None = None,
    spec: str | None = None,
    options: dict[str, Any] | None = None,
    setting_changes: dict[str, Any] | None = None,
    backend: str = "asyncio",
    ray_address: str | None = None,
    show_progress: bool = True,
    console: Console | None = None,
) -> RunOutcome:
    """Continue the run in ``run_dir``: skip its finished episodes, play the rest, errored ones included.

    The suite, the agent and its options come from ``meta.json``; a ``suite`` or ``spec`` given as well
    must match it, ``options`` add to the stored ones (secrets, which are not stored, must be given),
    and ``setting_changes`` replace ``RunSettings`` fields of the stored settings.
    """
    store = ResultStore.open(run_dir)
    meta = store.meta
    try:
        stored_suite = Suite.from_json(meta["suite"])
        if suite is not None and (suite.id, suite.version) != (stored_suite.id, stored_suite.version):
            raise RunDirError(
                f"{run_dir} is a run of suite {stored_suite.id} {stored_suite.version}, "
                f"not {suite.id} {suite.version}"
            )
        if spec is not None and spec != meta["agent"]["spec"]:
            raise RunDirError(f"{run_dir} is a run of agent {meta['agent']['spec']!r}, not {spec!r}")
        suite, spec = stored_suite, meta["agent"]["spec"]
        options = _resume_options(meta, dict(options or {}))
        stored = {k: v for k, v in meta["settings"].items() if k in RunSettings.__dataclass_fields__}
        settings = RunSettings(**{**stored, **(setting_changes or {})})
        counterparts = meta.get("counterparts", {})
        others = counterpart_factories(counterparts, options)
        try:
            factory = _checked_agent(spec, _own_options(spec, options, counterparts), backend, suite, others)
        except BaseException:
            for held in others.values():
                _close(held)
            raise
    except BaseException:
        store.close()
        raise
    store.write_meta({**meta, "resumed_at": [*meta.get("resumed_at", []), _now()]})
    return _play(
        store, suite, spec, options, settings, factory, backend, ray_address, show_progress, console, others
    )


def evaluate_or_resume(
    run_dir: str | Path,
    suite: Suite,
    spec: str,
    *,
    options: dict[str, Any] | None = None,
    settings: RunSettings = RunSettings(),
    **where: Any,
) -> RunOutcome:
    """A new run of ``spec`` on ``suite`` in ``run_dir``, or the rest of the one already there (its
    settings changed to ``settings``). ``where``: ``backend``, ``ray_address``, ``show_progress``,
    ``console``."""
    if (Path(run_dir) / META_FILE).exists():
        return resume(
            run_dir, suite=suite, spec=spec, options=options, setting_changes=settings.to_json(), **where
        )
    return evaluate(run_dir, suite, spec, options=options, settings=settings, **where)


def _play(
    store: ResultStore,
    suite: Suite,
    spec: str,
    options: dict[str, Any],
    settings: RunSettings,
    factory: AgentFactory | None,
    backend: str,
    ray_address: str | None,
    show_progress: bool,
    console: Console | None,
    counterparts: dict[str, AgentFactory],
) -> RunOutcome:
    """Play the suite's episodes that ``store`` has not finished; close the store and the factories."""
    with store:
        tasks = pending(suite.tasks(), store.records())
        interrupted = False
        progress = RunProgress(
            f"{suite.id} · {store.meta['agent']['label']}",
            len(suite.tasks()),
            store.records(),
            visible=show_progress,
            console=console,
        )

        def write(record: Any) -> None:
            store.append(record)
            progress.advance(record)

        try:
            with progress:
                if tasks and backend == "ray":
                    from palaestra.evaluation.ray_backend import run_on_ray

                    run_on_ray(
                        tasks,
                        spec,
                        options,
                        settings,
                        write,
                        suite_id=suite.id,
                        suite_version=suite.version,
                        address=ray_address,
                    )
                elif tasks:
                    asyncio.run(
                        run_local(
                            tasks,
                            factory,
                            settings,
                            write,
                            suite_id=suite.id,
                            suite_version=suite.version,
                            counterparts=counterparts,
                        )
                    )
        except KeyboardInterrupt:
            interrupted = True
        finally:
            for held in (factory, *counterparts.values()):
                _close(held)
        records = store.records()
    remaining = len(pending(suite.tasks(), records))
    metrics = run_metrics(records, suite.families) if records else None
    failure = None
    if metrics is not None and metrics.errors == metrics.episodes:
        failure = next(r.error for r in reversed(records) if r.error)
    return RunOutcome(store.run_dir, metrics, interrupted, remaining, failure)
