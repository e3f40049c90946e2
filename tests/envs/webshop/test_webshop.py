"""WebShop-Text-v0: the generated catalogue, WebShop's pages and clickables in its text format, invalid
actions, splits and presets, and the expert's success rate."""

import gymnasium as gym
import pytest

pytest.importorskip("rapidfuzz")
pytest.importorskip("bm25s")

import palaestra  # noqa: E402, F401
from palaestra.core import cache  # noqa: E402
from palaestra.core import info as keys  # noqa: E402
from palaestra.envs.webshop import catalog  # noqa: E402
from palaestra.envs.webshop.catalog import (  # noqa: E402
    CATALOG_SIZE,
    PATH_SEPARATOR,
    TAXONOMY,
    generated_catalog,
    is_test_product,
)
from palaestra.envs.webshop.env import WebShopTextEnv  # noqa: E402
from palaestra.envs.webshop.site import SEP  # noqa: E402


def play(env, actions):
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
    return obs, reward, terminated, truncated, info


@pytest.fixture
def env():
    made = gym.make("WebShop-Text-v0")
    yield made
    made.close()


def test_the_catalogue_holds_10000_products_of_every_type():
    products = generated_catalog()
    assert len(products) == CATALOG_SIZE
    assert len({p.asin for p in products}) == CATALOG_SIZE
    assert {p.category for p in products} == set(TAXONOMY)
    assert {p.query for p in products} == {kind.noun for kinds in TAXONOMY.values() for kind in kinds}
    for product in products[:500]:
        assert product.product_category.count(PATH_SEPARATOR) >= 2
        assert 3 <= len(product.attributes) <= 5 and product.options and product.features
        assert product.price_text == f"${product.price:.2f}"
        for values in product.options.values():
            assert len(values) >= 2 and all(v == v.lower() for v in values)
        shown = [v for values in product.options.values() for v in values]
        assert len(shown) == len(set(shown)), "an option value would be ambiguous to click"
    assert generated_catalog(1000) == products[:1000]
    assert catalog._build_catalog(50) == products[:50]  # seeded: the same on every machine


@pytest.mark.slow
def test_a_truncated_cache_file_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE_DIR", str(tmp_path))
    generated_catalog.cache_clear()
    try:
        first = generated_catalog(10)
        (written,) = tmp_path.glob("webshop-catalog-*.pkl")
        written.write_bytes(written.read_bytes()[:1000])
        generated_catalog.cache_clear()
        assert generated_catalog(10) == first
        assert cache._read(written) is not None  # whole again
    finally:
        generated_catalog.cache_clear()


def test_the_search_page_and_a_search(env):
    obs, info = env.reset(seed=0)
    goal = env.unwrapped.visit.goal
    assert obs == f"WebShop{SEP}Instruction:{SEP}{goal.instruction_text}{SEP}Search"
    assert info[keys.VALID_ACTIONS] == ["search[...]"]
    assert goal.instruction_text.endswith(f", and price lower than {goal.price_upper:.2f} dollars")
    obs, reward, terminated, truncated, info = env.step(f"search[{goal.request}]")
    assert (reward, terminated, info[keys.ACTION_VALID]) == (0.0, False, True)
    pieces = obs.split(SEP)
    assert pieces[:5] == [
        "Instruction:",
        goal.instruction_text,
        "Back to Search",
        "Page 1 (Total results: 50)",
        "Next >",
    ]
    shown = env.unwrapped.visit.shown_results()
    assert len(shown) == 10
    assert pieces[5:8] == [shown[0].asin, shown[0].name, shown[0].price_text]
    assert info[keys.VALID_ACTIONS] == ["click[back to search]", "click[next >]"] + [
        f"click[{p.asin.lower()}]" for p in shown
    ]


def test_paging_through_the_results(env):
    env.reset(seed=0)
    obs, *_, info = env.step("search[running shoes]")
    for page in range(2, 6):
        obs, *_, info = env.step("<action>click[Next >]</action>")
        assert f"Page {page} (Total results: 50)" in obs
        assert "click[< prev]" in info[keys.VALID_ACTIONS]
    assert "click[next >]" not in info[keys.VALID_ACTIONS]  # 50 results end on page 5
    obs, *_ = env.step("click[ < PREV ]")
    assert "Page 4 (Total results: 50)" in obs
    obs, *_, info = env.step("click[back to search]")
    assert obs.endswith(f"{SEP}Search") and info[keys.VALID_ACTIONS] == ["search[...]"]


