"""Training metrics: one JSON line per step, a rich live view, and a plot of the curves beside the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

PLOTTED = (
    ("reward", "reward"),
    ("success", "success rate"),
    ("invalid_rate", "invalid-action rate"),
    ("completion_tokens", "generated tokens / episode"),
    ("kl", "KL to reference (k3)"),
    ("clip_fraction", "clip fraction"),
)
SHOWN = (
    "step",
    "reward",
    "success",
    "invalid_rate",
    "completion_tokens",
    "kl",
    "clip_fraction",
    "loss",
    "tokens_per_second",
    "update_seconds",
)


class MetricsLog:
    """``metrics.jsonl`` in the run folder: appended and flushed once per step."""

    def __init__(self, path: Path):
        self.path = path

    def truncate_after(self, step: int) -> None:
        """Forget the lines of steps after ``step`` (a resumed run plays them again)."""
        if not self.path.exists():
            return
        lines = self.path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line)["step"] <= step]
        self.path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")

    def append(self, row: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(row, sort_keys=True) + "\n")

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [
            json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]


def plot_metrics(rows: list[dict[str, Any]], path: Path) -> None:
    """The curves of ``PLOTTED`` against the step, as a PNG (matplotlib's Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(12, 6), constrained_layout=True)
    steps = [row["step"] for row in rows]
    for axis, (key, title) in zip(axes.flat, PLOTTED):
        axis.plot(steps, [row.get(key, float("nan")) for row in rows], marker="." if len(rows) < 50 else "")
        axis.set_title(title)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
    plt.close(figure)


class LiveView:
    """A table of the last steps' metrics, redrawn in place while the run goes (a terminal only)."""

    def __init__(self, title: str, total_steps: int, enabled: bool, console: Console | None = None):
        self.console = console or Console()
        self.enabled = enabled and self.console.is_terminal
        self.title = title
        self.total_steps = total_steps
        self.rows: list[dict[str, Any]] = []
        self._live: Live | None = None

    def __enter__(self) -> LiveView:
        if self.enabled:
            self._live = Live(self._table(), console=self.console, refresh_per_second=2)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)
            self._live = None

    def update(self, row: dict[str, Any]) -> None:
        self.rows = [*self.rows[-9:], row]
        if self._live is not None:
            self._live.update(self._table())

    def _table(self) -> Table:
        done = self.rows[-1]["step"] if self.rows else 0
        table = Table(title=f"{self.title}: step {done} of {self.total_steps}")
        for key in SHOWN:
            table.add_column(key, justify="right")
        for row in self.rows:
            table.add_row(*(_cell(row.get(key)) for key in SHOWN))
        return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
