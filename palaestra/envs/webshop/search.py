"""BM25 search over products (``bm25s``): WebShop's search box, 50 results in a fixed order.

Each product is indexed by its name, features, description, attributes and option values; text is
lower-cased and split into words, English stop words dropped. Ties in score are broken by catalogue
order, so a query gives the same results, built fresh or read from the disk cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from palaestra.core.errors import MissingExtraError
from palaestra.envs.webshop.catalog import Product

RESULTS = 50  # WebShop's search returns 50 products
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have i in is it its of on or that the this to was with "
    "i'm am me my need want would like looking find buy price lower than dollars".split()
)


def tokenize(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def product_text(product: Product) -> str:
    values = " ".join(value for values in product.options.values() for value in values)
    return " ".join((product.name, *product.features, product.description, *product.attributes, values))


def _bm25s():
    try:
        import bm25s
    except ImportError:
        raise MissingExtraError("WebShop searches with bm25s: pip install 'palaestra[web]'") from None
    return bm25s


class ProductIndex:
    """A BM25 index of products; ``search`` returns their positions, best first."""

    def __init__(self, products: Sequence[Product]):
        bm25s = _bm25s()
        tokens = [tokenize(product_text(p)) for p in products]
        self.size = len(tokens)
        self.model = bm25s.BM25()
        # an empty text would be dropped from bm25s' counts; a filler token keeps the positions
        self.model.index([words or ["\0"] for words in tokens], show_progress=False)
        self.vocabulary = self.model.vocab_dict

    def search(self, query: str, k: int = RESULTS) -> list[int]:
        """The positions of the (at most) ``k`` best-scoring products that share a word with ``query``."""
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
