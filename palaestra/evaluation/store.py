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

from palaestra.core.records import EpisodeRecord, RecordError

META_FILE = "meta.json"
EPISODES_FILE = "episodes.jsonl"
TORN_SUFFIX = ".torn"


class CorruptRecordError(ValueError):
    """A line of ``episodes.jsonl`` that is not a valid record; ``str`` starts with ``file:line``."""

    def __init__(self, path: Path, line: int, reason: str):
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class RunDirError(ValueError):
    """A run folder that cannot be created or opened as asked (exists, missing, in use)."""


def _parse_line(path: Path, number: int, line: bytes) -> EpisodeRecord:
    try:
        return EpisodeRecord.from_json(json.loads(line))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorruptRecordError(path, number, f"not valid JSON ({err})") from None
    except RecordError as err:
        raise CorruptRecordError(path, number, f"not an episode record: {err}") from None


def _split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines and the trailing bytes after the last newline (empty when the file ends cleanly)."""
    complete, newline, tail = data.rpartition(b"\n")
    return (complete.split(b"\n") if newline else []), tail


def read_episodes(path: str | Path) -> list[EpisodeRecord]:
    """Every record of an episodes file, in file order; ``CorruptRecordError`` for a bad or torn line."""
    path = Path(path)
    lines, tail = _split_lines(path.read_bytes())
    records = [_parse_line(path, number, line) for number, line in enumerate(lines, 1)]
    if tail:
        number = len(lines) + 1
        try:
            records.append(_parse_line(path, number, tail))
        except CorruptRecordError as err:
            raise CorruptRecordError(
                path,
                number,
                f"truncated last line, left by a killed run ({err.reason}); "
                f"`palaestra eval --resume {path.parent}` repairs it",
            ) from None
    return records


def read_meta(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / META_FILE
    if not path.is_file():
        raise RunDirError(f"{run_dir} is not a run folder: it has no {META_FILE}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RunDirError(f"{path}: not valid JSON ({err})") from None


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
        lines, tail = _split_lines(data)
        records = [_parse_line(path, number, line) for number, line in enumerate(lines, 1)]
        if not tail:
            return records
        try:
            records.append(_parse_line(path, len(lines) + 1, tail))
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

    def finished_keys(self) -> set[tuple[str, int]]:
        """(env id, episode) of every episode that finished without error: a resume skips these."""
        return {r.key for r in self._records if r.finished}

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
