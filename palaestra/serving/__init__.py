"""Envs over the network and the adapters that plug palaestra envs into other projects' trainers.

One module per integration, each behind its own extra, imported only when used:

    openenv     ``palaestra serve-env``: an OpenEnv server (HTTP and WebSocket) and its client   [openenv]
    trl         an ``environment_factory`` class and a ``rollout_func`` for TRL's GRPOTrainer     [trl]
    verifiers   ``load_environment(env_id)``: a verifiers multi-turn environment                 [verifiers]
    verl        ``PalaestraAgentLoop``, verl's agent loop ``palaestra``, and its dataset writer    [verl]

docs/integrations.md shows each in use.
"""

from __future__ import annotations

from palaestra.core.errors import MissingExtraError
from palaestra.core.registry import missing_extra


def require_extra(extra: str, what: str) -> None:
    """Raise ``MissingExtraError`` naming ``pip install 'palaestra[extra]'`` if ``extra`` is not installed."""
    command = missing_extra(extra)
    if command is not None:
        raise MissingExtraError(f"{what} needs the {extra!r} extra: {command}")
