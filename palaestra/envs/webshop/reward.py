"""WebShop's reward for buying a product with some options, against a goal.

    r = r_type * (matched attributes + matched options + [price <= price_upper])
              / (|goal attributes| + |goal options| + 1)

* ``r_type`` (1, 0.5, 0.1 or 0) says whether the product is of the asked type: 1 when the query
  matches, or two ``product_category`` levels are shared, or over a fifth of the goal name's type
  words are in the product's name; 0.5 otherwise; 0.1 when under a tenth of those words are there,
  0 when none. WebShop takes the nouns of the names (spaCy's tagger); here the names' content words
  stand in (stop words, numbers and one-letter words dropped), so no language model is loaded.
* A goal attribute is matched by a product attribute at token-set ratio > 85 (rapidfuzz, on
  lower-cased words), or when it appears in the product's name, features or description.
* A goal option is matched by a chosen option value: exactly for sizes, at token-set ratio > 85
  otherwise. WebShop also credits a chosen value found anywhere in the product's text and counts
  chosen values, not goal options, which can push its reward over 1; here each goal option counts
  once, when a chosen value matches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from palaestra.core.errors import MissingExtraError
from palaestra.envs.webshop.catalog import PATH_SEPARATOR, Goal, Product

FUZZY_THRESHOLD = 85  # WebShop's: a token-set ratio above this is a match
EXACT_OPTIONS = ("size",)  # option names whose values must match exactly
_WORD = re.compile(r"[a-z]+")
_NOT_TYPE_WORDS = frozenset(
    "a an and as at by for from in of on or the to with without new set pack size inch ounce oz "
    "count piece pcs men women mens womens kids".split()
)


def _fuzz():
    try:
        from rapidfuzz import fuzz, utils
    except ImportError:
        raise MissingExtraError(
            "WebShop's reward matches text with rapidfuzz: pip install 'palaestra[web]'"
        ) from None
    return fuzz, utils.default_process


def fuzzy_match(a: str, b: str) -> bool:
    """WebShop's fuzzy match: token-set ratio over 85, on lower-cased words without punctuation."""
    fuzz, process = _fuzz()
    return fuzz.token_set_ratio(a, b, processor=process) > FUZZY_THRESHOLD


def type_words(name: str) -> set[str]:
    return {w for w in _WORD.findall(name.lower()) if len(w) > 1 and w not in _NOT_TYPE_WORDS}


@dataclass(frozen=True)
class RewardParts:
    reward: float
    r_type: float
    attributes_matched: int
    options_matched: int
    price_ok: bool


def type_reward(product: Product, goal: Goal) -> float:
    query_match = product.query.strip().lower() == goal.query.strip().lower()
    bought_path = {part.strip() for part in product.product_category.split(PATH_SEPARATOR.strip())}
    goal_path = {part.strip() for part in goal.product_category.split(PATH_SEPARATOR.strip())}
    category_match = len((bought_path & goal_path) - {""}) >= 2
    wanted = type_words(goal.name)
    title_score = len(type_words(product.name) & wanted) / len(wanted) if wanted else 0.2
    r_type = 1.0 if query_match or category_match or title_score > 0.2 else 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return r_type


def attribute_matches(product: Product, goal: Goal) -> int:
    text = " ".join((product.name, *product.features, product.description)).lower()
    return sum(
        1
        for wanted in goal.attributes
        if any(fuzzy_match(have, wanted) for have in product.attributes) or wanted.lower() in text
    )


def option_matches(goal: Goal, chosen: dict[str, str]) -> int:
    found = 0
    for wanted in goal.goal_options.values():
        for name, value in chosen.items():
            exact = name.lower() in EXACT_OPTIONS
            if (value.lower() == wanted.lower()) if exact else fuzzy_match(value, wanted):
                found += 1
                break
    return found


def purchase_reward(product: Product, goal: Goal, chosen: dict[str, str]) -> RewardParts:
    """The reward of buying ``product`` with options ``chosen`` (option name -> value) for ``goal``."""
    r_type = type_reward(product, goal)
    attributes = attribute_matches(product, goal)
    options = option_matches(goal, chosen)
    price_ok = product.price <= goal.price_upper
    total = (attributes + options + int(price_ok)) / (len(goal.attributes) + len(goal.goal_options) + 1)
    return RewardParts(r_type * total, r_type, attributes, options, price_ok)
