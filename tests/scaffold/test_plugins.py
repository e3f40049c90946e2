"""Plugin packages: found by ``palaestra list`` through the ``palaestra.envs`` entry points, made by
``gym.make("pkg:Id")``, checked by ``palaestra.testing``; a broken one is a warning, not a crash."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.core import registered_envs
from palaestra.core.registry import env_entry
from palaestra.scaffold import new_env

WORKTREE = Path(__file__).resolve().parents[2]


def fake_install(site, distribution, module):
    """What pip leaves for an installed distribution whose ``palaestra.envs`` entry point is ``module``."""
    info = site / f"{distribution}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[palaestra.envs]\n{module} = {module}\n")


def test_the_registry_finds_plugins_through_their_entry_points(tmp_path, plugin_path):
    new_env("Walk", "walks", plugin=tmp_path / "source")
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "source" / "walks").rename(site / "walks")
    fake_install(site, "palaestra_walks", "walks")
    plugin_path(site)
    assert "Walk-Text-v0" not in gym.registry  # nothing is imported before the catalogue is read
    entry = next(e for e in registered_envs() if e.id == "Walk-Text-v0")
    assert (entry.family, entry.expert) == ("walks", True)
    assert registered_envs("walks") == [entry]
    gym.make("walks:Walk-Text-v0").close()


def test_env_entry_of_a_plugin_id_reads_the_entry_points(tmp_path, plugin_path):
    new_env("Walk", "walks", plugin=tmp_path / "source")
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "source" / "walks").rename(site / "walks")
    fake_install(site, "palaestra_walks", "walks")
    plugin_path(site)
    assert env_entry("Walk-Text-v0").family == "walks"


def test_a_broken_plugin_is_a_warning_naming_it_and_the_others_still_load(tmp_path, plugin_path):
    new_env("Walk", "walks", plugin=tmp_path / "source")
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "source" / "walks").rename(site / "walks")
    fake_install(site, "palaestra_walks", "walks")
    (site / "brokenplugin.py").write_text("raise ImportError('needs a library that is not installed')\n")
    fake_install(site, "palaestra_broken", "brokenplugin")
    plugin_path(site)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ids = [entry.id for entry in registered_envs()]
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages == [
        "palaestra env plugin 'brokenplugin' (brokenplugin) failed to load and is skipped: "
        "ImportError: needs a library that is not installed"
    ]
    assert "Walk-Text-v0" in ids and "Snake-Text-v0" in ids


@pytest.mark.slow
def test_a_scaffolded_plugin_installs_with_pip_is_listed_and_passes_its_tests(tmp_path):
    pytest.importorskip("setuptools", reason="building the plugin offline needs setuptools installed")
    source = tmp_path / "palaestra-walks"
    new_env("Walk", "walks", vision=True, plugin=source)
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    assert (site / "walks" / "walk" / "env.py").exists()
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{WORKTREE}", "COLUMNS": "200"}
    listed = subprocess.run(
        [sys.executable, "-m", "palaestra", "list", "--family", "walks"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    assert "Walk-Text-v0" in listed.stdout and "Walk-Vision-v0" in listed.stdout
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(source / "tests")],
        cwd=tmp_path,  # not the source folder: the package comes from where pip put it
        env=env,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "24 passed" in tests.stdout  # 4 of the env's own, 10 checks for each of its 2 ids
