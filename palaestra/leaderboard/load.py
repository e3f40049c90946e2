"""Run folders as leaderboard rows: each run's ``meta.json`` and records, with the metrics of ``core``.

Reads only result records (``meta.json`` and ``episodes.jsonl`` of each run). The folders given may
be runs or hold runs at any depth, as ``palaestra bench`` nests one run per agent.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from palaestra.core.metrics import RunMetrics, run_metrics
from palaestra.core.runs import EPISODES_FILE, META_FILE, RunDirError, read_episodes, read_meta


class EmptyRunError(RunDirError):
    """A run folder with no finished episode yet (a run stopped before its first episode ended)."""


class EmptyRunWarning(UserWarning):
    """A run with no finished episode yet, left off the leaderboard."""


@dataclass(frozen=True)
class RunEntry:
    """One run as a leaderboard row."""

    run_dir: Path
    label: str
    spec: str
    suite_id: str
    suite_version: str
    suite_description: str
    families: dict[str, str]  # env id -> family
    metrics: RunMetrics
    total_episodes: int
    started_at: str

    @property
    def episodes_done(self) -> int:
        """Episodes finished without error."""
        return self.metrics.episodes - self.metrics.errors

    @property
    def complete(self) -> bool:
        return self.episodes_done == self.total_episodes

    @property
    def success_rate(self) -> float:
        envs = self.metrics.envs.values()
        return sum(m.success_rate * m.episodes for m in envs) / sum(m.episodes for m in envs)

    @property
    def tokens_per_episode(self) -> float:
        """Mean tokens per episode over the whole run."""
        envs = self.metrics.envs.values()
        return sum(m.mean_tokens * m.episodes for m in envs) / self.metrics.episodes


def load_run(run_dir: str | Path) -> RunEntry:
    """One run folder as a leaderboard row; ``RunDirError`` if it is not a readable run, ``EmptyRunError``
    if it has no finished episode."""
    run_dir = Path(run_dir)
    meta = read_meta(run_dir)
    try:
        suite = meta["suite"]
        agent = meta["agent"]
        families = {env["env_id"]: env["family"] for env in suite["envs"]}
        total = sum(len(env["seeds"]) for env in suite["envs"])
    except (KeyError, TypeError) as err:
        raise RunDirError(f"{run_dir / 'meta.json'}: not a palaestra run meta (missing {err})") from None
    path = run_dir / EPISODES_FILE
    records = read_episodes(path) if path.exists() else []
    if not records:
        raise EmptyRunError(f"{run_dir} has no finished episodes yet")
    for number, record in enumerate(records, 1):
        if (record.suite, record.suite_version) != (suite["id"], suite["version"]):
            raise RunDirError(
                f"{path}:{number}: a record of suite {record.suite} {record.suite_version} in a run of "
                f"{suite['id']} {suite['version']}"
            )
    return RunEntry(
        run_dir=run_dir,
        label=str(agent.get("label") or agent["spec"]),
        spec=str(agent["spec"]),
        suite_id=suite["id"],
        suite_version=suite["version"],
        suite_description=str(suite.get("description", "")),
        families=families,
        metrics=run_metrics(records, families),
        total_episodes=total,
        started_at=str(meta.get("started_at", "")),
    )


def find_runs(paths: Iterable[str | Path]) -> list[Path]:
    """The run folders in ``paths``, each once: a folder holding ``meta.json`` is a run; any other is
    searched for runs at every depth. ``RunDirError`` for a path that is not a folder or holds no run."""
    paths = [Path(path) for path in paths]
    if not paths:
        raise ValueError("no run folders given")
    found: dict[Path, Path] = {}  # the real folder -> the path it was first found as
    for path in paths:
        if not path.is_dir():
            reason = "it is not a folder" if path.exists() else "it does not exist"
            raise RunDirError(f"{path} is not a run folder: {reason}")
        runs = _runs_in(path, visited=set())
        if not runs:
            raise RunDirError(
                f"{path} is not a run folder and holds none: no {META_FILE} in it or in any folder below it"
            )
        for run in runs:
            found.setdefault(run.resolve(), run)
    return list(found.values())


def _runs_in(folder: Path, visited: set[Path]) -> list[Path]:
    if (folder / META_FILE).is_file():
        return [folder]
    visited.add(folder.resolve())  # a link back up the tree is entered once, not forever
    return [
        run
        for child in sorted(folder.iterdir())
        if child.is_dir() and child.resolve() not in visited
        for run in _runs_in(child, visited)
    ]


def load_runs(paths: Iterable[str | Path]) -> list[RunEntry]:
    """The runs in ``paths`` (see ``find_runs``) as leaderboard rows. A run with no finished episode is
    left out with an ``EmptyRunWarning``; ``RunDirError`` if no run has one."""
    entries: list[RunEntry] = []
    empty: list[EmptyRunError] = []
    for run_dir in find_runs(paths):
        try:
            entries.append(load_run(run_dir))
        except EmptyRunError as error:
            empty.append(error)
    if not entries:
        raise RunDirError(f"no run to rank: {'; '.join(map(str, empty))}")
    for error in empty:
        warnings.warn(f"{error}; left off the leaderboard", EmptyRunWarning, stacklevel=2)
    return entries
