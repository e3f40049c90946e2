"""``WebShop-Text-v0``: WebShop's shopping tasks on a generated catalogue, in WebShop's text format."""

from __future__ import annotations

import functools
from typing import Any

from palaestra.core import ActionError, TextEnv, cache, quote, resolve_preset
from palaestra.core.tools import parse_tool_call
from palaestra.envs.webshop import catalog, search
from palaestra.envs.webshop.catalog import CATALOG_SIZE, Goal, draw_goal, generated_catalog, is_test_product
from palaestra.envs.webshop.search import ProductIndex
from palaestra.envs.webshop.site import (
    BACK,
    BUY,
    DONE,
    ITEM,
    NEXT,
    PAGE_SIZE,
    PREV,
    SEARCH,
    Shop,
    Visit,
    text_of,
)

MAX_QUERY = 500  # characters of a search; longer text is no search anyone means
PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"products": 1_000, "attributes": 1, "options": 1},
    "medium": {"products": CATALOG_SIZE, "attributes": 2, "options": None},
    "hard": {"products": CATALOG_SIZE, "attributes": 3, "options": None},
}


@functools.lru_cache(maxsize=2)
def generated_shop(products: int) -> Shop:
    """The first ``products`` products of the generated catalogue with their search index (built
    once, then read from the caches)."""
    items = generated_catalog(products)
    key = cache.digest(catalog.code_key(), search.SOURCE)
    index = cache.cached(f"webshop-index-{products}-{key}.pkl", lambda: ProductIndex(items))
    return Shop(items, index)


@functools.lru_cache(maxsize=4)
def _targets(products: int, test: bool) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(generated_catalog(products)) if is_test_product(p.asin) == test)


class ShopEnv(TextEnv):
    """WebShop's pages and actions over a ``Shop``; a subclass says where goals come from (``_goal``)."""

    def __init__(self, **base: Any):
        super().__init__(**base)
        self.visit: Visit | None = None

    def _shop(self) -> Shop:
        raise NotImplementedError

    def _goal(self) -> Goal:
        raise NotImplementedError

    # -- world ----------------------------------------------------------------------------------
    def _new_episode(self, options: dict[str, Any]) -> None:
        self.visit = Visit(self._shop(), self._goal())

    def _parse(self, text: str) -> tuple[str, Any]:
        call = parse_tool_call(text)
        visit = self.visit
        if call is None or call[0] not in ("search", "click"):
            raise ActionError(f"write search[keywords] or click[element], not {quote(text)}")
        name, argument = call[0], " ".join(call[1].split())
        if name == "search":
            if not visit.has_search_box:
                raise ActionError("this page has no search box; click[back to search] first")
            if not argument:
                raise ActionError("search[...] needs keywords, such as search[red running shoes]")
            if len(argument) > MAX_QUERY:
                raise ActionError(f"a search is at most {MAX_QUERY} characters")
            return name, argument
        element = visit.clickables().get(argument.lower())
        if element is None:
            shown = ", ".join(visit.clickables()) or "nothing (search first)"
            raise ActionError(f"{quote(argument)} is not clickable on this page; you can click: {shown}")
        return name, element

    def _advance(self, action: tuple[str, Any]) -> tuple[float, bool]:
        name, argument = action
        if name == "search":
            self.visit.search(argument)
        else:
            self.visit.click(argument)
        if self.visit.page == DONE:
            return self.visit.outcome.reward, True
        return 0.0, False

    def _outcome(self) -> tuple[bool, float]:
        outcome = self.visit.outcome
        if outcome is None:
            return False, 0.0
        return abs(outcome.reward - 1.0) < 1e-9, outcome.reward

    def _state_bytes(self) -> bytes:
        return self.visit.state_bytes()

    def valid_actions(self) -> list[str]:
        actions = [f"click[{label}]" for label in self.visit.clickables()]
        return (["search[...]"] if self.visit.has_search_box else []) + actions

    def _extra_info(self) -> dict[str, Any]:
        return {"page": self.visit.page}

    def expert_action(self) -> str:
        """Search with the instruction's words (then with the target's name, if they miss it), page
        to the target, choose the goal's options, buy."""
        visit, goal = self.visit, self.visit.goal
        if visit.page == SEARCH:
            tried = goal.request in visit.searches
            return f"search[{goal.name if tried else goal.request}]"
        if visit.page == ITEM:
            if visit.sub_page is not None or visit.product.asin != goal.asin:
                return f"click[{PREV.lower()}]"
            clickables = visit.clickables()
            for value in goal.goal_options.values():
                if value not in visit.chosen.values() and value.lower() in clickables:
                    return f"click[{value.lower()}]"
            return f"click[{BUY.lower()}]"
        if visit.page != DONE:  # the results
            found = [p.asin for p in visit.results]
            if goal.asin not in found:
                return f"click[{BACK.lower()}]"
            page = found.index(goal.asin) // PAGE_SIZE + 1
            if page == visit.page_number:
                return f"click[{goal.asin.lower()}]"
            return f"click[{(NEXT if page > visit.page_number else PREV).lower()}]"
        raise RuntimeError("the episode is over")

    # -- language -------------------------------------------------------------------------------
    def _describe(self) -> str:
        return text_of(self.visit.elements())

    def _instructions(self) -> str:
        return (
            "You are shopping on WebShop, a web shop, for a customer. "
            f"The instruction: {self.visit.goal.instruction_text}\n"
            "Each observation is the page you see, its pieces joined with ' [SEP] '. Actions: "
            "search[keywords] on the search page (it shows 50 results, 10 a page); click[element] to "
            "click what a page shows: a result's id (such as b0abc12345), 'next >', '< prev', "
            "'back to search', an option value on an item page (such as a size or a color), "
            "'description', 'features', 'reviews', 'buy now'. info['valid_actions'] lists what you "
            "can click now ('search[...]' where there is a search box).\n"
            "Reward, when you click 'buy now': the share of the instruction's attributes, options and "
            "price limit that the product you buy meets, times how well its type matches what was "
            "asked (1 for the right type). Buying ends the episode; a reward of 1 is a success.\n"
            "Reply with exactly one action, for example: <action>search[red running shoes]</action>"
        )


