"""Registration: every palaestra id goes to Gymnasium's registry and to a catalogue for ``palaestra list``.

Each entry declares its capabilities: the extra it needs (``None`` for the core install), whether it
has an expert, and whether it is byte-for-byte deterministic. ``missing_requirement`` tells whether
this machine lacks what the extra brings, so checks can skip such an id with the install command.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from typing import Any

import gymnasium

# What each extra brings: Python modules it installs, or (``cmd:``) a program a system package installs.
EXTRA_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "llm": ("openai", "transformers", "torch"),
    "docker": ("docker",),
    "lean": ("lean_interact",),
    "coq": ("cmd:coqtop",),
    "medical": ("pandas",),
    "search": ("bm25s",),
    "web": ("rapidfuzz",),
    "babyai": ("minigrid",),
    "alfworld": ("alfworld", "textworld"),
    "scienceworld": ("scienceworld",),
    "multiagent": ("pettingzoo",),
    "openenv": ("openenv", "fastapi", "uvicorn", "websockets"),
    "trl": ("trl", "transformers", "torch", "datasets"),
    "verifiers": ("verifiers",),
    "verl": ("verl", "cachetools", "uvicorn", "fastapi"),
}
SYSTEM_PACKAGES = {"coqtop": "coq"}  # program -> the Debian package that installs it


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

    @property
    def modality(self) -> str:
        return "vision" if "-Vision-" in self.id else "text"

    def missing_requirement(self) -> str | None:
        """``None`` when this machine has what the id needs; otherwise what to install, as a command."""
        return missing_extra(self.extra) if self.extra else None


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
) -> None:
    """Register ``env_id`` with Gymnasium and record its family, summary and capabilities.

    ``extra`` names the ``palaestra[extra]`` the env needs, ``expert`` says whether ``expert_action``
    plays it, ``deterministic`` whether the same seed and actions give the same bytes.
    """
    if extra is not None and extra not in EXTRA_REQUIREMENTS:
        raise ValueError(f"unknown extra {extra!r}; known extras: {', '.join(EXTRA_REQUIREMENTS)}")
    kwargs = dict(kwargs or {})
    gymnasium.register(id=env_id, entry_point=entry_point, max_episode_steps=max_episode_steps, kwargs=kwargs)
    _CATALOGUE[env_id] = EnvEntry(
        env_id, family, summary, max_episode_steps, kwargs, extra, expert, deterministic
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
    """All palaestra ids (optionally of one family), sorted by family then id."""
    entries = [e for e in _CATALOGUE.values() if family is None or e.family == family]
    return sorted(entries, key=lambda e: (e.family, e.id))


def env_entry(env_id: str) -> EnvEntry:
    """The catalogue entry of ``env_id``; raises ``KeyError`` naming the known ids if it is unknown."""
    env_id = env_id.split(":", 1)[-1]
    try:
        return _CATALOGUE[env_id]
    except KeyError:
        known = ", ".join(sorted(_CATALOGUE)) or "none"
        raise KeyError(f"unknown env id {env_id!r}; registered ids: {known}") from None
