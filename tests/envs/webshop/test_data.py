"""WebShop-v0 on small files written in WebShop's own formats: how products and goals are read, the
goal order and splits, task ids, the expert, the conformance checks, and the errors without data."""

import json
import random

import gymnasium as gym
import pytest

pytest.importorskip("rapidfuzz")
pytest.importorskip("bm25s")

import palaestra  # noqa: E402, F401
from palaestra.core import env_entry  # noqa: E402
from palaestra.core import info as keys  # noqa: E402
from palaestra.core.conformance import CHECKS  # noqa: E402
from palaestra.core.errors import UsageError  # noqa: E402
from palaestra.envs.webshop.data import WEBSHOP_VARIABLE, WebShopEnv, load_webshop  # noqa: E402

KINDS = [
    (
        "running shoes",
        "fashion",
        "Clothing, Shoes & Jewelry › Men › Shoes › Athletic",
        ["non slip", "rubber sole"],
    ),
    ("face cream", "beauty", "Beauty & Personal Care › Skin Care › Face", ["fragrance free", "anti aging"]),
    (
        "usb cable",
        "electronics",
        "Electronics › Computers & Accessories › Cables",
        ["fast charging", "braided"],
    ),
    ("green tea", "grocery", "Grocery & Gourmet Food › Beverages › Tea", ["organic", "caffeine free"]),
]
BRANDS = ["Alto", "Brisk", "Cobalt", "Dune", "Ember", "Fjord", "Gale", "Haze", "Iris", "Jade"]
PRODUCTS, INSTRUCTIONS = 40, 45  # 40 x 45 instructions, 1 in 15 without attributes: 1,680 goals


def asin(i: int) -> str:
    return f"B0TEST{i:04d}"


