"""A BM25 index (``bm25s``) with a deterministic ranking, for the families that search text.

A family gives its documents as token lists and its own tokenizer for queries; ties in score are
broken by position, so a query returns the same documents in the same order, built fresh or loaded
from the disk cache. ``SOURCE`` is this module's source, for the keys of cached indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from palaestra.core.errors import MissingExtraError

SOURCE = Path(__file__).read_bytes()


class BM25Index:
    """BM25 over ``documents`` (token lists); ``search`` returns their positions, best first.

    ``tokenize`` (a module-level function, so the index pickles) splits queries as the documents were
    split; ``needs`` says what to install when ``bm25s`` is missing.
    """

    def __init__(self, documents: Iterable[list[str]], tokenize: Callable[[str], list[str]], needs: str):
        try:
            import bm25s
        except ImportError:
            raise MissingExtraError(f"searching needs bm25s: {needs}") from None
        tokens = list(documents)
        self.tokenize = tokenize
        self.size = len(tokens)
        self.model = bm25s.BM25()
        # an empty document would be dropped from bm25s' counts; a filler token keeps the positions
        self.model.index([words or ["\0"] for words in tokens], show_progress=False)
        self.vocabulary = self.model.vocab_dict

    def search(self, query: str, k: int) -> list[int]:
        """The positions of the (at most) ``k`` best-scoring documents that share a word with ``query``."""
        known = [word for word in dict.fromkeys(self.tokenize(query)) if word in self.vocabulary]
        if not known or k < 1:
            return []
        scores = self.model.get_scores(known)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            best = np.argpartition(-scores[hits], k - 1)[:k]
            hits = hits[scores[hits] >= scores[hits[best]].min()]  # every tie of the k-th score
        order = np.lexsort((hits, -scores[hits]))
        return [int(i) for i in hits[order][:k]]
