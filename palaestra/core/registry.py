"""Registration: every palaestra id goes to Gymnasium's registry and to a catalogue for ``palaestra list``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium


@dataclass(frozen=True)
class EnvEntry:
    """What ``palaestra list`` shows of one registered id."""

    id: str
    family: str
    summary: str
    max_episode_steps: int
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def modality(self) -> str:
        return "vision" if "-Vision-" in self.id else "text"


_CATALOGUE: dict[str, EnvEntry] = {}


def register_env(
    env_id: str,
    entry_point: str,
    *,
    family: str,
    summary: str,
    max_episode_steps: int,
    kwargs: dict[str, Any] | None = None,
) -> None:
    """Register ``env_id`` with Gymnasium and record its family and summary."""
    kwargs = dict(kwargs or {})
    gymnasium.register(id=env_id, entry_point=entry_point, max_episode_steps=max_episode_steps, kwargs=kwargs)
    _CATALOGUE[env_id] = EnvEntry(env_id, family, summary, max_episode_steps, kwargs)


def register_text_and_vision(
    name: str, entry_point: str, *, family: str, summary: str, max_episode_steps: int
) -> None:
    """Register ``<name>-Text-v0`` and ``<name>-Vision-v0``: one env made with ``vision=False`` / ``True``."""
    for modality, vision in (("Text", False), ("Vision", True)):
        register_env(
            f"{name}-{modality}-v0",
            entry_point,
            family=family,
            summary=summary,
            max_episode_steps=max_episode_steps,
            kwargs={"vision": vision},
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