def write_webshop(folder, products=PRODUCTS, instructions=INSTRUCTIONS):
    """WebShop's three files, in its formats, with the quirks its reader handles."""
    items, attributes, human = [], {}, {}
    for i in range(products):
        query, category, path, attrs = KINDS[i % len(KINDS)]
        brand = BRANDS[i // len(KINDS) % len(BRANDS)]
        items.append(
            {
                "asin": asin(i),
                "name": f"{brand} {attrs[0].title()} {query.title()} {i}",
                "full_description": f"The {brand} {query}: {attrs[0]}, {attrs[1]}.",
                "small_description": [f"{a.title()} for every day" for a in attrs]
                if i % 2
                else f"{attrs[1]} design",
                "pricing": "$12.99" if i % 3 else "$20.00 - $35.50",
                "customization_options": None
                if i % 5 == 4
                else {
                    "Color": [
                        {"value": "Black", "image": "https://img/1.jpg"},
                        {"value": "Navy/White", "image": None},
                    ],
                    "Size": [{"value": "Small ", "image": None}, {"value": "Large", "image": None}],
                },
                "images": ["https://img/main.jpg"],
                "category": category,
                "query": f" {query.title()} ",
                "product_category": path,
            }
        )
        if i != 7:  # a product without attributes: WebShop gives it DUMMY_ATTR
            attributes[asin(i)] = {
                "attributes": attrs,
                "instruction": f"i need {query} that is {attrs[0]}",
                "instruction_attributes": attrs[:1],
            }
        human[asin(i)] = [
            {
                "instruction": f"i want {query} that is {attrs[n % 2]} number {n}.",
                "instruction_attributes": [] if n % 15 == 14 else [attrs[n % 2]],
                "instruction_options": [] if i % 5 == 4 else ["navy | white", "large"][: n % 3],
            }
            for n in range(instructions)
        ]
    items.append(dict(items[0], name="a duplicate, skipped"))
    items.append(dict(items[1], asin="nan"))
    (folder / "items_shuffle_1000.json").write_text(json.dumps(items))
    (folder / "items_ins_v2_1000.json").write_text(json.dumps(attributes))
    (folder / "items_human_ins.json").write_text(json.dumps(human))
    return items, attributes, human


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "webshop"
    folder.mkdir()
    write_webshop(folder)
    monkeypatch.setenv(WEBSHOP_VARIABLE, str(folder))
    return folder


def test_products_are_read_as_webshop_reads_them(data):
    shop, _ = load_webshop(data, "human")
    assert [p.asin for p in shop.products] == [asin(i) for i in range(PRODUCTS)]  # duplicate and nan skipped
    shoes = shop.by_asin[asin(0)]
    assert shoes.options == {"color": ("black", "navy | white"), "size": ("small", "large")}
    assert shoes.query == "running shoes" and shoes.features == ("rubber sole design",)
    assert (shoes.price, shoes.price_text) == (20.0, "$20.0 to $35.5")
    assert (shop.by_asin[asin(1)].price, shop.by_asin[asin(1)].price_text) == (12.99, "$12.99")
    assert shop.by_asin[asin(1)].features == ("Fragrance Free for every day", "Anti Aging for every day")
    assert shop.by_asin[asin(4)].options == {}
    assert shop.by_asin[asin(7)].attributes == ("DUMMY_ATTR",)


def test_goals_follow_webshops_order_and_wording(data):
    shop, goals = load_webshop(data, "human")
    _, _, human = write_webshop(data)
    expected = [
        (a, entry)
        for a in (asin(i) for i in range(PRODUCTS))
        for entry in human[a]
        if entry["instruction_attributes"]
    ]
    assert len(goals) == len(expected) == 1680
    random.Random(233).shuffle(expected)
    for goal, (wanted, entry) in zip(goals, expected):
        assert goal.asin == wanted and goal.attributes == tuple(entry["instruction_attributes"])
        price = shop.by_asin[wanted].price
        assert goal.price_upper % 10 == 0 and price < goal.price_upper <= price + 40
        assert (
            goal.instruction_text
            == f"{entry['instruction'].strip('.')}, and price lower than {goal.price_upper:.2f} dollars"
        )
        assert list(goal.goal_options.values()) == entry["instruction_options"]
    named = next(g for g in goals if len(g.goal_options) == 2)
    assert named.goal_options == {"color": "navy | white", "size": "large"}


def test_synthetic_goals_take_every_option_combination(data):
    _, goals = load_webshop(data, "synthetic")
    # products with instructions (all but 7), four combinations each unless they have no options
    with_options = sum(1 for i in range(PRODUCTS) if i != 7 and i % 5 != 4)
    without = sum(1 for i in range(PRODUCTS) if i != 7 and i % 5 == 4)
    assert len(goals) == 4 * with_options + without
    shoes = [g for g in goals if g.asin == asin(0)]
    assert {g.instruction_text.split(", and price")[0] for g in shoes} == {
        f"i need running shoes that is non slip with color: {c}, and size: {s}"
        for c in ("black", "navy | white")
        for s in ("small", "large")
    }


def test_splits_task_ids_and_the_expert(data):
    sizes = {split: len(WebShopEnv(split=split).task_ids()) for split in WebShopEnv.splits}
    assert sizes == {"test": 500, "eval": 1000, "train": 180}
    env = gym.make("WebShop-v0", split="test")
    assert env.unwrapped.task_ids()[:2] == ("0", "1")
    obs, info = env.reset(seed=0, options={"task_id": "17"})
    goal = env.unwrapped.goals[17]
    assert info[keys.TASK_ID] == "17" and goal.instruction_text in obs
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
        assert info[keys.ACTION_VALID], info[keys.ACTION_ERROR]
        done = terminated or truncated
    assert terminated and info[keys.SUCCESS] and reward == 1.0
    env.close()


@pytest.mark.slow
@pytest.mark.parametrize("check", list(CHECKS))
def test_conformance_on_files_in_webshops_format(data, check):
    assert env_entry("WebShop-v0").missing_requirement() is None
    CHECKS[check]("WebShop-v0")


def test_without_data_the_error_says_how_to_point_at_the_files(monkeypatch, tmp_path):
    monkeypatch.delenv(WEBSHOP_VARIABLE, raising=False)
    assert WEBSHOP_VARIABLE in env_entry("WebShop-v0").missing_requirement()
    with pytest.raises(UsageError, match=f"items_shuffle.*{WEBSHOP_VARIABLE}"):
        gym.make("WebShop-v0")
    with pytest.raises(UsageError, match="not a folder"):
        WebShopEnv(data_path=tmp_path / "nowhere")
    with pytest.raises(UsageError, match="has none of items_shuffle_1000.json"):
        WebShopEnv(data_path=tmp_path)


def test_a_malformed_file_is_a_clear_error(data):
    (data / "items_shuffle_1000.json").write_text(json.dumps([{"name": "no asin"}]))
    with pytest.raises(UsageError, match="product 0 is malformed"):
        WebShopEnv(data_path=data)
    (data / "items_shuffle_1000.json").write_text("[{")
    with pytest.raises(UsageError, match="cannot read WebShop's items_shuffle_1000.json"):
        WebShopEnv(data_path=data)
