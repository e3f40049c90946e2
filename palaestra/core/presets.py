"""Difficulty presets: an env's named settings (``easy``, ``medium``, ``hard``) and explicit overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resolve_preset(
    presets: Mapping[str, Mapping[str, Any]], difficulty: str, **overrides: Any
) -> dict[str, Any]:
    """The settings of preset ``difficulty`` with every explicitly given (non-None) override applied.

    Example:
        >>> resolve_preset({"easy": {"size": 6}, "hard": {"size": 9}}, "easy", size=None)
        {'size': 6}
        >>> resolve_preset({"easy": {"size": 6}, "hard": {"size": 9}}, "hard", size=12)
        {'size': 12}
    """
    if difficulty not in presets:
        raise ValueError(f"difficulty must be one of {sorted(presets)}, got {difficulty!r}")
    settings = dict(presets[difficulty])
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return settings
