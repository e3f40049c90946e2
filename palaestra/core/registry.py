"""Registration: every palaestra id goes to Gymnasium's registry and to a catalogue for ``palaestra list``.

Each entry declares its capabilities: the extra it needs (``None`` for the core install), whether it
has an expert, and whether it is byte-for-byte deterministic. ``missing_requirement`` tells whether
this machine lacks what the extra brings, so checks can skip such an id with the install command.

Other distributions add envs through the ``palaestra.envs`` entry-point group: each entry names a
module whose import registers its ids. They are imported the first time the catalogue is read
(``registered_envs``, or ``env_entry`` of an id not registered yet); one that fails to import is
skipped with a warning naming it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import warnings
from dataclasses import dataclass, field
from typing import Any

import gymnasium

# What each extra brings: Python modules it installs, or (``cmd:``) a program a system package installs.
EXTRA_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "llm": ("openai", "transformers", "torch"),
    "docker": ("docker",),
    "lean": (),  # the Lean ids speak to a REPL the user built: their data= variable names it
    "coq": ("cmd:coqtop",),
    "medical": ("pandas",),
    "search": ("bm25s",),
    "web": ("rapidfuzz", "bm25s"),
    "babyai": ("minigrid",),
    "alfworld": ("alfworld", "textworld"),
    "scienceworld": ("scienceworld", "cmd:java"),
    "multiagent": ("pettingzoo",),
    "train": ("torch", "transformers", "peft"),
    "openenv": ("openenv", "fastapi", "uvicorn", "websockets"),
    "trl": ("trl", "transformers", "torch", "datasets"),
    "verifiers": ("verifiers",),
    "verl": ("verl", "cachetools", "uvicorn", "fastapi"),
}
# program -> the Debian package that installs it
SYSTEM_PACKAGES = {"coqtop": "coq", "java": "default-jre-headless"}


@dataclass(frozen=True)
class EnvEntry:
    """What ``palaestra list`` shows of one registered id."""

    id: str
    family: str
    summary: str
    max_episode_steps: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    extra: str | None = None
    expert: bool = False
    deterministic: bool = True
    data: tuple[str, str] | None = None  # (environment variable, what its path names) of a data-set env

    @property
    def modality(self) -> str:
        return "vision" if "-Vision-" in self.id else "text"

    def missing_requirement(self) -> str | None:
        """``None`` when this machine has what the id needs; otherwise what to install, as a command, or
        the environment variable to set to the data the id reads."""
        missing = missing_extra(self.extra) if self.extra else None
        if missing is None and self.data is not None and not os.environ.get(self.data[0]):
            return f"set {self.data[0]} to the path of {self.data[1]}"
        return missing


def missing_extra(extra: str) -> str | None:
    """``None`` when what ``extra`` brings is here; otherwise the command that installs it."""
    for requirement in EXTRA_REQUIREMENTS[extra]:
        kind, _, name = requirement.rpartition(":")
        if kind == "cmd":
            if shutil.which(name) is None:
                return f"apt-get install {SYSTEM_PACKAGES[name]} (the {extra!r} extra needs {name})"
        elif importlib.util.find_spec(name) is None:
            return f"pip install 'palaestra[{extra}]'"
    return None


_CATALOGUE: dict[str, EnvEntry] = {}
PLUGIN_GROUP = "palaestra.envs"
_plugins_loaded = False


def load_plugins() -> None:
    """Import the env modules of the ``palaestra.envs`` entry points (once): a broken one is skipped
    with a warning that names it and its error."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    for plugin in entry_points(group=PLUGIN_GROUP):
        try:
            plugin.load()
        except Exception as error:  # noqa: BLE001 - one broken plugin must not take the others down
            warnings.warn(
                f"palaestra env plugin {plugin.name!r} ({plugin.value}) failed to load and is skipped: "
                f"{type(error).__name__}: {error}",
                RuntimeWarning,
                stacklevel=3,
            )


def register_env(
    env_id: str,
    entry_point: str,
    *,
    family: str,
    summary: str,
    max_episode_steps: int,
    kwargs: dict[str, Any] | None = None,
    extra: str | None = None,
    expert: bool = False,
    deterministic: bool = True,
    data: tuple[str, str] | None = None,
) -> None:
    """Register ``env_id`` with Gymnasium and record its family, summary and capabilities.

    ``extra`` names the ``palaestra[extra]`` the env needs, ``expert`` says whether ``expert_action``
    plays it, ``deterministic`` whether the same seed and actions give the same bytes. ``data`` is
    ``(variable, description)`` for an env over a data set that is not bundled: the environment
    variable that holds its path (checks skip the id while it is unset).
    """
    if extra is not None and extra not in EXTRA_REQUIREMENTS:
        raise ValueError(f"unknown extra {extra!r}; known extras: {', '.join(EXTRA_REQUIREMENTS)}")
    kwargs = dict(kwargs or {})
    # Without Gymnasium's PassiveEnvChecker and OrderEnforcing wrappers, each a frame on every call:
    # every id passes Gymnasium's full check_env in its conformance checks, and TextEnv refuses a step
    # before the first reset itself (ResetNeeded, as OrderEnforcing would).
    gymnasium.register(
        id=env_id,
        entry_point=entry_point,
        max_episode_steps=max_episode_steps,
        kwargs=kwargs,
        disable_env_checker=True,
        order_enforce=False,
    )
    _CATALOGUE[env_id] = EnvEntry(
        env_id, family, summary, max_episode_steps, kwargs, extra, expert, deterministic, data
    )


def register_text_and_vision(
    name: str, entry_point: str, *, kwargs: dict[str, Any] | None = None, **entry: Any
) -> None:
    """Register ``<name>-Text-v0`` and ``<name>-Vision-v0``: one env made with ``kwargs`` and
    ``vision=False`` / ``True``; ``entry`` holds ``register_env``'s other keyword arguments."""
    for modality, vision in (("Text", False), ("Vision", True)):
        register_env(
            f"{name}-{modality}-v0", entry_point, kwargs={**(kwargs or {}), "vision": vision}, **entry
        )


def registered_envs(family: str | None = None) -> list[EnvEntry]:
    """All palaestra ids, plugins' included (optionally of one family), sorted by family then id."""
    load_plugins()
    entries = [e for e in _CATALOGUE.values() if family is None or e.family == family]
    return sorted(entries, key=lambda e: (e.family, e.id))


def env_entry(env_id: str) -> EnvEntry:
    """The catalogue entry of ``env_id``; raises ``KeyError`` naming the known ids if it is unknown."""
    env_id = env_id.split(":", 1)[-1]
    if env_id not in _CATALOGUE:
        load_plugins()
    try:
        return _CATALOGUE[env_id]
    except KeyError:
        known = ", ".join(sorted(_CATALOGUE)) or "none"
        raise KeyError(f"unknown env id {env_id!r}; registered ids: {known}") from None
