"""Products and goals: WebShop's shapes, and a generated catalogue with instructions about it.

A ``Product`` holds what WebShop's pages show and its reward reads (name, ``product_category`` path,
query, description, features, attributes, options, price); a ``Goal`` what its instructions ask
(the target's attributes and options, a price ceiling). ``generated_catalog(n)`` is a fixed catalogue
of ``n`` products (the first ``n`` of one seeded catalogue, so smaller ones are slices of larger
ones), built once and then read from the disk cache; ``draw_goal`` writes an instruction about one
of its products.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from palaestra.core import cache

CATALOG_SIZE = 10_000  # products in the full generated catalogue
CATALOG_SEED = 0
PATH_SEPARATOR = " › "  # WebShop's product_category separator
PRICE_STEPS = [10.0 * i for i in range(1, 100)]  # the price ceilings WebShop draws from
_FORMAT = "1"  # bump when what is cached changes shape


@dataclass(frozen=True)
class Product:
    asin: str  # upper case, as WebShop stores it
    name: str
    category: str  # WebShop's top-level category (fashion, beauty, ...)
    query: str  # the product type searched for when it was collected
    product_category: str  # the " › " path
    description: str
    features: tuple[str, ...]  # WebShop's bullet points
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]]  # option name (lower case) -> values (lower case)
    price: float  # what buying costs (the reward's price)
    price_text: str  # what the pages show ("$12.99", or "$12.99 to $15.99")
    rating: str = "N.A."
    reviews: tuple[tuple[str, str, str], ...] = field(default=())  # (score, title, body)


@dataclass(frozen=True)
class Goal:
    """What an instruction asks for (WebShop's goal dict)."""

    asin: str  # the product it was written about
    category: str
    query: str
    name: str
    product_category: str
    instruction_text: str
    attributes: tuple[str, ...]
    price_upper: float
    goal_options: dict[str, str]  # option name -> value (a human goal's unnamed values: "option 1", ...)
    weight: float = 1.0

    @property
    def request(self) -> str:
        """The instruction without its price clause: what a shopper types into the search box."""
        return self.instruction_text.split(PRICE_CLAUSE_START)[0]


@dataclass(frozen=True)
class ProductType:
    noun: str  # what it is, as words ("running shoes")
    path: tuple[str, ...]  # product_category path below the category
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]]
    price: tuple[float, float]


COLORS = (
    "black", "white", "navy blue", "red", "grey", "beige", "olive green", "pink", "brown", "light blue",
    "burgundy", "purple", "mustard yellow", "teal", "charcoal",
)  # fmt: skip
CLOTHING_SIZES = ("x-small", "small", "medium", "large", "x-large", "xx-large")
SHOE_SIZES = ("6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12")

