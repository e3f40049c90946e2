"""The trained policies that ship inside the package: ``policy:NAME`` agents, no download.

Each policy is a folder here: a small transformers model and its tokenizer (trained from scratch by
``palaestra.policy_build``: SFT on expert play, then RL with ``palaestra.agents.train``), ``policy.json``
(the env it plays, how it samples, its test results), ``train.toml`` (the training config), the curves
and a model card (``README.md``). ``policy:NAME`` plays it (``palaestra.agents.policies.agent``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from palaestra.core.errors import UsageError

POLICIES_DIR = Path(__file__).resolve().parent
POLICY_FILE = "policy.json"


@dataclass(frozen=True)
class Policy:
    """One bundled policy, as its ``policy.json`` describes it."""

    name: str
    spec: str  # policy:NAME for a bundled one, policy:FOLDER otherwise
    folder: Path
    env_id: str
    env_kwargs: dict[str, Any]
    agent_options: dict[str, Any]  # how it plays: temperature, max_tokens, history_turns
    parameters: int
    results: dict[str, Any]  # split, episodes, and agent -> {score, low, high, success}

    @property
    def size_bytes(self) -> int:
        """The bytes it adds to the package (every file of its folder)."""
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())

    @property
    def test_score(self) -> dict[str, float] | None:
        """Its own test-split result: ``score``, ``low``, ``high`` (and ``success``)."""
        return self.results.get("agents", {}).get("policy")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec,
            "env_id": self.env_id,
            "env_kwargs": self.env_kwargs,
            "parameters": self.parameters,
            "size_bytes": self.size_bytes,
            "agent_options": self.agent_options,
            "results": self.results,
            "folder": str(self.folder),
        }


def _load(folder: Path, spec: str) -> Policy:
    data = json.loads((folder / POLICY_FILE).read_text(encoding="utf-8"))
    return Policy(
        name=folder.name,
        spec=spec,
        folder=folder,
        env_id=data["env_id"],
        env_kwargs=dict(data["env_kwargs"]),
        agent_options=dict(data["agent_options"]),
        parameters=int(data["parameters"]),
        results=dict(data.get("results", {})),
    )


@cache
def policies() -> tuple[Policy, ...]:
    """Every bundled policy, by name."""
    folders = sorted(p.parent for p in POLICIES_DIR.glob(f"*/{POLICY_FILE}"))
    return tuple(_load(folder, f"policy:{folder.name}") for folder in folders)


def get_policy(name: str) -> Policy:
    """The policy ``name``; ``UsageError`` naming the bundled ones otherwise."""
    for policy in policies():
        if policy.name == name:
            return policy
    known = ", ".join(p.name for p in policies()) or "none"
    raise UsageError(f"no bundled policy {name!r}; bundled: {known} (see `palaestra policies`)")


def find_policy(argument: str) -> Policy:
    """A bundled policy by name, or a folder holding a model and its ``policy.json`` (a policy of your
    own, trained with ``palaestra train``)."""
    folder = Path(argument).expanduser()
    if (folder / POLICY_FILE).is_file():
        return _load(folder.resolve(), f"policy:{argument}")
    return get_policy(argument)


def build(argument: str, **options: Any) -> Any:
    """The ``policy:NAME`` (or ``policy:FOLDER``) builder for ``agent_factory``."""
    from palaestra.agents.policies.agent import PolicyAgentFactory

    return PolicyAgentFactory(find_policy(argument), **options)
