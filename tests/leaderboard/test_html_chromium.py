"""The HTML leaderboard in real headless Chromium: rows match the runs, sorting works, names are text."""

from __future__ import annotations

import pytest
from board_helpers import XSS_LABEL, make_runs

from palaestra.evaluation import read_meta
from palaestra.leaderboard import build_leaderboard


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("board")
    runs = make_runs(root / "runs")
    build_leaderboard(list(runs.values()), root / "out")
    browser.get((root / "out" / "index.html").as_uri())
    return browser, runs


def table_of(driver, runs, name):
    version = read_meta(runs[name])["suite"]["version"]
    for section in driver.find_elements("css selector", "section"):
        if version in section.find_element("css selector", "h2").text:
            return section.find_element("css selector", "table")
    raise AssertionError(f"no table for suite version {version}")


def column(table, index):
    return [
        row.find_elements("css selector", "td")[index].text
        for row in table.find_elements("css selector", "tbody tr")
    ]


def test_rows_match_the_runs(page):
    driver, runs = page
    assert len(driver.find_elements("css selector", "table.board")) == 2
    table = table_of(driver, runs, "expert")
    headers = [th.text for th in table.find_elements("css selector", "thead th")]
    assert headers[:4] == ["Rank", "Agent", "Score", "arcade"]
    assert column(table, 1) == [XSS_LABEL, "expert", "random"]
    assert column(table, 8) == ["xss", "expert", "random"]  # the run folders
    assert [cell.split("/")[0] for cell in column(table, 5)] == ["6", "6", "6"]
    assert column(table_of(driver, runs, "other"), 1) == ["random"]
    # One chart per env of each board.
    assert len(driver.find_elements("css selector", "figure svg")) == 3


def test_clicking_a_header_sorts_the_rows(page):
    driver, runs = page
    table = table_of(driver, runs, "expert")
    agent_header = table.find_elements("css selector", "thead th")[1]
    agent_header.click()
    assert column(table, 1) == sorted([XSS_LABEL, "expert", "random"])
    assert agent_header.get_attribute("aria-sort") == "ascending"
    agent_header.click()
    assert column(table, 1) == sorted([XSS_LABEL, "expert", "random"], reverse=True)
    score_header = table.find_elements("css selector", "thead th")[2]
    score_header.click()  # ascending by score: the random agent first
    assert column(table, 1)[0] == "random"
    scores = [float(cell.split()[0]) for cell in column(table, 2)]
    assert scores == sorted(scores)


def test_a_hostile_agent_name_is_shown_as_text(page):
    driver, _ = page
    cells = [td for td in driver.find_elements("css selector", "td.agent") if td.text == XSS_LABEL]
    assert cells, "the agent name is not shown literally"
    assert driver.execute_script("return document.scripts.length") == 1  # only the page's own script
    assert driver.execute_script("return document.querySelectorAll('td script, svg script').length") == 0
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert.text
