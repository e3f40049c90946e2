"""Run folders as leaderboard rows: each run's ``meta.json`` and records, with the metrics of ``core``.

Reads only result records (``meta.json`` and ``episodes.jsonl`` of each run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from palaestra.core.metrics import RunMetrics, run_metrics
from palaestra.core.records import EPISODES_FILE, RunDirError, read_episodes, read_meta


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
    """One run folder as a leaderboard row; ``RunDirError`` if it is not a readable run."""
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
        raise RunDirError(f"{run_dir} has no finished episodes yet")
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
