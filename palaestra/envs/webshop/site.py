"""The shop's pages: one visit (``Visit``) walks WebShop's pages, each a list of ``Element``s that
``text_of`` joins with `` [SEP] `` (WebShop's text format) and the HTML server draws as a web page.

Pages and their clickables (WebShop's, lower-cased as its text env names them):

* search: the instruction and a search box (``search[keywords]``);
* results: ``back to search``, ``< prev`` (after page 1), ``next >`` (when more results follow), and
  each shown product's asin; 50 results, 10 a page;
* item: ``back to search``, ``< prev`` (to the results), every option value, ``description``,
  ``features``, ``reviews``, ``buy now``;
* description / features / reviews: ``back to search``, ``< prev`` (to the item);
* done: the reward of the purchase; nothing more to click.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from palaestra.envs.webshop.catalog import Goal, Product
from palaestra.envs.webshop.reward import RewardParts, purchase_reward
from palaestra.envs.webshop.search import RESULTS, ProductIndex

PAGE_SIZE = 10
SEP = " [SEP] "
SEARCH, RESULTS_PAGE, ITEM, DONE = "search", "results", "item", "done"
SUB_PAGES = ("Description", "Features", "Reviews")
BACK, PREV, NEXT, BUY = "Back to Search", "< Prev", "Next >", "Buy Now"


@dataclass(frozen=True)
class Element:
    """One visible piece of a page. ``role``: ``text``, ``search`` (the search box), ``button``,
    ``product`` (a result's asin link), ``option`` (an option value, in option group ``group``)."""

    role: str
    label: str
    group: str = ""
    selected: bool = False

    @property
    def clickable(self) -> bool:
        return self.role in ("button", "product", "option")


class Shop:
    """A catalogue with its search index."""

    def __init__(self, products: Sequence[Product], index: ProductIndex):
        self.products = products
        self.index = index
        self.by_asin = {p.asin: p for p in products}

    def search(self, keywords: str) -> list[Product]:
        return [self.products[i] for i in self.index.search(keywords, RESULTS)]


@dataclass
class Visit:
    """One shopper's visit: the page shown and what led there. ``click`` and ``search`` take what
    ``clickables()`` and ``has_search_box`` allow (the text layer checks that first)."""

    shop: Shop
    goal: Goal
    page: str = SEARCH
    keywords: str = ""
    results: list[Product] = field(default_factory=list)
    page_number: int = 1
    product: Product | None = None
    chosen: dict[str, str] = field(default_factory=dict)  # option name -> value
    sub_page: str | None = None  # "Description", "Features" or "Reviews" on a sub-page of the item
    searches: list[str] = field(default_factory=list)
    outcome: RewardParts | None = None

    # -- moves ----------------------------------------------------------------------------------
    @property
    def has_search_box(self) -> bool:
        return self.page == SEARCH

    def search(self, keywords: str) -> None:
        self.keywords = keywords
        self.searches.append(keywords)
        self.results = self.shop.search(keywords)
        self._show_results(1)

    def clickables(self) -> dict[str, Element]:
        """Lower-cased label -> element, in page order (a later option of the same value wins, as in
        WebShop)."""
        return {e.label.lower(): e for e in self.elements() if e.clickable}

    def click(self, element: Element) -> None:
        label = element.label
        if label == BACK:
            self.page, self.product, self.chosen, self.sub_page = SEARCH, None, {}, None
        elif label == NEXT:
            self._show_results(self.page_number + 1)
        elif label == PREV:
            if self.sub_page is not None:
                self.sub_page = None
            elif self.page == ITEM:
                self._show_results(self.page_number)
            else:
                self._show_results(self.page_number - 1)
        elif element.role == "product":
            self.page, self.product, self.chosen, self.sub_page = ITEM, self.shop.by_asin[label], {}, None
        elif element.role == "option":
            self.chosen[element.group] = label
        elif label in SUB_PAGES:
            self.sub_page = label
        elif label == BUY:
            self.outcome = purchase_reward(self.product, self.goal, self.chosen)
            self.page = DONE
        else:
            raise ValueError(f"nothing happens on clicking {label!r}")  # clickables() offers no such thing

    def _show_results(self, number: int) -> None:
        self.page, self.page_number, self.product, self.chosen, self.sub_page = (
            RESULTS_PAGE,
            number,
            None,
            {},
            None,
        )

    # -- what is seen ---------------------------------------------------------------------------
    def shown_results(self) -> list[Product]:
        start = (self.page_number - 1) * PAGE_SIZE
        return self.results[start : start + PAGE_SIZE]

    def elements(self) -> list[Element]:
        """The page, as WebShop's text env reads it, top to bottom."""
        if self.page == DONE:
            return self._done_page()
        head = [Element("text", "Instruction:"), Element("text", self.goal.instruction_text)]
        if self.page == SEARCH:
            return [Element("text", "WebShop"), *head, Element("search", "Search")]
        page = [*head, Element("button", BACK)]
        if self.page == RESULTS_PAGE:
            page.append(Element("text", f"Page {self.page_number} (Total results: {len(self.results)})"))
            if self.page_number > 1:
                page.append(Element("button", PREV))
            if self.page_number * PAGE_SIZE < len(self.results):
                page.append(Element("button", NEXT))
            for product in self.shown_results():
                page += [
                    Element("product", product.asin),
                    Element("text", product.name),
                    Element("text", product.price_text),
                ]
            return page
        product = self.product
        page.append(Element("button", PREV))
        if self.sub_page == "Description":
            return [*page, Element("text", product.description)]
        if self.sub_page == "Features":
            return [*page, *(Element("text", line) for line in product.features)]
        if self.sub_page == "Reviews":
            for score, title, body in product.reviews:
                page += [
                    Element("text", title),
                    Element("text", f"{score} out of 5 stars"),
                    Element("text", body),
                ]
            return page
        for name, values in product.options.items():
            page.append(Element("text", name))
            page += [Element("option", v, name, self.chosen.get(name) == v) for v in values]
        page += [
            Element("text", product.name),
            Element("text", f"Price: {product.price_text}"),
            Element("text", f"Rating: {product.rating}"),
            *(Element("button", name) for name in SUB_PAGES),
            Element("button", BUY),
        ]
        return page

    def _done_page(self) -> list[Element]:
        outcome = self.outcome
        return [
            Element("text", "Thank you for shopping with us!"),
            Element("text", "Purchased"),
            Element("text", f"asin: {self.product.asin}"),
            Element("text", f"options: {json.dumps(self.chosen)}"),
            Element("text", "Your score (min 0.0, max 1.0)"),
            Element("text", f"{outcome.reward:.4f}"),
        ]

    def state_bytes(self) -> bytes:
        return json.dumps(
            [
                self.goal.asin,
                self.goal.instruction_text,
                self.page,
                self.keywords,
                self.page_number,
                self.product.asin if self.product else None,
                sorted(self.chosen.items()),
                self.sub_page,
                [p.asin for p in self.results],
            ]
        ).encode()


def text_of(elements: Sequence[Element]) -> str:
    """WebShop's text observation: the visible texts joined with `` [SEP] ``; chosen options first,
    as its rich text mode says them ("You have clicked black.")."""
    said = [f"You have clicked {e.label}." for e in elements if e.role == "option" and e.selected]
    return SEP.join([*said, *(e.label for e in elements)])
