"""What the claim envs search: a generated world's encyclopedia, a SQLite ``documents`` database
(FEVER's and HoVer's ``wiki_wo_links.db``), or a user's JSONL of ``{"title", "text"}`` lines.

Each corpus is indexed the first time it is used and the index is cached twice: in memory for the
process, and on disk (``cache.cached``) under a key that changes when the corpus does.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import unicodedata
from pathlib import Path

from palaestra.core import bm25, cache
from palaestra.core.errors import UsageError
from palaestra.envs.claims.search import SearchIndex
from palaestra.envs.claims.world import World, build_world

_FORMAT = "1"  # bump when what is cached changes shape


def _code_key(*modules: str) -> str:
    """A key of the source of the modules that build a cached object, so edits invalidate it."""
    here = Path(__file__).parent
    return cache.digest(_FORMAT, bm25.SOURCE, *((here / f"{name}.py").read_bytes() for name in modules))


class Corpus:
    """Passages to search and entries to open. ``search`` gives ``(title, text)`` pairs."""

    name = "a corpus"

    def __init__(self, index: SearchIndex):
        self.index = index

    def passage(self, position: int) -> tuple[str, str]:
        raise NotImplementedError

    def entry(self, title: str) -> tuple[str, str] | None:
        """``(title as stored, whole text)`` of the entry titled ``title``, or ``None``."""
        raise NotImplementedError

    def search(self, query: str, k: int) -> list[tuple[str, str]]:
        return [self.passage(i) for i in self.index.search(query, k)]

    def suggest(self, title: str, k: int = 3) -> list[str]:
        """Titles of entries close to ``title``: those of its best search hits."""
        titles = [self.passage(i)[0] for i in self.index.search(title, 3 * k)]
        return list(dict.fromkeys(titles))[:k]

    def close(self) -> None:
        """Release what the corpus holds open (a database connection)."""


class WorldCorpus(Corpus):
    """The encyclopedia of a generated world."""

    name = "an encyclopedia of a fictional world"

    def __init__(self, world: World, index: SearchIndex):
        super().__init__(index)
        self.world = world

    def passage(self, position: int) -> tuple[str, str]:
        found = self.world.passages[position]
        return found.title, found.text

    def entry(self, title: str) -> tuple[str, str] | None:
        passages = self.world.entry(title)
        if passages is None:
            return None
        return passages[0].title, "\n\n".join(p.text for p in passages)


@functools.lru_cache(maxsize=4)
def world_corpus(seed: int) -> WorldCorpus:
    """The world of ``seed`` with its search index (built once, then read from the caches)."""

    def build() -> tuple[World, SearchIndex]:
        world = build_world(seed)
        return world, SearchIndex((p.title, p.text) for p in world.passages)

    world, index = cache.cached(f"claims-world-{seed}-{_code_key('world', 'search')}.pkl", build)
    return WorldCorpus(world, index)


class JsonlCorpus(Corpus):
    """A user corpus: one JSON object per line with string ``title`` and ``text``; lines that share
    a title are the passages of one entry."""

    name = "a collection of documents"

    def __init__(self, path: Path):
        self.passages, self._entries, index = _jsonl_index(*_file_key(path))
        super().__init__(index)

    def passage(self, position: int) -> tuple[str, str]:
        return self.passages[position]

    def entry(self, title: str) -> tuple[str, str] | None:
        found = self._entries.get(_fold(title))
        if found is None:
            return None
        return self.passages[found[0]][0], "\n\n".join(self.passages[i][1] for i in found)


def _file_key(path: Path) -> tuple[str, int, int]:
    """What identifies a corpus file's content cheaply: its path, size and modification time."""
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _jsonl_index(path: str, size: int, mtime: int):
    passages = read_jsonl_corpus(Path(path))
    entries: dict[str, list[int]] = {}
    for position, (title, _) in enumerate(passages):
        entries.setdefault(_fold(title), []).append(position)
    key = cache.digest(_code_key("search"), path, str(size), str(mtime))
    return passages, entries, cache.cached(f"claims-jsonl-{key}.pkl", lambda: SearchIndex(passages))


def read_jsonl_corpus(path: Path) -> list[tuple[str, str]]:
    passages = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise UsageError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not (
                isinstance(item, dict)
                and isinstance(item.get("title"), str)
                and isinstance(item.get("text"), str)
            ):
                raise UsageError(f'{path}:{number}: each line must be {{"title": "...", "text": "..."}}')
            passages.append((item["title"], item["text"]))
    if not passages:
        raise UsageError(f"{path} holds no passages")
    return passages


class SqliteCorpus(Corpus):
    """A ``documents(id, text)`` database, one passage per document, ``id`` its title (as FEVER's and
    HoVer's Wikipedia databases store them, in Unicode NFD). Texts are read from the database when
    shown; only the index and the titles stay in memory."""

    name = "Wikipedia"

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()  # one connection, used from whichever thread steps the env
        self._connection: sqlite3.Connection | None = None
        self.titles, index = _sqlite_index(*_file_key(path))
        super().__init__(index)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = connect_documents(self.path)
        return self._connection

    def _text(self, title: str) -> tuple[str, str] | None:
        with self._lock:
            spaced = title.replace("_", " ")  # EX-FEVER writes titles as Wikipedia URLs do
            for form in dict.fromkeys(
                (unicodedata.normalize("NFD", title), title, unicodedata.normalize("NFD", spaced), spaced)
            ):
                row = (
                    self._connect().execute("SELECT id, text FROM documents WHERE id = ?", (form,)).fetchone()
                )
                if row is not None:
                    return unicodedata.normalize("NFC", row[0]), str(row[1] or "")
        return None

    def passage(self, position: int) -> tuple[str, str]:
        found = self._text(self.titles[position])
        return found if found is not None else (self.titles[position], "")

    def entry(self, title: str) -> tuple[str, str] | None:
        return self._text(" ".join(title.split()))

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def connect_documents(path: Path) -> sqlite3.Connection:
    """A read-only connection to a ``documents(id, text)`` database; ``UsageError`` for anything else."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        connection.execute("SELECT id, text FROM documents LIMIT 1")
    except sqlite3.Error as error:
        raise UsageError(f"{path} is no documents(id, text) database: {error}") from None
    return connection


@functools.lru_cache(maxsize=2)
def _sqlite_index(path: str, size: int, mtime: int) -> tuple[list[str], SearchIndex]:
    def build() -> tuple[list[str], SearchIndex]:
        connection = connect_documents(Path(path))
        try:
            rows = connection.execute("SELECT id, text FROM documents ORDER BY rowid").fetchall()
        finally:
            connection.close()
        titles = [str(title) for title, _ in rows]
        return titles, SearchIndex((title, str(text or "")) for title, (_, text) in zip(titles, rows))

    key = cache.digest(_code_key("search"), path, str(size), str(mtime))
    return cache.cached(f"claims-sqlite-{key}.pkl", build)


def _fold(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).lower().split())


def open_corpus(path: str | Path) -> Corpus:
    """The corpus in ``path``: a SQLite ``documents`` database (``.db``/``.sqlite``) or a JSONL file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(f"no corpus file at {path}")
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return SqliteCorpus(path)
    if path.suffix in (".jsonl", ".json"):
        return JsonlCorpus(path)
    raise UsageError(f"{path}: a corpus is a .db (SQLite documents table) or a .jsonl of title and text")
