"""Run folders on disk (DESIGN.md, "Evaluation records"): ``meta.json`` and ``episodes.jsonl``.

What both the writer of a run (``palaestra.evaluation.store``) and its readers (leaderboards,
reports) need: the file names, reading the records line by line with precise errors, and reading
``meta.json``. The record schema itself is ``palaestra.core.records``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.core.records import EpisodeRecord, RecordError

META_FILE = "meta.json"
EPISODES_FILE = "episodes.jsonl"
META_PARTS = ("suite", "agent", "settings")  # the objects every meta.json holds


class CorruptRecordError(ValueError):
    """A line of ``episodes.jsonl`` that is not a valid record; ``str`` starts with ``file:line``."""

    def __init__(self, path: Path, line: int, reason: str):
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class RunDirError(ValueError):
    """A run folder that cannot be created or opened as asked (exists, missing, in use)."""


def parse_record_line(path: Path, number: int, line: bytes) -> EpisodeRecord:
    try:
        return EpisodeRecord.from_json(json.loads(line))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorruptRecordError(path, number, f"not valid JSON ({err})") from None
    except RecordError as err:
        raise CorruptRecordError(path, number, f"not an episode record: {err}") from None


def split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines and the trailing bytes after the last newline (empty when the file ends cleanly)."""
    complete, newline, tail = data.rpartition(b"\n")
    return (complete.split(b"\n") if newline else []), tail


def read_episodes(path: str | Path) -> list[EpisodeRecord]:
    """Every record of an episodes file, in file order; ``CorruptRecordError`` for a bad or torn line."""
    path = Path(path)
    lines, tail = split_lines(path.read_bytes())
    records = [parse_record_line(path, number, line) for number, line in enumerate(lines, 1)]
    if tail:
        number = len(lines) + 1
        try:
            records.append(parse_record_line(path, number, tail))
        except CorruptRecordError as err:
            raise CorruptRecordError(
                path,
                number,
                f"truncated last line, left by a killed run ({err.reason}); "
                f"`palaestra eval --resume {path.parent}` repairs it",
            ) from None
    return records


def read_meta(run_dir: str | Path) -> dict[str, Any]:
    """The ``meta.json`` of a run folder, checked to hold the parts a resume and a leaderboard need."""
    path = Path(run_dir) / META_FILE
    if not path.is_file():
        raise RunDirError(f"{run_dir} is not a run folder: it has no {META_FILE}")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RunDirError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(meta, dict):
        raise RunDirError(f"{path}: not a JSON object")
    missing = [part for part in META_PARTS if not isinstance(meta.get(part), dict)]
    if missing:
        raise RunDirError(f"{path}: lacks {', '.join(missing)} (not a palaestra run, or damaged)")
    return meta
