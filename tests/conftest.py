import importlib
import os
import shutil
import sys

import gymnasium as gym
import pytest

from palaestra.core import registry

# pygame windows and sound go to dummy drivers: tests run headless.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def plugin_path(monkeypatch):
    """Put folders on ``sys.path`` as an installed plugin's would be; afterwards forget every module
    and id they brought, and let the registry read the entry points afresh."""
    ids_before = set(gym.registry)
    modules_before = set(sys.modules)
    monkeypatch.setattr(registry, "_plugins_loaded", False)

    def add(folder):
        monkeypatch.syspath_prepend(str(folder))
        importlib.invalidate_caches()
        registry._plugins_loaded = False  # read the entry points again, with this folder's

    yield add
    for env_id in set(gym.registry) - ids_before:
        gym.registry.pop(env_id)
        registry._CATALOGUE.pop(env_id, None)
    for name in set(sys.modules) - modules_before:
        del sys.modules[name]


CHROMIUM_MISSING = (
    "headless Chromium is needed: apt-get install -y chromium chromium-driver "
    "(.ci/run installs both), and pip install selenium (the test extra)"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's headless Chromium driven by selenium (the Chromium tests); a clear failure without it."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail(CHROMIUM_MISSING)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(CHROMIUM_MISSING)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    yield driver
    driver.quit()
