"""WebShop's reward on hand-built products and goals: exact match, missing option, price over budget,
wrong category, fuzzy attributes, exact sizes and the type reward's levels."""

import dataclasses

import pytest

pytest.importorskip("rapidfuzz")

from palaestra.envs.webshop.catalog import Goal, Product  # noqa: E402
from palaestra.envs.webshop.reward import fuzzy_match, purchase_reward, type_reward  # noqa: E402

SHOES = Product(
    asin="B0SHOES001",
    name="Velora Non-Slip Breathable Running Shoes, lightweight",
    category="fashion",
    query="running shoes",
    product_category="Clothing, Shoes & Jewelry › Men › Shoes › Athletic",
    description="Running shoes with a rubber sole.",
    features=("Arch support for long runs",),
    attributes=("non slip", "breathable mesh", "lightweight"),
    options={"color": ("black", "white"), "size": ("9", "9.5", "10")},
    price=39.99,
    price_text="$39.99",
)
GOAL = Goal(
    asin=SHOES.asin,
    category="fashion",
    query="running shoes",
    name=SHOES.name,
    product_category=SHOES.product_category,
    instruction_text="i need running shoes: non slip and lightweight, with color: black, and size: 9, "
    "and price lower than 50.00 dollars",
    attributes=("non slip", "lightweight"),
    price_upper=50.0,
    goal_options={"color": "black", "size": "9"},
)
KETTLE = Product(
    asin="B0KETTLE01",
    name="Stainless Electric Kettle",
    category="kitchen",
    query="electric kettle",
    product_category="Home & Kitchen › Kitchen & Dining › Kettles",
    description="Boils water.",
    features=(),
    attributes=("auto shut off",),
    options={},
    price=25.0,
    price_text="$25.00",
)


def test_the_asked_product_with_the_asked_options_scores_1():
    parts = purchase_reward(SHOES, GOAL, {"color": "black", "size": "9"})
    assert parts.reward == 1.0
    assert (parts.r_type, parts.attributes_matched, parts.options_matched, parts.price_ok) == (
        1.0,
        2,
        2,
        True,
    )


def test_a_missing_option_loses_its_share():
    # 2 attributes + 1 option + price out of 2 + 2 + 1
    assert purchase_reward(SHOES, GOAL, {"color": "black"}).reward == pytest.approx(4 / 5)
    assert purchase_reward(SHOES, GOAL, {}).reward == pytest.approx(3 / 5)


def test_a_wrong_option_value_is_no_match():
    assert purchase_reward(SHOES, GOAL, {"color": "white", "size": "9"}).reward == pytest.approx(4 / 5)


def test_sizes_match_exactly_while_fuzzy_matching_would_accept_a_near_miss():
    assert fuzzy_match("9", "9.5")  # token sets {9} and {9, 5}: WebShop's reason for exact sizes
    assert purchase_reward(SHOES, GOAL, {"color": "black", "size": "9.5"}).options_matched == 1


def test_a_price_over_the_budget_loses_the_price_share():
    dear = dataclasses.replace(SHOES, price=59.99)
    parts = purchase_reward(dear, GOAL, {"color": "black", "size": "9"})
    assert not parts.price_ok
    assert parts.reward == pytest.approx(4 / 5)


def test_a_product_of_another_type_scores_0():
    parts = purchase_reward(KETTLE, GOAL, {})
    assert parts.r_type == 0.0 and parts.reward == 0.0


def test_attributes_match_fuzzily_or_in_the_product_text():
    written_differently = dataclasses.replace(GOAL, attributes=("Non-Slip", "light weight"))
    assert purchase_reward(SHOES, written_differently, {"color": "black", "size": "9"}).reward == 1.0
    in_features = dataclasses.replace(GOAL, attributes=("arch support",))
    assert purchase_reward(SHOES, in_features, {}).attributes_matched == 1
    assert not fuzzy_match("breathable mesh", "breathable cotton")  # token-set ratio 80
    for near_miss in ("waterproof", "breathable cotton"):
        assert (
            purchase_reward(SHOES, dataclasses.replace(GOAL, attributes=(near_miss,)), {}).attributes_matched
            == 0
        )


def test_the_reward_never_exceeds_1_however_many_options_are_chosen():
    one_option = dataclasses.replace(GOAL, goal_options={"color": "black"})
    parts = purchase_reward(SHOES, one_option, {"color": "black", "size": "black", "style": "black"})
    assert parts.options_matched == 1 and parts.reward == 1.0


def test_type_reward_levels():
    assert type_reward(SHOES, GOAL) == 1.0  # same query
    other = dataclasses.replace(SHOES, query="trail shoes", product_category="Sports › Outdoors")
    # goal name type words: velora non slip breathable running shoes lightweight (7); shared: shoes
    assert type_reward(dataclasses.replace(other, name="Trail Shoes"), GOAL) == 0.5
    assert type_reward(dataclasses.replace(other, name="Velora Breathable Trail Shoes"), GOAL) == 1.0
    shared_path = dataclasses.replace(KETTLE, product_category="Clothing, Shoes & Jewelry › Men › Socks")
    assert type_reward(shared_path, GOAL) == 0.0  # shared levels, but not one word of the name
    unrelated_path = dataclasses.replace(other, name="Lightweight Socks And Laces For Everything Else")
    # 1 of 7 words: over a tenth, under a fifth, and no query or category match
    assert type_reward(unrelated_path, GOAL) == 0.5
    wordy = dataclasses.replace(
        GOAL, name="Velora Non-Slip Breathable Running Shoes Lightweight Mesh Sole Grip Trail"
    )
    assert type_reward(dataclasses.replace(other, name="Mesh Socks"), wordy) == 0.1  # 1 of 11 words
