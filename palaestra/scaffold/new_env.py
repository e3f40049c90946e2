"""``palaestra new-env``: write a new env (world, text env, registration, tests, doc page) from templates.

The env is a small complete game, a walk to a goal on a grid with walls, that passes the conformance
suite as written: the contributor replaces its rules and keeps the layout. It goes either into the
repository (``palaestra/envs/<family>/<name>/``, ``tests/envs/<family>/``, ``docs/envs/``) or into a
plugin package of its own, a folder with a ``pyproject.toml`` whose ``palaestra.envs`` entry point
makes ``palaestra list`` find its ids, and whose ids ``gym.make("<family>:<Name>-Text-v0")`` makes.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np

from palaestra.core.errors import UsageError
from palaestra.core.registry import load_plugins
from palaestra.scaffold.template import render, template

# Bounded so that every generated line fits the line length, whatever the name.
NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,23}")
FAMILY = re.compile(r"[a-z][a-z0-9_]{0,23}")
SUMMARY = "Walk a grid around its walls to the goal."
# The data-set variant's layouts: how many per split, and their grid.
DATASET_TASKS = {"train": 24, "test": 8}
DATASET_GRID = {"size": 6, "wall_share": 0.2}
LINE_LENGTH = 110
NOQA = "  # noqa: F401"  # an import kept for its side effect, registration


@dataclass(frozen=True)
class Destination:
    """Where the files of a new env go: the repository or a plugin package."""

    root: Path
    plugin: bool
    family: str

    @property
    def family_package(self) -> str:
        return self.family if self.plugin else f"palaestra.envs.{self.family}"

    @property
    def family_dir(self) -> Path:
        return self.root / self.family if self.plugin else self.root / "palaestra" / "envs" / self.family

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests" if self.plugin else self.root / "tests" / "envs" / self.family

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs" if self.plugin else self.root / "docs" / "envs"

    @property
    def import_module(self) -> str:
        """The module ``gym.make("<module>:<id>")`` imports to register the ids."""
        return self.family if self.plugin else "palaestra"


def find_repository(start: Path) -> Path | None:
    """The palaestra checkout holding ``start`` (its root), or ``None`` outside one."""
    for folder in (start, *start.parents):
        project = folder / "pyproject.toml"
        if (folder / "palaestra" / "envs" / "__init__.py").is_file() and project.is_file():
            if re.search(r'^name\s*=\s*"palaestra"', project.read_text(encoding="utf-8"), re.MULTILINE):
                return folder
    return None


def module_name(name: str) -> str:
    """The module of env ``name``: ``GridWalk`` -> ``grid_walk``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def new_env(
    name: str,
    family: str | None = None,
    *,
    vision: bool = False,
    tools: bool = False,
    dataset: bool = False,
    plugin: str | Path | None = None,
    cwd: str | Path | None = None,
) -> list[Path]:
    """Write env ``name`` of ``family`` (by default a family of its own, named as its module) and
    return the files written or edited.

    ``vision`` adds a ``-Vision-`` id that draws the grid, ``tools`` makes the moves calls of a declared
    tool, ``dataset`` plays fixed layouts of a ``tasks.json`` by ``task_id`` instead of drawing them
    from the seed. The env goes into the plugin package at ``plugin``; without it, into the palaestra
    checkout holding ``cwd`` (the current folder by default), or, outside one, into a new plugin
    package ``palaestra-<family>`` in ``cwd``. Raises ``UsageError`` for a bad name or family, an id
    that is taken, or a file that exists (nothing is written then).
    """
    if not NAME.fullmatch(name):
        raise UsageError(
            f"the env name must be CamelCase letters and digits (24 at most), like GridWalk; got {name!r}"
        )
    if family is None:
        family = module_name(name)
    if not FAMILY.fullmatch(family) or keyword.iskeyword(family):
        raise UsageError(
            f"the family must be a lower-case Python name of 24 characters at most, like board_games; "
            f"got {family!r}"
        )
    module = module_name(name)
    if keyword.iskeyword(module):
        raise UsageError(f"{name} would be the module {module!r}, a Python keyword: choose another name")
    here = Path(cwd or Path.cwd()).resolve()
    if plugin is not None:
        where = Destination(Path(plugin).resolve(), True, family)
    else:
        repository = find_repository(here)
        if repository is not None:
            where = Destination(repository, False, family)
        else:
            where = Destination(here / f"palaestra-{family.replace('_', '-')}", True, family)
    modalities = ("Text", "Vision") if vision else ("Text",)
    ids = [f"{name}-{modality}-v0" for modality in modalities]
    load_plugins()  # their ids are taken too
    taken = [env_id for env_id in ids if env_id in gym.registry]
    if taken:
        raise UsageError(f"{', '.join(taken)} is registered already: choose another name")
    if where.plugin and not (where.family_dir / "__init__.py").is_file():
        if importlib.util.find_spec(family) is not None:
            raise UsageError(f"a module {family!r} exists already: a plugin named so would hide it")
    new_family = not (where.family_dir / "__init__.py").exists()
    files = _files(where, name, module, ids, {"vision": vision, "tools": tools, "dataset": dataset})
    game_dir = where.family_dir / module
    data = [game_dir / "tasks.json"] if dataset else []
    existing = [str(path) for path in [*files, *data] if path.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}: remove them or choose another name")
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if dataset:
        written.append(_write_tasks(game_dir / "world.py", game_dir / "tasks.json"))
    written += _register(where, module, new_family)
    return written


