"""The live view of a run: a rich progress bar with episodes done, success rate, errors and ETA."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from palaestra.core.records import EpisodeRecord


class RunProgress:
    """Counts finished episodes and, when ``visible``, draws them as a progress bar.

    Use as a context manager; call ``advance`` with each record as it is written. Episodes finished
    before a resume count from the start, so the bar and the success rate cover the whole run.
    """

    def __init__(
        self,
        label: str,
        total: int,
        done: list[EpisodeRecord],
        *,
        visible: bool,
        console: Console | None = None,
    ):
        finished = [r for r in done if r.finished]
        self.total = total
        self.done = len(finished)
        self.successes = sum(r.success for r in finished)
        self.errors = 0
        self._progress = Progress(
            TextColumn("{task.description}", markup=False, style="bold"),  # labels are user text
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("episodes  success {task.fields[success]}  errors {task.fields[errors]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not visible,
            transient=False,
        )
        self._task = self._progress.add_task(
            label, total=total, completed=self.done, success=self._rate(), errors=self.errors
        )

    def _rate(self) -> str:
        return f"{self.successes / self.done:.0%}" if self.done else "-"

    def advance(self, record: EpisodeRecord) -> None:
        if record.finished:
            self.done += 1
            self.successes += record.success
        else:
            self.errors += 1
        self._progress.update(
            self._task, completed=self.done + self.errors, success=self._rate(), errors=self.errors
        )

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()
