"""A purchase in real headless Chromium on ``palaestra shop serve``'s pages: start a visit, search,
page to the product, pick its options, buy, and read the reward page."""

import threading

import gymnasium as gym
import pytest

pytest.importorskip("rapidfuzz")
pytest.importorskip("bm25s")

import palaestra  # noqa: E402, F401
from palaestra.envs.webshop.server import shop_server  # noqa: E402
from palaestra.envs.webshop.site import SEP  # noqa: E402

SEED = 3  # its target is on the third page of results, and it asks for two options


@pytest.fixture(scope="module")
def shop():
    served = shop_server(0, "WebShop-Text-v0", {}, first_seed=0)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    host, port = served.server_address[:2]
    yield f"http://{host}:{port}/"
    served.shutdown()
    served.server_close()


def button(driver, css: str, text: str):
    found = [b for b in driver.find_elements("css selector", css) if b.text == text]
    assert len(found) == 1, f"{len(found)} {css} buttons read {text!r}"
    return found[0]


def click(driver, element) -> None:
    """Click a button and wait until the page it posts to has loaded: a new document, whose window
    lacks the mark set on the old one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    driver.execute_script("window.palaestraOldPage = true")
    element.click()
    WebDriverWait(driver, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return window.palaestraOldPage === undefined && document.readyState === 'complete'"
        )
    )


def shown(driver) -> list[str]:
    return [element.text for element in driver.find_elements("css selector", ".el")]


@pytest.mark.slow
def test_a_purchase_by_hand(browser, shop):
    env = gym.make("WebShop-Text-v0")
    obs, _ = env.reset(seed=SEED)
    goal = env.unwrapped.visit.goal

    browser.get(shop)
    browser.find_element("id", "seed_input").send_keys(str(SEED))
    click(browser, button(browser, "#start button", "Start shopping"))
    assert shown(browser) == obs.split(SEP)  # the same instruction as the env's own seed

    browser.find_element("id", "search_input").send_keys(goal.request)
    click(browser, button(browser, "button.search", "Search"))
    obs, *_ = env.step(f"search[{goal.request}]")
    assert shown(browser) == obs.split(SEP)
    pages = 1
    while goal.asin not in [b.text for b in browser.find_elements("css selector", "button.product-link")]:
        click(browser, button(browser, "button.btn", "Next >"))
        env.step("click[next >]")
        pages += 1
    assert pages == 3 and len(goal.goal_options) == 2
    click(browser, button(browser, "button.product-link", goal.asin))
    env.step(f"click[{goal.asin}]")
    for value in goal.goal_options.values():
        click(browser, button(browser, "button.option", value))
        obs, *_ = env.step(f"click[{value}]")
        assert button(browser, "button.option", value).get_attribute("aria-pressed") == "true"
    assert shown(browser) == obs.split(SEP)
    click(browser, button(browser, "button.btn", "Buy Now"))
    obs, reward, terminated, *_ = env.step("click[buy now]")

    text = browser.find_element("tag name", "body").text
    assert terminated and reward == 1.0
    assert "Your score (min 0.0, max 1.0)" in text and "1.0000" in text
    assert f"asin: {goal.asin}" in text
    assert shown(browser) == obs.split(SEP)
    env.close()