def test_the_item_page_its_options_and_sub_pages(env):
    env.reset(seed=0)
    env.step("search[running shoes]")
    product = env.unwrapped.visit.shown_results()[0]
    obs, *_, info = env.step(f"click[{product.asin}]")  # upper case as shown: clicks are case-blind
    pieces = obs.split(SEP)
    assert pieces[2:4] == ["Back to Search", "< Prev"]
    assert pieces[-7:] == [
        product.name,
        f"Price: {product.price_text}",
        f"Rating: {product.rating}",
        "Description",
        "Features",
        "Reviews",
        "Buy Now",
    ]
    color, size = product.options["color"][1], product.options["size"][0]
    assert SEP.join(["color", *product.options["color"]]) in obs
    for action in ("click[description]", "click[features]", "click[buy now]"):
        assert action in info[keys.VALID_ACTIONS]
    obs, *_ = env.step("click[description]")
    assert obs.split(SEP)[2:] == ["Back to Search", "< Prev", product.description]
    env.step("click[< prev]")
    obs, *_ = env.step("click[features]")
    assert obs.split(SEP)[4:] == list(product.features)
    env.step("click[< prev]")
    obs, *_ = env.step(f"click[{color}]")
    assert obs.startswith(f"You have clicked {color}.{SEP}Instruction:")
    obs, *_ = env.step(f"click[{size}]")
    assert obs.startswith(f"You have clicked {color}.{SEP}You have clicked {size}.{SEP}")
    assert env.unwrapped.visit.chosen == {"color": color, "size": size}
    obs, *_ = env.step("click[< prev]")  # back to the same page of results, options forgotten
    assert "Page 1 (Total results: 50)" in obs and env.unwrapped.visit.chosen == {}


def test_buying_ends_the_episode_with_webshops_reward(env):
    env.reset(seed=3)
    visit = env.unwrapped.visit
    env.step("search[olive oil]")
    wrong = next(p for p in visit.shown_results() if p.asin != visit.goal.asin)
    env.step(f"click[{wrong.asin}]")
    obs, reward, terminated, truncated, info = env.step("click[buy now]")
    assert terminated and not truncated
    assert reward == visit.outcome.reward < 1.0
    assert info[keys.SCORE] == reward and info[keys.SUCCESS] is False
    assert "Your score (min 0.0, max 1.0)" in obs and f"asin: {wrong.asin}" in obs
    assert info[keys.VALID_ACTIONS] == []


@pytest.mark.parametrize(
    "action, error",
    [
        ("search[shoes]", "no search box"),
        ("click[buy now]", "not clickable"),
        ("click[b0nothing00]", "not clickable"),
        ("open[shoes]", "search[keywords] or click[element]"),
        ("buy the red shoes", "search[keywords] or click[element]"),
    ],
)
def test_invalid_actions_leave_the_page_alone(env, action, error):
    env.reset(seed=1)
    obs, *_, info = env.step("search[red shoes]")
    obs2, reward, terminated, truncated, info2 = env.step(action)
    assert not info2[keys.ACTION_VALID] and error in info2[keys.ACTION_ERROR]
    assert reward == env.unwrapped.invalid_action_reward and not terminated
    assert info2[keys.STATE_KEY] == info[keys.STATE_KEY]
    assert obs2.endswith(obs)


def test_an_empty_search_is_invalid(env):
    env.reset(seed=1)
    *_, info = env.step("search[   ]")
    assert not info[keys.ACTION_VALID] and "needs keywords" in info[keys.ACTION_ERROR]


def test_splits_target_disjoint_products_and_presets_set_the_instruction():
    for split in ("train", "test"):
        env = WebShopTextEnv(split=split)
        for seed in range(20):
            env.reset(seed=seed)
            assert is_test_product(env.visit.goal.asin) == (split == "test")
    easy = WebShopTextEnv(difficulty="easy")
    easy.reset(seed=0)
    assert len(easy.visit.shop.products) == 1000
    assert len(easy.visit.goal.attributes) == 1 and len(easy.visit.goal.goal_options) == 1
    hard = WebShopTextEnv(difficulty="hard")
    hard.reset(seed=0)
    product = hard.visit.shop.by_asin[hard.visit.goal.asin]
    assert (
        len(hard.visit.goal.attributes) == 3 and hard.visit.goal.goal_options.keys() == product.options.keys()
    )
    with pytest.raises(ValueError, match="products must be"):
        WebShopTextEnv(products=0)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_the_expert_buys_what_was_asked(difficulty):
    """The expert's success rate: 100% of 200 seeds per preset and split (docs/envs/webshop.md); here 40."""
    env = gym.make("WebShop-Text-v0", difficulty=difficulty)
    wins = 0
    for seed in range(40):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
            assert info[keys.ACTION_VALID], info[keys.ACTION_ERROR]
            done = terminated or truncated
        wins += info[keys.SUCCESS]
    env.close()
    assert wins == 40