# category -> product types. Attribute pools overlap within a category, as real listings do.
TAXONOMY: dict[str, tuple[ProductType, ...]] = {
    "fashion": (
        ProductType(
            "running shoes", ("Clothing, Shoes & Jewelry", "Men", "Shoes", "Athletic"),
            ("non slip", "breathable mesh", "lightweight", "rubber sole", "arch support", "memory foam",
             "shock absorbing", "lace up", "machine washable", "wide toe box"),
            {"color": COLORS, "size": SHOE_SIZES}, (25, 120),
        ),
        ProductType(
            "ankle boots", ("Clothing, Shoes & Jewelry", "Women", "Shoes", "Boots"),
            ("faux leather", "side zipper", "chunky heel", "water resistant", "rubber sole", "pointed toe",
             "memory foam", "non slip", "faux fur lining", "block heel"),
            {"color": COLORS, "size": SHOE_SIZES}, (30, 140),
        ),
        ProductType(
            "hoodie", ("Clothing, Shoes & Jewelry", "Men", "Clothing", "Fashion Hoodies & Sweatshirts"),
            ("fleece lined", "cotton blend", "machine washable", "kangaroo pocket", "relaxed fit",
             "drawstring hood", "long sleeve", "moisture wicking", "zip up", "brushed interior"),
            {"color": COLORS, "size": CLOTHING_SIZES}, (18, 70),
        ),
        ProductType(
            "yoga pants", ("Clothing, Shoes & Jewelry", "Women", "Clothing", "Active", "Leggings"),
            ("high waist", "tummy control", "moisture wicking", "four way stretch", "squat proof",
             "side pockets", "butt lifting", "machine washable", "quick drying", "elastic waistband"),
            {"color": COLORS, "size": CLOTHING_SIZES}, (15, 60),
        ),
        ProductType(
            "dress shirt", ("Clothing, Shoes & Jewelry", "Men", "Clothing", "Shirts", "Dress Shirts"),
            ("slim fit", "wrinkle free", "button down", "long sleeve", "cotton blend", "regular fit",
             "easy care", "machine washable", "spread collar", "stretch fabric"),
            {"color": COLORS, "size": CLOTHING_SIZES}, (20, 80),
        ),
        ProductType(
            "swimsuit", ("Clothing, Shoes & Jewelry", "Women", "Clothing", "Swimsuits & Cover Ups"),
            ("tummy control", "high waist", "quick drying", "removable padding", "adjustable straps",
             "chlorine resistant", "push up", "ruched", "v neck", "full coverage"),
            {"color": COLORS, "size": CLOTHING_SIZES}, (18, 65),
        ),
    ),
    "beauty": (
        ProductType(
            "face moisturizer", ("Beauty & Personal Care", "Skin Care", "Face", "Creams & Moisturizers"),
            ("hyaluronic acid", "fragrance free", "sensitive skin", "oil free", "non comedogenic",
             "long lasting", "cruelty free", "paraben free", "anti aging", "natural ingredients"),
            {"size": ("1.7 ounce", "2 ounce", "3.4 ounce", "pack of 2"),
             "scent": ("unscented", "lavender", "rose", "cucumber", "green tea")}, (9, 60),
        ),
        ProductType(
            "hair extensions", ("Beauty & Personal Care", "Hair Care", "Hair Extensions, Wigs & Accessories"),
            ("natural looking", "clip in", "heat resistant", "synthetic hair", "long lasting", "easy to use",
             "straight", "wavy", "double weft", "tangle free"),
            {"color": ("jet black", "dark brown", "chestnut brown", "honey blonde", "platinum blonde",
                       "auburn", "ombre brown"),
             "size": ("14 inch", "16 inch", "18 inch", "20 inch", "22 inch")}, (15, 90),
        ),
        ProductType(
            "lipstick", ("Beauty & Personal Care", "Makeup", "Lips", "Lipstick"),
            ("long lasting", "matte finish", "cruelty free", "moisturizing", "waterproof", "paraben free",
             "highly pigmented", "vegan", "transfer proof", "natural ingredients"),
            {"color": ("nude", "ruby red", "berry", "coral", "mauve", "plum", "pink nude", "brick red")},
            (6, 35),
        ),
        ProductType(
            "shampoo", ("Beauty & Personal Care", "Hair Care", "Shampoo & Conditioner", "Shampoos"),
            ("sulfate free", "paraben free", "dry hair", "color safe", "natural ingredients", "argan oil",
             "dandruff", "cruelty free", "hair growth", "tea tree"),
            {"size": ("8 fl oz", "12 fl oz", "16.9 fl oz", "33.8 fl oz"),
             "scent": ("coconut", "mint", "lavender", "unscented", "citrus", "tea tree")}, (7, 45),
        ),
        ProductType(
            "deodorant", ("Beauty & Personal Care", "Personal Care", "Deodorants & Antiperspirants"),
            ("aluminum free", "sensitive skin", "long lasting", "natural ingredients", "cruelty free",
             "paraben free", "travel size", "baking soda free", "vegan", "clinically tested"),
            {"scent": ("bright citrus", "lavender", "unscented", "cedarwood", "coconut", "eucalyptus"),
             "size": ("2.65 ounce", "3 ounce", "pack of 2", "pack of 3")}, (5, 30),
        ),
    ),
    "electronics": (
        ProductType(
            "wireless earbuds", ("Electronics", "Headphones, Earbuds & Accessories", "Earbuds"),
            ("noise cancelling", "bluetooth 5.3", "long battery life", "water resistant", "charging case",
             "touch control", "built in microphone", "fast charging", "hands free", "stereo sound"),
            {"color": ("black", "white", "navy blue", "rose gold", "silver")}, (20, 150),
        ),
        ProductType(
            "phone case", ("Cell Phones & Accessories", "Cases, Holsters & Sleeves", "Basic Cases"),
            ("shockproof", "slim fit", "wireless charging compatible", "raised edges", "clear back",
             "anti scratch", "kickstand", "drop protection", "card holder", "military grade"),
            {"color": COLORS, "style": ("iphone 13", "iphone 14", "iphone 15", "galaxy s23", "pixel 8")},
            (8, 40),
        ),
        ProductType(
            "usb c cable", ("Electronics", "Computers & Accessories", "Cables", "USB Cables"),
            ("fast charging", "braided nylon", "high speed", "data transfer", "durable", "tangle free",
             "aluminum connector", "pack of 3", "universal compatibility", "power delivery"),
            {"size": ("3 feet", "6 feet", "10 feet"), "color": ("black", "white", "grey", "red")}, (6, 30),
        ),
        ProductType(
            "bluetooth speaker", ("Electronics", "Portable Audio & Video", "Portable Speakers & Docks"),
            ("waterproof", "long battery life", "stereo sound", "deep bass", "built in microphone",
             "portable", "wireless charging", "outdoor", "hands free", "bluetooth 5.3"),
            {"color": ("black", "blue", "red", "grey", "green", "teal")}, (25, 200),
        ),
        ProductType(
            "computer mouse", ("Electronics", "Computers & Accessories", "Computer Accessories", "Mice"),
            ("wireless", "ergonomic design", "silent click", "rechargeable", "adjustable dpi",
             "plug and play", "usb receiver", "long battery life", "bluetooth 5.3", "lightweight"),
            {"color": ("black", "white", "grey", "pink", "blue")}, (10, 80),
        ),
        ProductType(
            "hdmi cable", ("Electronics", "Television & Video", "Accessories", "Cables", "HDMI Cables"),
            ("high speed", "4k", "gold plated", "braided nylon", "durable", "ethernet", "8k",
             "easy to install", "dolby vision", "universal compatibility"),
            {"size": ("3 feet", "6 feet", "10 feet", "15 feet")}, (6, 35),
        ),
    ),
    "furniture": (
        ProductType(
            "office chair", ("Home & Kitchen", "Furniture", "Home Office Furniture", "Home Office Chairs"),
            ("lumbar support", "adjustable height", "ergonomic design", "easy assembly", "breathable mesh",
             "swivel", "padded armrests", "high back", "heavy duty", "living room"),
            {"color": ("black", "grey", "white", "blue", "pink")}, (60, 300),
        ),
        ProductType(
            "bookshelf", ("Home & Kitchen", "Furniture", "Living Room Furniture", "Bookcases"),
            ("easy assembly", "solid wood", "space saving", "heavy duty", "living room", "industrial style",
             "storage space", "engineered wood", "metal frame", "mid century"),
            {"color": ("rustic brown", "black", "white", "espresso", "natural oak"),
             "size": ("3 tier", "4 tier", "5 tier")}, (40, 250),
        ),
        ProductType(
            "throw pillow covers", ("Home & Kitchen", "Home Décor Products", "Decorative Pillows"),
            ("machine washable", "hidden zipper", "living room", "soft velvet", "farmhouse", "pack of 2",
             "easy care", "double sided", "linen blend", "boho style"),
            {"color": COLORS, "size": ("16 x 16 inch", "18 x 18 inch", "20 x 20 inch")}, (10, 40),
        ),
        ProductType(
            "nightstand", ("Home & Kitchen", "Furniture", "Bedroom Furniture", "Nightstands"),
            ("storage space", "easy assembly", "solid wood", "charging station", "mid century", "drawer",
             "living room", "space saving", "metal frame", "engineered wood"),
            {"color": ("rustic brown", "black", "white", "grey", "natural oak")}, (35, 180),
        ),
        ProductType(
            "floor lamp", ("Home & Kitchen", "Lighting", "Floor Lamps"),
            ("dimmable", "living room", "easy assembly", "remote control", "modern style", "led bulb",
             "energy saving", "metal frame", "adjustable height", "foot switch"),
            {"color": ("black", "white", "gold", "bronze", "silver")}, (30, 160),
        ),
    ),
    "grocery": (
        ProductType(
            "coffee beans", ("Grocery & Gourmet Food", "Beverages", "Coffee, Tea & Cocoa", "Coffee"),
            ("whole bean", "dark roast", "medium roast", "organic", "fair trade", "single origin",
             "low acid", "non gmo", "small batch", "kosher"),
            {"size": ("12 ounce", "2 pound", "5 pound"),
             "flavor name": ("colombian", "french roast", "espresso", "breakfast blend", "hazelnut")},
            (9, 55),
        ),
        ProductType(
            "protein bars", ("Grocery & Gourmet Food", "Snack Foods", "Bars", "Protein Bars"),
            ("gluten free", "high protein", "low sugar", "non gmo", "keto friendly", "plant based",
             "individually wrapped", "low carb", "soy free", "kosher"),
            {"flavor name": ("chocolate chip", "peanut butter", "cookies and cream", "salted caramel",
                             "birthday cake"),
             "size": ("pack of 12", "pack of 24", "pack of 6")}, (12, 50),
        ),
        ProductType(
            "green tea", ("Grocery & Gourmet Food", "Beverages", "Coffee, Tea & Cocoa", "Tea", "Green"),
            ("organic", "caffeine free", "individually wrapped", "non gmo", "natural ingredients",
             "loose leaf", "sugar free", "kosher", "gluten free", "antioxidant rich"),
            {"flavor name": ("jasmine", "matcha", "mint", "lemon", "original"),
             "size": ("20 count", "50 count", "100 count")}, (5, 35),
        ),
        ProductType(
            "olive oil", ("Grocery & Gourmet Food", "Pantry Staples", "Cooking Oils", "Olive"),
            ("extra virgin", "cold pressed", "organic", "non gmo", "first cold pressed", "kosher",
             "gluten free", "single origin", "glass bottle", "natural ingredients"),
            {"size": ("16.9 fl oz", "25.3 fl oz", "33.8 fl oz", "pack of 2")}, (8, 45),
        ),
        ProductType(
            "trail mix", ("Grocery & Gourmet Food", "Snack Foods", "Trail Mix"),
            ("gluten free", "non gmo", "individually wrapped", "high protein", "resealable bag",
             "no artificial flavors", "kosher", "low sodium", "plant based", "keto friendly"),
            {"flavor name": ("classic", "tropical", "dark chocolate", "honey roasted", "spicy"),
             "size": ("pack of 6", "pack of 12", "2 pound")}, (6, 40),
        ),
    ),
}  # fmt: skip

