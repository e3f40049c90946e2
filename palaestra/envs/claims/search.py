"""BM25 search over passages (``bm25s``), with deterministic ranking.

Text is lower-cased and split into word characters, English stop words dropped; each passage is
indexed with its title. Ties in score are broken by passage order, so a query always returns the
same passages in the same order, built fresh or loaded from the disk cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from palaestra.core.errors import MissingExtraError

_WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "a an and are as at be been by for from had has have he her his in is it its of on or that the "
    "their them they this to was were which who whom whose with what when where did does do".split()
)


def tokenize(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def _bm25s():
    try:
        import bm25s
    except ImportError:
        raise MissingExtraError(
            "claim verification searches with bm25s: pip install 'palaestra[search]'"
        ) from None
    return bm25s


class SearchIndex:
    """A BM25 index of passages given as ``(title, text)`` pairs; ``search`` returns their positions."""

    def __init__(self, passages: Iterable[tuple[str, str]]):
        bm25s = _bm25s()
        tokens = [tokenize(f"{title} {text}") for title, text in passages]
        self.size = len(tokens)
        self.model = bm25s.BM25()
        # an empty passage would be dropped from bm25s' vocabulary counts; a filler token keeps positions
        self.model.index([words or ["\0"] for words in tokens], show_progress=False)
        self.vocabulary = self.model.vocab_dict

    def search(self, query: str, k: int = 3) -> list[int]:
        """The positions of the (at most) ``k`` best-scoring passages that share a word with ``query``."""
        known = [word for word in dict.fromkeys(tokenize(query)) if word in self.vocabulary]
        if not known or k < 1:
            return []
        scores = self.model.get_scores(known)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            best = np.argpartition(-scores[hits], k - 1)[:k]
            hits = hits[scores[hits] >= scores[hits[best]].min()]  # every tie of the k-th score
        order = np.lexsort((hits, -scores[hits]))
        return [int(i) for i in hits[order][:k]]
