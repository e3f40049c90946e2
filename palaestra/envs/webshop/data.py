"""``WebShop-v0``: WebShop's own products and instructions, read from its data files.

The folder (``data_path=``, else ``$PALAESTRA_WEBSHOP_DIR``) holds WebShop's files:

* ``items_shuffle_1000.json`` or ``items_shuffle.json``: a JSON list of products ``{asin, name,
  full_description, small_description (a list or a string), pricing ("$x", or "$x$y" for a range),
  customization_options ({option: [{value, image}]} or null), images, category, query,
  product_category (a " › " path)}``;
* ``items_ins_v2_1000.json`` or ``items_ins_v2.json``: asin -> ``{attributes, instruction,
  instruction_attributes}``;
* ``items_human_ins.json`` (human goals): asin -> a list of ``{instruction, instruction_attributes,
  instruction_options}``.

Products are read as WebShop reads them (option names and values lower-cased, ``/`` in a value
shown as `` | ``, products without attributes given ``DUMMY_ATTR``; duplicate and malformed asins
skipped). Goals are WebShop's: human goals by default (instructions without attributes skipped), or
``goals="synthetic"`` (each ``instruction`` with every combination of the product's options);
WebShop's fixed shuffle (``random.seed(233)``) orders them, and task id ``"i"`` is goal ``i``, the
one WebShop's session ``fixed_i`` plays: ``test`` holds goals 0-499, ``eval`` 500-1499, ``train``
the rest. The price ceiling is WebShop's draw (the larger of two of the first four multiples of $10
above the price), seeded by the goal; a product with a price range costs its lower price.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.core import cache
from palaestra.core.datasets import data_folder
from palaestra.core.errors import UsageError
from palaestra.envs.webshop import search
from palaestra.envs.webshop.catalog import Goal, Product, code_key, price_ceiling, price_clause
from palaestra.envs.webshop.env import ShopEnv
from palaestra.envs.webshop.search import ProductIndex
from palaestra.envs.webshop.site import Shop

WEBSHOP_VARIABLE = "PALAESTRA_WEBSHOP_DIR"
PRODUCT_FILES = ("items_shuffle_1000.json", "items_shuffle.json")
ATTRIBUTE_FILES = ("items_ins_v2_1000.json", "items_ins_v2.json")
HUMAN_GOALS_FILE = "items_human_ins.json"
SPLIT_BOUNDS = {"test": (0, 500), "eval": (500, 1500), "train": (1500, None)}  # WebShop's goal ranges
SHUFFLE_SEED = 233
HOW = (
    "download WebShop's data (items_shuffle_1000.json, items_ins_v2_1000.json, items_human_ins.json; "
    "see github.com/princeton-nlp/WebShop, setup.sh) into one folder"
)


def _one_of(folder: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise UsageError(f"WebShop-v0: {folder} has none of {', '.join(names)} ({HOW})")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read WebShop's {path.name}: {error}") from None


def _prices(pricing: Any) -> list[float]:
    """WebShop's reading of a ``pricing`` string: every ``$`` amount in it (at most two)."""
    if not pricing or not isinstance(pricing, str):
        return [100.0]
    amounts = []
    for part in pricing.split("$")[1:]:
        digits = re.sub(r"[^\d.]", "", part)
        try:
            amounts.append(float(digits))
        except ValueError:
            continue
    return amounts[:2] or [100.0]


