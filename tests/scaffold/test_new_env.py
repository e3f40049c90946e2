"""``palaestra new-env``: the env it writes plays, passes the conformance suite as written, is lint
clean, and registers itself in the repository or as a plugin package."""

import ast
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.core import registered_envs
from palaestra.core.errors import UsageError
from palaestra.scaffold import new_env
from palaestra.scaffold.new_env import add_import, find_repository, module_name
from palaestra.testing import check_env_id

RUFF = Path(sys.executable).with_name("ruff")
VARIANTS = {
    "plain": {},
    "vision": {"vision": True},
    "tools": {"tools": True},
    "dataset": {"dataset": True},
    "all": {"vision": True, "tools": True, "dataset": True},
}


def ruff_clean(folder):
    """Lint and format findings of ruff in ``folder`` (its own pyproject's settings); empty if clean."""
    if not RUFF.exists():
        pytest.skip("ruff is not installed (pip install 'palaestra[test]')")
    found = []
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        run = subprocess.run([str(RUFF), *args], cwd=folder, capture_output=True, text=True)
        if run.returncode:
            found.append(run.stdout + run.stderr)
    return found


@pytest.mark.parametrize(
    "variant",
    # The vision variants draw and check two ids: a few seconds each.
    [pytest.param(v, marks=pytest.mark.slow) if "vision" in VARIANTS[v] else v for v in VARIANTS],
)
def test_a_plugin_env_passes_the_conformance_suite_as_written(tmp_path, plugin_path, variant):
    written = new_env("Walk", "walks", plugin=tmp_path / "plugin", **VARIANTS[variant])
    root = tmp_path / "plugin"
    assert root / "pyproject.toml" in written and root / "walks" / "walk" / "env.py" in written
    assert ruff_clean(root) == []
    plugin_path(root)
    ids = ["walks:Walk-Text-v0"] + (["walks:Walk-Vision-v0"] if VARIANTS[variant].get("vision") else [])
    for env_id in ids:
        check_env_id(env_id)
    env = gym.make(ids[0])
    obs, info = env.reset(seed=0)
    assert ("tools" in info) == bool(VARIANTS[variant].get("tools"))
    assert ("task_id" in info) == bool(VARIANTS[variant].get("dataset"))
    env.close()


def test_the_data_set_variant_writes_distinct_layouts_the_same_every_time(tmp_path):
    new_env("Walk", "walks", dataset=True, plugin=tmp_path / "a")
    new_env("Walk", "walks", dataset=True, plugin=tmp_path / "b")
    first = (tmp_path / "a" / "walks" / "walk" / "tasks.json").read_text()
    assert first == (tmp_path / "b" / "walks" / "walk" / "tasks.json").read_text()
    tasks = json.loads(first)
    layouts = [
        json.dumps({k: v for k, v in t.items() if k != "id"}) for split in tasks.values() for t in split
    ]
    assert len(set(layouts)) == len(layouts) == 32
    assert {t["id"].split("-")[0] for t in tasks["test"]} == {"test"}


def test_outside_a_checkout_it_writes_a_plugin_package_named_after_the_family(tmp_path):
    written = new_env("GridWalk", "board_games", cwd=tmp_path)
    root = tmp_path / "palaestra-board-games"
    assert root / "board_games" / "grid_walk" / "world.py" in written
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "palaestra-board-games"' in pyproject
    assert '[project.entry-points."palaestra.envs"]\nboard_games = "board_games"' in pyproject
    assert (
        'test_conformance = conformance_tests(\n    "board_games:GridWalk-Text-v0",\n)'
        in (root / "tests" / "test_grid_walk.py").read_text()
    )


def test_the_longest_names_still_give_lint_clean_code(tmp_path):
    family, name = "a_family_of_24_letters_x", "AbCdEfGhIjKlMnOpQrStUvWx"
    new_env(name, family, vision=True, tools=True, dataset=True, plugin=tmp_path / "plugin")
    assert ruff_clean(tmp_path / "plugin") == []
    with pytest.raises(UsageError, match="24 at most"):
        new_env(name + "Y", family, plugin=tmp_path / "other")


def test_without_a_family_the_env_is_a_family_of_its_own(tmp_path, plugin_path):
    new_env("GridWalk", plugin=tmp_path)
    plugin_path(tmp_path)
    check_env_id("grid_walk:GridWalk-Text-v0")
    assert registered_envs("grid_walk")[0].id == "GridWalk-Text-v0"


def test_a_second_env_joins_the_plugin_package(tmp_path, plugin_path):
    new_env("Walk", "walks", plugin=tmp_path)
    written = new_env("Stroll", "walks", vision=True, plugin=tmp_path)
    assert tmp_path / "walks" / "__init__.py" in written and tmp_path / "pyproject.toml" not in written
    assert "from walks import stroll, walk  # noqa: F401" in (tmp_path / "walks" / "__init__.py").read_text()
    assert ruff_clean(tmp_path) == []
    plugin_path(tmp_path)
    importlib.import_module("walks")
    assert {"Walk-Text-v0", "Stroll-Text-v0", "Stroll-Vision-v0"} <= set(gym.registry)


