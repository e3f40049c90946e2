"""``palaestra bench``: evaluate agents on a suite, then build and print the leaderboard.

It joins evaluation and leaderboard, which stay independent of each other, so it lives above both.

The default compares the embedded agents ``random`` and ``expert`` on ``quick``: no server, no
download. Each agent's run goes to ``OUT/<agent>``; running bench again on the same ``OUT`` resumes
those runs instead of starting over. The leaderboard goes to ``OUT/leaderboard``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from palaestra.agents.registry import SCRIPTED_AGENTS
from palaestra.core.errors import UsageError
from palaestra.core.runs import META_FILE
from palaestra.evaluation.evaluate import evaluate, file_slug, resume
from palaestra.evaluation.runner import RunSettings
from palaestra.evaluation.suites import Suite
from palaestra.leaderboard.build import Board, build_leaderboard

DEFAULT_AGENTS: tuple[str, ...] = ("random", "expert")


@dataclass(frozen=True)
class BenchOutcome:
    """The runs and the leaderboard; ``failures``: spec -> last error, for runs whose every episode failed."""

    run_dirs: list[Path]
    leaderboard_dir: Path
    boards: list[Board]
    interrupted: bool
    failures: dict[str, str]


def bench(
    suite: Suite,
    out_dir: str | Path,
    *,
    specs: tuple[str, ...] | list[str] = DEFAULT_AGENTS,
    options: dict[str, Any] | None = None,
    settings: RunSettings = RunSettings(),
    backend: str = "asyncio",
    ray_address: str | None = None,
    show_progress: bool = True,
    console: Console | None = None,
) -> BenchOutcome:
    """Run every spec on ``suite`` into ``out_dir`` and build the leaderboard of those runs.

    ``options`` go to every agent but the scripted ones, which take none. A run already in
    ``out_dir`` is resumed with ``settings``.
    """
    if not specs:
        raise UsageError("bench needs at least one agent spec")
    if len({file_slug(s) for s in specs}) != len(specs):
        raise UsageError(f"agent specs must differ (each gets its own run folder): {list(specs)}")
    out_dir = Path(out_dir)
    run_dirs: list[Path] = []
    failures: dict[str, str] = {}
    for spec in specs:
        run_dir = out_dir / file_slug(spec)
        given = {} if spec in SCRIPTED_AGENTS else options
        where = {
            "backend": backend,
            "ray_address": ray_address,
            "show_progress": show_progress,
            "console": console,
        }
        if (run_dir / META_FILE).exists():
            outcome = resume(
                run_dir, suite=suite, spec=spec, options=given, setting_changes=settings.to_json(), **where
            )
        else:
            outcome = evaluate(run_dir, suite, spec, options=given, settings=settings, **where)
        run_dirs.append(run_dir)
        if outcome.failure is not None:
            failures[spec] = outcome.failure
        if outcome.interrupted:
            return BenchOutcome(run_dirs, out_dir / "leaderboard", [], True, failures)
    boards = build_leaderboard(run_dirs, out_dir / "leaderboard")
    return BenchOutcome(run_dirs, out_dir / "leaderboard", boards, False, failures)