_SYLLABLES = ("ka", "lo", "vi", "ra", "ne", "so", "tu", "mi", "za", "pe", "do", "lu", "ri", "ve", "xo", "ba")
_ASIN_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAGLINES = (
    "for men and women", "for everyday use", "gift idea", "premium quality", "new version", "2024 model",
    "great for travel", "value pack", "best seller", "limited edition",
)  # fmt: skip
_REVIEW_TITLES = ("Great value", "Works as described", "Not bad", "Love it", "Could be better")
_REVIEW_BODIES = (
    "Exactly what I was looking for and it arrived quickly.",
    "The quality is fine for the price, though the packaging was damaged.",
    "I bought a second one for my sister.",
    "It does the job but I expected a little more.",
    "Comfortable and well made; I would buy it again.",
)  # fmt: skip


def _brand(rng: np.random.Generator) -> str:
    return "".join(_SYLLABLES[int(i)] for i in rng.integers(len(_SYLLABLES), size=int(rng.integers(2, 4))))


def _product(rng: np.random.Generator, asin: str, category: str, kind: ProductType) -> Product:
    attributes = tuple(
        str(a) for a in rng.choice(kind.attributes, size=int(rng.integers(3, 6)), replace=False)
    )
    options = {}
    for name, values in kind.options.items():
        count = int(rng.integers(min(2, len(values)), len(values) + 1))
        picked = sorted(rng.choice(len(values), size=count, replace=False))
        options[name] = tuple(values[int(i)] for i in picked)
    low, high = kind.price
    price = round(float(np.floor(rng.uniform(low, high))) + 0.99, 2)
    brand = _brand(rng).capitalize()
    shown = [a.title() for a in attributes[:2]]
    name = f"{brand} {' '.join(shown)} {kind.noun.title()}, {_TAGLINES[int(rng.integers(len(_TAGLINES)))]}"
    features = tuple(f"{a.capitalize()}: {_feature_sentence(a, kind.noun)}" for a in attributes)
    description = (
        f"The {brand} {kind.noun} is {', '.join(attributes[:-1])} and {attributes[-1]}. "
        f"Available in {len(next(iter(options.values())))} {next(iter(options))} choices. "
        f"{_REVIEW_BODIES[int(rng.integers(len(_REVIEW_BODIES)))]}"
    )
    reviews = tuple(
        (
            str(int(rng.integers(2, 6))),
            _REVIEW_TITLES[int(rng.integers(len(_REVIEW_TITLES)))],
            _REVIEW_BODIES[int(rng.integers(len(_REVIEW_BODIES)))],
        )
        for _ in range(int(rng.integers(0, 3)))
    )
    rating = f"{rng.uniform(3.0, 5.0):.1f}" if reviews else "N.A."
    return Product(
        asin=asin,
        name=name,
        category=category,
        query=kind.noun,
        product_category=PATH_SEPARATOR.join(kind.path),
        description=description,
        features=features,
        attributes=attributes,
        options=options,
        price=price,
        price_text=f"${price:.2f}",
        rating=rating,
        reviews=reviews,
    )


