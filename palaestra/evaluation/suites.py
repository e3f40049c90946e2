"""Suites: versioned lists of (env id, kwargs, test-split seeds) that runs are scored on.

The rules live in ``suites.json`` (shipped with the package); the env ids come from the registry
when a suite is resolved, so a new env joins ``core`` and its family's suite without an edit here.
A suite's version is its rule version plus a digest of what it resolved to, e.g. ``1.5c0e2f1a``:
when the registry grows, the digest changes, and leaderboards never put runs of different contents
in one table.

    quick      every text id with an expert (so nearly every family), 5 episodes each
    core       every registered id, 30 episodes each
    <family>   every id of that family (``arcade`` ...), 20 episodes each

``quick`` and ``core`` hold the ids this machine can run: those whose extra, system package and data
set are here (a Lean toolchain, HoVer's files, ... often are not). The digest tells apart what they
resolve to on different machines.

Envs whose constructor takes ``split`` are evaluated with ``split="test"``, whose instances never
appear in training.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import gymnasium as gym

from palaestra.core import EnvEntry, registered_envs
from palaestra.core.errors import UsageError
from palaestra.core.records import EpisodeRecord

CUSTOM_SUITE = "custom"


@dataclass(frozen=True)
class EpisodeTask:
    """One episode to play: env ``env_id`` made with ``kwargs``, reset with ``seed`` (and, for a
    data-set env, ``options={"task_id": task_id}``; without one the seed draws the instance)."""

    env_id: str
    kwargs: dict[str, Any]
    seed: int
    episode: int
    task_id: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.env_id, self.episode)

    def done_by(self, record: EpisodeRecord) -> bool:
        """Whether ``record`` finished this episode: same env, episode and (where named) task id."""
        return (
            record.finished
            and record.key == self.key
            and (self.task_id is None or record.task_id == self.task_id)
        )


def pending(tasks: list[EpisodeTask], records: list[EpisodeRecord]) -> list[EpisodeTask]:
    """The tasks that no record has finished: what a resumed run still plays."""
    finished = {record.key: record for record in records if record.finished}
    return [task for task in tasks if not (task.key in finished and task.done_by(finished[task.key]))]


@dataclass(frozen=True)
class SuiteEnv:
    """One env of a suite with the seeds of its episodes (episode ``i`` uses ``seeds[i]``) and, for a
    data-set env, the instances they play (``task_ids[i]``)."""

    env_id: str
    family: str
    kwargs: dict[str, Any]
    seeds: tuple[int, ...]
    task_ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.task_ids is not None and len(self.task_ids) != len(self.seeds):
            raise ValueError(f"{self.env_id}: {len(self.task_ids)} task ids for {len(self.seeds)} seeds")

    def tasks(self) -> list[EpisodeTask]:
        task_ids = self.task_ids or (None,) * len(self.seeds)
        return [
            EpisodeTask(self.env_id, self.kwargs, seed, index, task_id)
            for index, (seed, task_id) in enumerate(zip(self.seeds, task_ids))
        ]

    def to_json(self) -> dict[str, Any]:
        data = {
            "env_id": self.env_id,
            "family": self.family,
            "kwargs": self.kwargs,
            "seeds": list(self.seeds),
        }
        if self.task_ids is not None:  # left out otherwise, so procedural suites keep their digests
            data["task_ids"] = list(self.task_ids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SuiteEnv:
        task_ids = data.get("task_ids")
        return cls(
            data["env_id"],
            data["family"],
            dict(data["kwargs"]),
            tuple(data["seeds"]),
            None if task_ids is None else tuple(task_ids),
        )


@dataclass(frozen=True)
class Suite:
    """A versioned list of envs and seeds; its id and version go into every episode record."""

    id: str
    version: str
    description: str
    envs: tuple[SuiteEnv, ...]

    def tasks(self) -> list[EpisodeTask]:
        """Every episode of the suite, env by env."""
        return [task for env in self.envs for task in env.tasks()]

    @property
    def families(self) -> dict[str, str]:
        """env id -> family."""
        return {env.env_id: env.family for env in self.envs}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "description": self.description,
            "envs": [env.to_json() for env in self.envs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suite:
        return cls(
            data["id"],
            data["version"],
            data["description"],
            tuple(SuiteEnv.from_json(e) for e in data["envs"]),
        )


def _rules() -> dict[str, dict[str, Any]]:
    text = resources.files("palaestra.evaluation").joinpath("suites.json").read_text(encoding="utf-8")
    return json.loads(text)


def _test_split(env_id: str) -> str | None:
    """The split a suite scores ``env_id`` on: ``test``, or for an env without one its last split (the
    held-out one: HoVer's ``dev``, ALFWorld's ``valid_unseen``); None when its constructor takes no
    ``split`` (some adapters)."""
    entry_point = gym.spec(env_id).entry_point
    creator = (
        gym.envs.registration.load_env_creator(entry_point) if isinstance(entry_point, str) else entry_point
    )
    try:
        parameters = inspect.signature(creator).parameters
    except (TypeError, ValueError):
        return None
    if "split" not in parameters and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return None
    splits = tuple(getattr(creator, "splits", ("test",)))
    return "test" if "test" in splits else splits[-1]


def _suite_env(entry: EnvEntry, episodes: int) -> SuiteEnv:
    split = _test_split(entry.id)
    return SuiteEnv(entry.id, entry.family, {} if split is None else {"split": split}, tuple(range(episodes)))


def _versioned(suite_id: str, rule_version: int | str, description: str, envs: list[SuiteEnv]) -> Suite:
    if not envs:
        raise ValueError(f"suite {suite_id!r} resolves to no envs")
    content = json.dumps([env.to_json() for env in envs], sort_keys=True).encode()
    digest = hashlib.blake2b(content, digest_size=4).hexdigest()
    return Suite(suite_id, f"{rule_version}.{digest}", description, tuple(envs))


def families() -> list[str]:
    return sorted({entry.family for entry in registered_envs()})


def suite_names() -> list[str]:
    """The names ``load_suite`` accepts: the fixed suites, then one per registered family."""
    fixed = [name for name, rule in _rules().items() if rule["select"] != "family"]
    return fixed + [family for family in families() if family not in fixed]


def load_suite(name: str) -> Suite:
    """The suite ``name`` resolved against the current registry; ``KeyError`` names the known suites."""
    rules = _rules()
    if name in rules and rules[name]["select"] != "family":
        rule = rules[name]
        entries = [e for e in registered_envs() if e.missing_requirement() is None]
        if rule["select"] == "text":
            entries = [e for e in entries if e.modality == "text" and e.expert]
        return _versioned(
            name, rule["version"], rule["description"], [_suite_env(e, rule["episodes"]) for e in entries]
        )
    if name in families():
        rule = next(r for r in rules.values() if r["select"] == "family")
        envs = [_suite_env(e, rule["episodes"]) for e in registered_envs(name)]
        return _versioned(name, rule["version"], rule["description"].format(family=name), envs)
    raise KeyError(f"unknown suite {name!r}; known suites: {', '.join(suite_names())}")


def custom_suite(env_ids: list[str], episodes: int, kwargs: dict[str, Any] | None = None) -> Suite:
    """An ad-hoc suite of the given ids (``palaestra eval --env ...``), ``episodes`` test seeds each.

    ``kwargs`` go to every env's constructor, over the suite's own (``split="test"``); they are part
    of the suite's content, so they change its version.
    """
    if episodes < 1:
        raise UsageError(f"episodes must be at least 1, got {episodes}")
    if len(set(env_ids)) != len(env_ids):
        raise UsageError(f"an env id is given twice: {env_ids}")
    by_id = {entry.id: entry for entry in registered_envs()}
    unknown = [env_id for env_id in env_ids if env_id not in by_id]
    if unknown:
        raise UsageError(f"unknown env ids {unknown}; `palaestra list` shows the registered ids")
    envs = [_suite_env(by_id[env_id], episodes) for env_id in env_ids]
    envs = [SuiteEnv(e.env_id, e.family, {**e.kwargs, **(kwargs or {})}, e.seeds) for e in envs]
    settings = "".join(f", {key}={value!r}" for key, value in sorted((kwargs or {}).items()))
    description = f"{', '.join(env_ids)}: {episodes} test episodes each{settings}"
    return _versioned(CUSTOM_SUITE, 0, description, envs)