@pytest.mark.parametrize(
    ("name", "family", "match"),
    [
        ("grid_walk", "walks", "CamelCase"),
        ("Walk-2", "walks", "CamelCase"),
        ("Walk", "Walks", "lower-case Python name"),
        ("Walk", "class", "lower-case Python name"),
        ("Walk", "json", "a module 'json' exists already"),
        ("If", "walks", "Python keyword"),
        ("Snake", "walks", "Snake-Text-v0 is registered already"),
    ],
)
def test_bad_names_are_refused_before_anything_is_written(tmp_path, name, family, match):
    with pytest.raises(UsageError, match=match):
        new_env(name, family, plugin=tmp_path / "plugin")
    assert not (tmp_path / "plugin").exists()


def test_existing_files_are_never_overwritten(tmp_path):
    new_env("Walk", "walks", plugin=tmp_path)
    env_file = tmp_path / "walks" / "walk" / "env.py"
    env_file.write_text("# my own work\n")
    with pytest.raises(UsageError, match=r"not overwriting .*env\.py"):
        new_env("Walk", "walks", vision=True, plugin=tmp_path)
    assert env_file.read_text() == "# my own work\n"
    assert not (tmp_path / "walks" / "walk" / "tasks.json").exists()


def test_module_names_follow_the_env_name():
    assert [module_name(n) for n in ("GridWalk", "Maze", "HTTPGame", "Maze2D")] == [
        "grid_walk",
        "maze",
        "http_game",
        "maze2_d",
    ]


def test_add_import_merges_sorts_wraps_and_inserts(tmp_path):
    merged = tmp_path / "merged.py"
    merged.write_text('"""Doc."""\n\nfrom pkg import b, d  # noqa: F401\n')
    assert add_import(merged, "pkg", "c")
    assert merged.read_text() == '"""Doc."""\n\nfrom pkg import b, c, d  # noqa: F401\n'
    assert not add_import(merged, "pkg", "c")
    wrapped = tmp_path / "wrapped.py"
    names = [f"a_game_of_number_{i}" for i in range(8)]
    wrapped.write_text(f"from pkg import {', '.join(names[:4])}  # noqa: F401\n")
    add_import(wrapped, "pkg", "a_game_of_number_4")
    assert wrapped.read_text().startswith("from pkg import (  # noqa: F401\n    a_game_of_number_0,\n")
    ast.parse(wrapped.read_text())
    registering = tmp_path / "registering.py"  # a family whose __init__ registers its one id itself
    registering.write_text('"""Doc."""\n\nfrom x import register\n\nregister("A-Text-v0")\n')
    add_import(registering, "pkg", "new")
    assert registering.read_text() == (
        '"""Doc."""\n\nfrom x import register\nfrom pkg import new  # noqa: F401\n\nregister("A-Text-v0")\n'
    )


def test_the_checkout_is_found_from_any_folder_inside_it():
    root = Path(__file__).resolve().parents[2]
    assert find_repository(root / "palaestra" / "envs") == root
    assert find_repository(Path("/")) is None


def _imported(path: Path) -> list[ast.alias]:
    """The names ``palaestra/envs/__init__.py`` imports from the package (one import statement)."""
    (statement,) = [node for node in ast.parse(path.read_text()).body if isinstance(node, ast.ImportFrom)]
    return statement.names


def copy_checkout(target):
    """The parts of this checkout that ``new-env`` and the conformance tests need."""
    root = Path(__file__).resolve().parents[2]
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(root / "palaestra", target / "palaestra", ignore=ignore)
    shutil.copy(root / "pyproject.toml", target)
    (target / "tests" / "envs").mkdir(parents=True)
    shutil.copy(root / "tests" / "conftest.py", target / "tests")
    for name in ("conftest.py", "test_conformance.py"):  # the conformance tests and their fixtures
        shutil.copy(root / "tests" / "envs" / name, target / "tests" / "envs")


@pytest.mark.slow
def test_new_env_inside_a_checkout_registers_in_the_repository_and_passes(tmp_path):
    copy_checkout(tmp_path)
    env = {"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent), "SDL_VIDEODRIVER": "dummy"}
    for args in (
        ["ScaffoldMaze", "--family", "mazes", "--vision"],
        ["ScaffoldHop", "--family", "arcade", "--tools"],
    ):
        made = subprocess.run(
            [sys.executable, "-m", "palaestra", "new-env", *args],
            cwd=tmp_path / "palaestra",  # any folder inside the checkout
            env=env,
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stdout + made.stderr
    families = [alias.name for alias in _imported(tmp_path / "palaestra" / "envs" / "__init__.py")]
    before = [
        alias.name for alias in _imported(Path(__file__).resolve().parents[2] / "palaestra/envs/__init__.py")
    ]
    assert families == sorted([*before, "mazes"])
    assert "    scaffold_hop,\n" in (tmp_path / "palaestra" / "envs" / "arcade" / "__init__.py").read_text()
    for page in ("scaffold_maze.md", "scaffold_hop.md"):
        assert (tmp_path / "docs" / "envs" / page).exists()
    changed = [
        "palaestra/envs/__init__.py",
        "palaestra/envs/arcade/__init__.py",
        "palaestra/envs/arcade/scaffold_hop",
        "palaestra/envs/mazes",
        "tests/envs",
    ]
    lint = subprocess.run(
        [str(RUFF), "check", "--no-cache", *changed], cwd=tmp_path, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/envs/mazes",
            "tests/envs/arcade",
            "tests/envs/test_conformance.py",
            "-k",
            "ScaffoldMaze or ScaffoldHop or scaffold_maze or scaffold_hop",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
