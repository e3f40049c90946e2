"""``ResultStore``: a run folder with ``meta.json`` and ``episodes.jsonl`` (DESIGN.md, "Evaluation records").

Each finished episode is one JSON line, written with a single ``write`` then flushed and fsynced,
so a killed run loses at most the episode being written. That shows as a torn last line (no
newline at the end); ``ResultStore.open`` moves it aside to ``episodes.jsonl.torn`` and the episode
runs again. Any other unreadable line is damage the store will not guess about: ``CorruptRecordError``
names the file and line.

Only one process writes a run at a time (an exclusive ``flock`` on the episodes file).

Example:
    >>> store = ResultStore.create("runs/demo", {"suite": {"id": "quick"}})   # doctest: +SKIP
    >>> store.append(record); store.close()                                   # doctest: +SKIP
    >>> ResultStore.open("runs/demo").records()                               # doctest: +SKIP
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from palaestra.core.records import EpisodeRecord
from palaestra.core.runs import (
    EPISODES_FILE,
    META_FILE,
    CorruptRecordError,
    RunDirError,
    parse_record_line,
    read_meta,
    split_lines,
)

TORN_SUFFIX = ".torn"


class ResultStore:
    """The writer of one run folder. Build it with ``create`` (new run) or ``open`` (resume)."""

    def __init__(self, run_dir: Path, meta: dict[str, Any]):
        self.run_dir = run_dir
        self.meta = meta
        self._records: list[EpisodeRecord] = []
        self._file = open(run_dir / EPISODES_FILE, "ab")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise RunDirError(f"{run_dir} is being written by another process") from None

    @classmethod
    def create(cls, run_dir: str | Path, meta: dict[str, Any]) -> ResultStore:
        """A new run folder; ``RunDirError`` if it already holds a run (resume it instead)."""
        run_dir = Path(run_dir)
        if (run_dir / META_FILE).exists() or (run_dir / EPISODES_FILE).exists():
            raise RunDirError(f"{run_dir} already holds a run; resume it with --resume {run_dir}")
        run_dir.mkdir(parents=True, exist_ok=True)
        store = cls(run_dir, meta)
        store.write_meta(meta)
        return store

    @classmethod
    def open(cls, run_dir: str | Path) -> ResultStore:
        """An existing run folder for resuming. A torn last line (a crash mid-write) is set aside."""
        run_dir = Path(run_dir)
        store = cls(run_dir, read_meta(run_dir))
        try:
            store._records = store._load_repairing_tail()
        except BaseException:
            store.close()
            raise
        return store

    def _load_repairing_tail(self) -> list[EpisodeRecord]:
        path = self.run_dir / EPISODES_FILE
        data = path.read_bytes()
        lines, tail = split_lines(data)
        records = [parse_record_line(path, number, line) for number, line in enumerate(lines, 1)]
        if not tail:
            return records
        try:
            records.append(parse_record_line(path, len(lines) + 1, tail))
        except CorruptRecordError:
            # The process died inside the write: keep the fragment beside the file, cut it off here.
            with open(str(path) + TORN_SUFFIX, "ab") as torn:
                torn.write(tail + b"\n")
            self._file.truncate(len(data) - len(tail))
        else:
            self._file.write(b"\n")  # the record is whole; only its newline was lost
        self._file.flush()
        os.fsync(self._file.fileno())
        return records

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Replace ``meta.json`` atomically (write a temporary file, then rename it)."""
        self.meta = meta
        path = self.run_dir / META_FILE
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, path)

    def records(self) -> list[EpisodeRecord]:
        """Every record so far, in file order (a retried episode appears once per attempt)."""
        return list(self._records)

    def append(self, record: EpisodeRecord) -> None:
        """Write one record as one line and make it durable before returning."""
        line = json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8") + b"\n"
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())
        self._records.append(record)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
