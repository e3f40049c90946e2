"""Evaluation: suites, the episode runner (asyncio or Ray), the result store and metrics.

from palaestra.evaluation import evaluate, load_suite

outcome = evaluate("runs/demo", suite=load_suite("quick"), spec="expert")
print(outcome.metrics.suite)
"""

from palaestra.core.metrics import EnvMetrics, Interval, RunMetrics, bootstrap_interval, run_metrics
from palaestra.core.runs import CorruptRecordError, RunDirError, read_episodes, read_meta
from palaestra.evaluation.evaluate import RunOutcome, default_run_dir, evaluate, resume
from palaestra.evaluation.runner import RunSettings, play_episode
from palaestra.evaluation.store import ResultStore
from palaestra.evaluation.suites import EpisodeTask, Suite, custom_suite, load_suite, suite_names

__all__ = [
    "CorruptRecordError",
    "EnvMetrics",
    "EpisodeTask",
    "Interval",
    "ResultStore",
    "RunDirError",
    "RunMetrics",
    "RunOutcome",
    "RunSettings",
    "Suite",
    "bootstrap_interval",
    "custom_suite",
    "default_run_dir",
    "evaluate",
    "load_suite",
    "play_episode",
    "read_episodes",
    "read_meta",
    "resume",
    "run_metrics",
    "suite_names",
]