def _feature_sentence(attribute: str, noun: str) -> str:
    return f"this {noun} is {attribute}, as the listing promises."


def _build_catalog(size: int) -> tuple[Product, ...]:
    rng = np.random.default_rng(CATALOG_SEED)
    kinds = [(category, kind) for category, kinds in TAXONOMY.items() for kind in kinds]
    asins: set[str] = set()
    products = []
    while len(products) < size:
        asin = "B0" + "".join(_ASIN_CHARACTERS[int(i)] for i in rng.integers(36, size=8))
        if asin in asins:
            continue
        asins.add(asin)
        category, kind = kinds[int(rng.integers(len(kinds)))]
        products.append(_product(rng, asin, category, kind))
    return tuple(products)


def code_key() -> str:
    """A key of this module's source, so an edit of the generator invalidates cached catalogues."""
    return cache.digest(_FORMAT, Path(__file__).read_bytes())


@functools.lru_cache(maxsize=2)
def generated_catalog(size: int = CATALOG_SIZE) -> tuple[Product, ...]:
    """The first ``size`` products of the seeded catalogue (built once, then read from the caches)."""
    if not 1 <= size <= CATALOG_SIZE:
        raise ValueError(f"the generated catalogue holds 1 to {CATALOG_SIZE} products, not {size}")
    full = cache.cached(
        f"webshop-catalog-{CATALOG_SIZE}-{code_key()}.pkl", lambda: _build_catalog(CATALOG_SIZE)
    )
    return full[:size]