def read_products(path: Path, attributes: dict[str, Any]) -> list[Product]:
    items = _read_json(path)
    if not isinstance(items, list):
        raise UsageError(f"{path}: WebShop's products file is a JSON list of products")
    products, seen = [], set()
    for number, item in enumerate(items):
        try:
            asin = str(item["asin"])
            if asin == "nan" or len(asin) > 10 or asin in seen:
                continue
            seen.add(asin)
            options = {}
            for name, contents in (item.get("customization_options") or {}).items():
                if contents:
                    options[name.lower()] = tuple(
                        str(c["value"]).strip().replace("/", " | ").lower() for c in contents
                    )
            prices = _prices(item.get("pricing"))
            shown = " to ".join(f"${p}" for p in prices)
            small = item.get("small_description") or []
            products.append(
                Product(
                    asin=asin,
                    name=str(item["name"]),
                    category=str(item.get("category", "")),
                    query=str(item.get("query", "")).lower().strip(),
                    product_category=str(item.get("product_category", "")),
                    description=str(item.get("full_description") or ""),
                    features=tuple(str(s) for s in small) if isinstance(small, list) else (str(small),),
                    attributes=tuple(attributes.get(asin, {}).get("attributes") or ["DUMMY_ATTR"]),
                    options=options,
                    price=prices[0],
                    price_text=shown,
                )
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise UsageError(
                f"{path}: product {number} is malformed ({type(error).__name__}: {error})"
            ) from None
    return products


def _goal(product: Product, rng: np.random.Generator, text: str, attributes, options: dict[str, str]) -> Goal:
    upper = price_ceiling(rng, product.price)
    return Goal(
        asin=product.asin,
        category=product.category,
        query=product.query,
        name=product.name,
        product_category=product.product_category,
        instruction_text=text + price_clause(upper),
        attributes=tuple(str(a) for a in attributes),
        price_upper=1_000_000.0 if upper is None else upper,
        goal_options=options,
    )


def _goal_random(asin: str, number: int) -> np.random.Generator:
    return np.random.default_rng(list(f"{asin}:{number}".encode()))


def human_goals(products: list[Product], human: dict[str, Any]) -> list[Goal]:
    goals = []
    for product in products:
        for number, entry in enumerate(human.get(product.asin) or []):
            attributes = entry.get("instruction_attributes") or []
            if not attributes:
                continue
            named = {}
            for i, value in enumerate(entry.get("instruction_options") or []):
                value = str(value)
                owner = next((n for n, vs in product.options.items() if value.lower() in vs), None)
                named[owner if owner and owner not in named else f"option {i + 1}"] = value
            text = str(entry["instruction"]).strip(".")
            goals.append(_goal(product, _goal_random(product.asin, number), text, attributes, named))
    return goals


def synthetic_goals(products: list[Product], attributes: dict[str, Any]) -> list[Goal]:
    goals = []
    for product in products:
        entry = attributes.get(product.asin) or {}
        if not entry.get("instruction") or not entry.get("instruction_attributes"):
            continue
        names = sorted(product.options)
        for number, values in enumerate(itertools.product(*(product.options[n] for n in names))):
            chosen = dict(zip(names, values))
            said = ", and ".join(f"{k}: {v}" for k, v in chosen.items())
            text = str(entry["instruction"]) + (f" with {said}" if said else "")
            goals.append(
                _goal(
                    product, _goal_random(product.asin, number), text, entry["instruction_attributes"], chosen
                )
            )
    return goals


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def load_webshop(folder: Path, goals: str) -> tuple[Shop, tuple[Goal, ...]]:
    """WebShop's products (with their search index) and goals in WebShop's order, read once, then
    from the caches (which a change of a file invalidates)."""
    files = [_one_of(folder, PRODUCT_FILES), _one_of(folder, ATTRIBUTE_FILES)]
    if goals == "human":
        files.append(_one_of(folder, (HUMAN_GOALS_FILE,)))
    return _load(goals, tuple(files), tuple(map(_file_key, files)))


@functools.lru_cache(maxsize=4)
def _load(goals: str, files: tuple[Path, ...], keys: tuple[str, ...]) -> tuple[Shop, tuple[Goal, ...]]:
    product_file, attribute_file = files[:2]

    def build() -> tuple[list[Product], list[Goal], ProductIndex]:
        attributes = _read_json(attribute_file)
        if not isinstance(attributes, dict):
            raise UsageError(f"{attribute_file}: WebShop's attributes file maps asins to attributes")
        products = read_products(product_file, attributes)
        if goals == "human":
            human = _read_json(files[2])
            if not isinstance(human, dict):
                raise UsageError(f"{files[2]}: WebShop's human goals file maps asins to instructions")
            found = human_goals(products, human)
        else:
            found = synthetic_goals(products, attributes)
        random.Random(SHUFFLE_SEED).shuffle(found)  # WebShop's fixed goal order
        return products, found, ProductIndex(products)

    key = cache.digest(code_key(), Path(__file__).read_bytes(), search.SOURCE, goals, *keys)
    products, found, index = cache.cached(f"webshop-data-{key}.pkl", build)
    return Shop(products, index), tuple(found)


class WebShopEnv(ShopEnv):
    """WebShop's tasks on its own products and instructions, in its text format (see ``data.py``).

    Everything a ``WebShop-Text-v0`` episode is (pages, actions, reward, expert), over WebShop's
    released data: ``task_id`` picks a goal (``"0"`` to ``"499"`` are WebShop's test goals);
    ``goals="human"`` (the default) or ``"synthetic"``; ``data_path`` names the folder of its files.
    Splits: ``train``, ``eval``, ``test``.
    """

    splits = ("train", "eval", "test")

    def __init__(self, *, data_path: str | os.PathLike | None = None, goals: str = "human", **base: Any):
        if goals not in ("human", "synthetic"):
            raise ValueError(f"goals must be 'human' or 'synthetic', got {goals!r}")
        super().__init__(**base)
        folder = data_folder(data_path, WEBSHOP_VARIABLE, "WebShop-v0", HOW)
        self.shop, self.goals = load_webshop(folder, goals)
        start, end = SPLIT_BOUNDS[self.split]
        self._task_ids = tuple(str(i) for i in range(len(self.goals))[start:end])

    def task_ids(self) -> tuple[str, ...]:
        return self._task_ids

    def _shop(self) -> Shop:
        return self.shop

    def _goal(self) -> Goal:
        return self.goals[int(self.task_id)]
