"""Terminal tables of a run's metrics (what ``palaestra eval`` prints at the end)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from palaestra.core.metrics import RunMetrics, interval_text


def metrics_table(metrics: RunMetrics, title: str) -> Table:
    """Per env rows, then per family and the suite: every string is plain text, never rich markup."""
    table = Table(title=Text(title), title_justify="left")
    for column in (
        "env",
        "episodes",
        "errors",
        "success",
        "score [95% CI]",
        "return",
        "steps",
        "invalid",
        "tokens/ep",
        "s/ep",
    ):
        table.add_column(column, justify="left" if column == "env" else "right")
    for env in metrics.envs.values():
        table.add_row(
            Text(env.env_id),
            str(env.episodes),
            str(env.errors),
            f"{env.success_rate:.0%}",
            interval_text(env.score),
            f"{env.mean_return:.2f}",
            f"{env.mean_steps:.1f}",
            f"{env.invalid_action_rate:.1%}",
            f"{env.mean_tokens:.0f}",
            f"{env.mean_seconds:.2f}",
        )
    table.add_section()
    for family, interval in metrics.families.items():
        table.add_row(Text(f"family {family}"), "", "", "", interval_text(interval))
    table.add_row(Text("suite"), str(metrics.episodes), str(metrics.errors), "", interval_text(metrics.suite))
    return table
