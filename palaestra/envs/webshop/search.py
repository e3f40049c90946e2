"""BM25 search over products (``bm25s``): WebShop's search box, 50 results in a fixed order.

Each product is indexed by its name, features, description, attributes and option values; text is
lower-cased and split into words, English stop words dropped. Ranking: ``palaestra.core.bm25`` (ties
broken by catalogue order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from palaestra.core import bm25
from palaestra.core.bm25 import BM25Index
from palaestra.envs.webshop.catalog import Product

RESULTS = 50  # WebShop's search returns 50 products
SOURCE = Path(__file__).read_bytes() + bm25.SOURCE  # what a built index depends on: cache keys hold it
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


class ProductIndex(BM25Index):
    """A BM25 index of products; ``search`` returns their positions, best first."""

    def __init__(self, products: Sequence[Product]):
        documents = (tokenize(product_text(p)) for p in products)
        super().__init__(documents, tokenize, "pip install 'palaestra[web]'")

    def search(self, query: str, k: int = RESULTS) -> list[int]:
        return super().search(query, k)