def _files(
    where: Destination, name: str, module: str, ids: list[str], flags: dict[str, bool]
) -> dict[Path, str]:
    """Path -> text of every new file of the env."""
    flags = {**flags, "plugin": where.plugin}
    package = f"{where.family_package}.{module}"
    observation = {"Text": "the grid as text", "Vision": "the grid as text and an image"}
    fields = {
        "name": name,
        "cls": name,
        "title": name,
        "family": where.family,
        "family_package": where.family_package,
        "module": module,
        "package": package,
        "import_module": where.import_module,
        "summary": SUMMARY,
        "summary_lower": SUMMARY[0].lower() + SUMMARY[1:],
        "all_ids": "\n".join(f'    "{where.import_module}:{env_id}",' for env_id in ids),
        "id_rows": "\n".join(
            f"| `{env_id}` | {observation[env_id.split('-')[1]]} | one walk, at most 100 steps |"
            for env_id in ids
        ),
        "world_import": _import_statement(
            f"{package}.world", ["MOVES", f"{name}World"] + ([] if flags["dataset"] else ["random_layout"])
        ),
        "dist_name": where.family.replace("_", "-"),
    }
    game_dir = where.family_dir / module
    files = {
        game_dir / "__init__.py": "game_init.py.tmpl",
        game_dir / "world.py": "world.py.tmpl",
        game_dir / "env.py": "env.py.tmpl",
        where.tests_dir / f"test_{module}.py": "test_env.py.tmpl",
        where.docs_dir / f"{module}.md": "doc.md.tmpl",
    }
    if not (where.family_dir / "__init__.py").exists():
        files[where.family_dir / "__init__.py"] = "family_init.py.tmpl"
    if where.plugin and not (where.root / "pyproject.toml").exists():
        files[where.root / "pyproject.toml"] = "pyproject.toml.tmpl"
    return {path: render(template(name), fields, flags) for path, name in files.items()}


def _register(where: Destination, module: str, new_family: bool) -> list[Path]:
    """Import the new game from an existing family, and a new family from ``palaestra.envs``: the
    files edited (a new family's ``__init__`` imports its first game as written)."""
    family_init = where.family_dir / "__init__.py"
    edited = []
    if not new_family and add_import(family_init, where.family_package, module):
        edited.append(family_init)
    if new_family and not where.plugin:
        envs_init = where.root / "palaestra" / "envs" / "__init__.py"
        if add_import(envs_init, "palaestra.envs", where.family):
            edited.append(envs_init)
    return edited


def add_import(path: Path, package: str, name: str) -> bool:
    """Make the module ``path`` import ``name`` from ``package`` (for its side effect, registration):
    into its ``from package import ...`` statement if it has one, else a new one after its imports.
    Returns whether the file changed."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    body = ast.parse(text).body
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.module == package and node.level == 0:
            names = {alias.name for alias in node.names}
            if name in names:
                return False
            first, last = node.lineno - 1, node.end_lineno
            lines[first:last] = [_import_statement(package, sorted(names | {name}), NOQA)]
            break
    else:
        imports = [node for node in body if isinstance(node, (ast.Import, ast.ImportFrom))]
        docstring = body[:1] if body and isinstance(body[0], ast.Expr) else []
        after = (imports or docstring)[-1].end_lineno if (imports or docstring) else 0
        lines[after:after] = [_import_statement(package, [name], NOQA)]
    path.write_text("".join(lines), encoding="utf-8")
    return True


def _import_statement(package: str, names: list[str], comment: str = "") -> str:
    """``from package import names``, with ``comment``, on one line where it fits, else one name a line."""
    one_line = f"from {package} import {', '.join(names)}{comment}\n"
    if len(one_line) <= LINE_LENGTH + 1:
        return one_line
    return f"from {package} import ({comment}\n" + "".join(f"    {n},\n" for n in names) + ")\n"


def _write_tasks(world_file: Path, tasks_file: Path) -> Path:
    """Write the data-set variant's layouts, drawn once with the new world's own ``random_layout``:
    distinct layouts, disjoint between the splits, the same on every run."""
    spec = importlib.util.spec_from_file_location("_palaestra_new_world", world_file)
    world = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(world)
    rng = np.random.default_rng(0)
    seen: set[tuple] = set()
    lines = ["{"]
    for index, (split, count) in enumerate(DATASET_TASKS.items()):
        tasks = []
        while len(tasks) < count:
            start, goal, walls = world.random_layout(rng, DATASET_GRID["size"], DATASET_GRID["wall_share"])
            if (start, goal, walls) in seen:
                continue
            seen.add((start, goal, walls))
            task = {
                "id": f"{split}-{len(tasks):03d}",
                "size": DATASET_GRID["size"],
                "start": list(start),
                "goal": list(goal),
                "walls": sorted(list(cell) for cell in walls),
            }
            tasks.append(json.dumps(task))
        lines.append(f'  "{split}": [')
        lines.append(",\n".join(f"    {task}" for task in tasks))
        lines.append("  ]" + ("," if index < len(DATASET_TASKS) - 1 else ""))
    lines.append("}\n")
    tasks_file.write_text("\n".join(lines), encoding="utf-8")
    return tasks_file
