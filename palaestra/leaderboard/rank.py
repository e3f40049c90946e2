"""Boards: runs grouped by suite id and version, ranked, and their tables as plain text.

Only runs of the same suite version share a board, ranked by the suite's mean normalized score; each
table has a column per family with its 95% interval, and a column per role of each multi-agent env
with that role's mean score (a persuader and its listener, say).
"""

from __future__ import annotations

from dataclasses import dataclass

from palaestra.core.metrics import interval_text, points_text
from palaestra.leaderboard.load import RunEntry


@dataclass(frozen=True)
class Board:
    """The runs of one suite version, best first."""

    suite_id: str
    suite_version: str
    description: str
    runs: list[RunEntry]

    @property
    def families(self) -> list[str]:
        return sorted({f for run in self.runs for f in run.families.values()})

    @property
    def env_ids(self) -> list[str]:
        return sorted({env_id for run in self.runs for env_id in run.families})

    @property
    def roles(self) -> list[tuple[str, str]]:
        """(env id, role) of every multi-agent env's role some run has a score for."""
        return sorted(
            {
                (env_id, role)
                for run in self.runs
                for env_id, m in run.metrics.envs.items()
                for role in m.role_scores
            }
        )


def role_header(env_id: str, role: str) -> str:
    """The column of one role's mean score on a multi-agent env."""
    return f"{env_id} {role}"


def role_score(run: RunEntry, env_id: str, role: str) -> float | None:
    """``run``'s mean score in ``role`` on ``env_id``, or ``None`` where it has none."""
    metrics = run.metrics.envs.get(env_id)
    return None if metrics is None else metrics.role_scores.get(role)


def group_boards(runs: list[RunEntry]) -> list[Board]:
    """One board per (suite id, version), each ranked by suite score (then label, for a stable order)."""
    groups: dict[tuple[str, str], list[RunEntry]] = {}
    for run in runs:
        groups.setdefault((run.suite_id, run.suite_version), []).append(run)
    return [
        Board(
            suite_id,
            version,
            entries[0].suite_description,
            # complete runs rank above partial ones: a run that played fewer episodes is not comparable
            sorted(entries, key=lambda r: (not r.complete, -r.metrics.suite.mean, r.label, str(r.run_dir))),
        )
        for (suite_id, version), entries in sorted(groups.items())
    ]


def _episodes_text(run: RunEntry) -> str:
    return f"{run.episodes_done}/{run.total_episodes}" + ("" if run.complete else " (partial)")


def table_rows(board: Board) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a board as plain text (for Markdown and the terminal)."""
    header = [
        "rank",
        "agent",
        "score [95% CI]",
        *board.families,
        *(role_header(env_id, role) for env_id, role in board.roles),
        "success",
        "episodes",
        "errors",
        "tokens/ep",
    ]
    rows = []
    for rank, run in enumerate(board.runs, 1):
        family_cells = [
            interval_text(run.metrics.families[f]) if f in run.metrics.families else "-"
            for f in board.families
        ]
        rows.append(
            [
                str(rank),
                run.label,
                interval_text(run.metrics.suite),
                *family_cells,
                *_role_cells(board, run),
                f"{run.success_rate:.0%}",
                _episodes_text(run),
                str(run.metrics.errors),
                f"{run.tokens_per_episode:.0f}",
            ]
        )
    return header, rows


def _role_cells(board: Board, run: RunEntry) -> list[str]:
    scores = (role_score(run, env_id, role) for env_id, role in board.roles)
    return ["-" if score is None else points_text(score) for score in scores]
