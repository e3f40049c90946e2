"""``palaestra bench``: evaluate agents on a suite, then build and print the leaderboard.

It joins evaluation and leaderboard, which stay independent of each other, so it lives above both.

The default compares the embedded agents ``random`` and ``expert`` on ``quick``, and each bundled
trained policy beside them on its own env (``policy_boards``): no server, no download. Each agent's run
goes to ``OUT/<agent>`` (a policy's board to ``OUT/policies/<name>/<agent>``); running bench again on
the same ``OUT`` resumes those runs instead of starting over. The leaderboard goes to
``OUT/leaderboard``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from palaestra.agents.registry import SCRIPTED_AGENTS
from palaestra.core.errors import UsageError
from palaestra.core.registry import missing_extra
from palaestra.evaluation.evaluate import evaluate_or_resume, file_slug
from palaestra.evaluation.runner import RunSettings
from palaestra.evaluation.suites import Suite, custom_suite
from palaestra.leaderboard.build import Board, build_leaderboard

DEFAULT_AGENTS: tuple[str, ...] = ("random", "expert")
POLICY_EPISODES = 20  # test seeds per bundled policy's board


@dataclass(frozen=True)
class BenchOutcome:
    """The runs and the leaderboard; ``failures``: spec -> last error, for runs whose every episode failed."""

    run_dirs: list[Path]
    leaderboard_dir: Path
    boards: list[Board]
    interrupted: bool
    failures: dict[str, str]


def policy_boards() -> list[tuple[str, Suite, tuple[str, ...]]]:
    """Each bundled policy's board: ``random``, ``expert`` and the policy on its env, at its settings,
    ``POLICY_EPISODES`` test seeds (none without the ``llm`` extra, which policies play with)."""
    if missing_extra("llm") is not None:
        return []
    from palaestra.agents.policies import policies

    boards = []
    for policy in policies():
        suite = custom_suite([policy.env_id], POLICY_EPISODES, kwargs=policy.env_kwargs)
        described = f"{policy.spec} beside random and expert: {suite.description}"
        boards.append(
            (
                policy.name,
                replace(suite, id="policy", description=described),
                ("random", "expert", policy.spec),
            )
        )
    return boards


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
    with_policies: bool = False,
) -> BenchOutcome:
    """Run every spec on ``suite`` into ``out_dir`` and build the leaderboard of those runs; with
    ``with_policies``, each bundled policy's board too (``policy_boards``).

    ``options`` go to every agent of ``specs`` but the scripted ones, which take none. A run already in
    ``out_dir`` is resumed with ``settings``.
    """
    if not specs:
        raise UsageError("bench needs at least one agent spec")
    if len({file_slug(s) for s in specs}) != len(specs):
        raise UsageError(f"agent specs must differ (each gets its own run folder): {list(specs)}")
    out_dir = Path(out_dir)
    plan = [(suite, out_dir, tuple(specs), options)] + [
        (board_suite, out_dir / "policies" / name, board_specs, {})
        for name, board_suite, board_specs in (policy_boards() if with_policies else [])
    ]
    where = {
        "backend": backend,
        "ray_address": ray_address,
        "show_progress": show_progress,
        "console": console,
    }
    run_dirs: list[Path] = []
    failures: dict[str, str] = {}
    for board_suite, folder, board_specs, board_options in plan:
        for spec in board_specs:
            run_dir = folder / file_slug(spec)
            given = {} if spec in SCRIPTED_AGENTS else board_options
            outcome = evaluate_or_resume(
                run_dir, board_suite, spec, options=given, settings=settings, **where
            )
            run_dirs.append(run_dir)
            if outcome.failure is not None:
                failures[spec] = outcome.failure
            if outcome.interrupted:
                return BenchOutcome(run_dirs, out_dir / "leaderboard", [], True, failures)
    boards = build_leaderboard(run_dirs, out_dir / "leaderboard")
    return BenchOutcome(run_dirs, out_dir / "leaderboard", boards, False, failures)