class WebShopTextEnv(ShopEnv):
    """WebShop's shopping tasks on a generated catalogue of up to 10,000 products, in WebShop's text.

    The catalogue (``catalog.py``) holds products of 27 types in WebShop's five categories (fashion,
    beauty, electronics, furniture, grocery), each with a ``product_category`` path, a name, a
    description, features, attributes, options (size, color, scent, flavor...) and a price; it is
    seeded, so every machine has the same one, and cached on disk. Each episode's instruction is
    written about one product ("i need running shoes with non slip and breathable mesh, with
    color: black, and size: 9, and price lower than 60.00 dollars").

    Spaces: text (``UnicodeText``, the contract's bounds). Observation: the page in WebShop's text
    format, its visible pieces joined with `` [SEP] ``. Action: ``search[keywords]`` (where the page
    has a search box) or ``click[element]`` (what ``info["valid_actions"]`` lists); anything else is
    an invalid action. Reward: 0 until ``click[buy now]``, then WebShop's reward (``reward.py``),
    which ends the episode. Score: that reward; success: a reward of 1. Info: ``page`` (``search``,
    ``results``, ``item`` or ``done``). Splits: the test split's instructions are about products
    that train instructions never target (one in five).

    Difficulty: ``products`` (the catalogue's size: its first N products), ``attributes`` (how many
    attributes an instruction asks for) and ``options`` (how many of the product's options it names;
    ``None``: all). Presets: ``easy`` (1,000 products, 1 attribute, 1 option), ``medium`` (10,000, 2,
    all), ``hard`` (10,000, 3, all).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("WebShop-Text-v0")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>search[running shoes]</action>")
    """

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        products: int | None = None,
        attributes: int | None = None,
        options: int | None = None,
        **base: Any,
    ):
        self.settings = resolve_preset(
            PRESETS, difficulty, products=products, attributes=attributes, options=options
        )
        if not 1 <= self.settings["products"] <= CATALOG_SIZE:
            raise ValueError(f"products must be 1 to {CATALOG_SIZE}, got {self.settings['products']}")
        if self.settings["attributes"] < 1:
            raise ValueError(f"attributes must be at least 1, got {self.settings['attributes']}")
        if self.settings["options"] is not None and self.settings["options"] < 0:
            raise ValueError(f"options must be at least 0, got {self.settings['options']}")
        super().__init__(**base)

    def _shop(self) -> Shop:
        return generated_shop(self.settings["products"])

    def _goal(self) -> Goal:
        targets = _targets(self.settings["products"], self.split == "test")
        if not targets:
            raise ValueError(f"the first {self.settings['products']} products hold no {self.split} targets")
        product = self._shop().products[targets[int(self.np_random.integers(len(targets)))]]
        return draw_goal(self.np_random, product, self.settings["attributes"], self.settings["options"])
