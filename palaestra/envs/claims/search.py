"""BM25 search over passages (``palaestra.core.bm25``: ties broken by passage order).

Text is lower-cased and split into word characters, English stop words dropped; each passage is
indexed with its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from palaestra.core.bm25 import BM25Index

_WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "a an and are as at be been by for from had has have he her his in is it its of on or that the "
    "their them they this to was were which who whom whose with what when where did does do".split()
)


def tokenize(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


class SearchIndex(BM25Index):
    """A BM25 index of passages given as ``(title, text)`` pairs; ``search`` returns their positions."""

    def __init__(self, passages: Iterable[tuple[str, str]]):
        documents = (tokenize(f"{title} {text}") for title, text in passages)
        super().__init__(documents, tokenize, "pip install 'palaestra[search]'")

    def search(self, query: str, k: int = 3) -> list[int]:
        return super().search(query, k)