def is_test_product(asin: str) -> bool:
    """Whether goals about this product belong to the test split (about one product in five)."""
    return hashlib.blake2b(asin.encode(), digest_size=2).digest()[0] % 5 == 0


def price_ceiling(rng: np.random.Generator, price: float) -> float | None:
    """WebShop's draw: the larger of two of the first four multiples of $10 above ``price``, or
    ``None`` (no price clause) where fewer than two are left."""
    steps = [p for p in PRICE_STEPS if p > price][:4]
    if len(steps) < 2:
        return None
    return float(max(rng.choice(steps, size=2, replace=False)))


PRICE_CLAUSE_START = ", and price lower than "


def price_clause(price_upper: float | None) -> str:
    return "" if price_upper is None else f"{PRICE_CLAUSE_START}{price_upper:.2f} dollars"


def _with_article(noun: str) -> str:
    """``running shoes``, ``a phone case``, ``an office chair``."""
    if noun.endswith("s"):
        return noun
    return f"{'an' if noun[0] in 'aeio' else 'a'} {noun}"


_OPENINGS = ("i need", "i am looking for", "i want to buy", "find me", "i would like")


def draw_goal(rng: np.random.Generator, product: Product, attributes: int, options: int | None) -> Goal:
    """An instruction about ``product``: ``attributes`` of its attributes and ``options`` of its option
    names (all with ``None``), each with one of its values, and a price ceiling above its price."""
    named = tuple(
        str(a)
        for a in rng.choice(product.attributes, size=min(attributes, len(product.attributes)), replace=False)
    )
    names = list(product.options)
    count = len(names) if options is None else min(options, len(names))
    chosen = sorted(int(i) for i in rng.choice(len(names), size=count, replace=False))
    goal_options = {
        names[i]: product.options[names[i]][int(rng.integers(len(product.options[names[i]])))] for i in chosen
    }
    opening = _OPENINGS[int(rng.integers(len(_OPENINGS)))]
    text = f"{opening} {_with_article(product.query)} with {' and '.join(named)}"
    if goal_options:
        text += ", with " + ", and ".join(f"{name}: {value}" for name, value in goal_options.items())
    upper = price_ceiling(rng, product.price)
    return Goal(
        asin=product.asin,
        category=product.category,
        query=product.query,
        name=product.name,
        product_category=product.product_category,
        instruction_text=text + price_clause(upper),
        attributes=named,
        price_upper=1_000_000.0 if upper is None else upper,
        goal_options=goal_options,
    )
