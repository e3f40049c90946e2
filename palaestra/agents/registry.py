"""Agent specs: strings such as ``random``, ``expert`` or ``openai:MODEL`` that name an agent.

``agent_factory(spec, **options)`` parses a spec once (so a model or client is built once per run)
and returns a factory; ``factory(env, seed=episode_seed)`` gives a fresh agent for one episode, whose
own randomness (if any) comes from that seed, so a run is reproducible whatever the episode order.
Backends register a builder for their spec prefix with ``register_agent``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import gymnasium as gym

from palaestra.agents.base import Agent
from palaestra.agents.baselines import ExpertAgent, RandomAgent
from palaestra.core.errors import UsageError

AgentFactory = Callable[..., Agent]  # (env, *, seed=None) -> Agent
# The scripted agents: they take no argument and no options (``palaestra bench`` gives them none).
SCRIPTED_AGENTS = ("random", "expert")
# prefix -> builder(argument after the colon, **options) -> factory
_BUILDERS: dict[str, Callable[..., AgentFactory]] = {}


def register_agent(prefix: str, builder: Callable[..., AgentFactory]) -> None:
    _BUILDERS[prefix] = builder


def agent_prefixes() -> list[str]:
    return sorted(_BUILDERS)


def agent_factory(spec: str, **options: Any) -> AgentFactory:
    """The factory for ``spec`` (``prefix`` or ``prefix:argument``).

    ``UsageError`` for an unknown prefix, and from the builder for an argument or option it does not take.
    """
    return _builder(spec)(spec.partition(":")[2], **options)


def check_agent_spec(spec: str) -> None:
    """``UsageError`` unless ``spec``'s prefix is registered (where the factory is built elsewhere)."""
    _builder(spec)


def _builder(spec: str) -> Callable[..., AgentFactory]:
    builder = _BUILDERS.get(spec.partition(":")[0])
    if builder is None:
        raise UsageError(f"unknown agent spec {spec!r}; known prefixes: {', '.join(agent_prefixes())}")
    return builder


def make_agent(spec: str, env: gym.Env, *, seed: int | None = None, **options: Any) -> Agent:
    """One agent for ``env``: ``agent_factory(spec, **options)(env, seed=seed)``."""
    return agent_factory(spec, **options)(env, seed=seed)


def _scripted(name: str, argument: str, options: dict[str, Any]) -> None:
    """Refuse what a scripted agent would otherwise silently ignore: ``expert:foo``, any option."""
    if argument:
        raise UsageError(f"the {name} agent takes no argument: give {name!r}, not {name + ':' + argument!r}")
    if options:
        raise UsageError(f"the {name} agent takes no options; got {', '.join(sorted(options))}")


def _random(argument: str, **options: Any) -> AgentFactory:
    _scripted("random", argument, options)
    return lambda env, seed=None: RandomAgent(env, seed=seed)


def _expert(argument: str, **options: Any) -> AgentFactory:
    _scripted("expert", argument, options)
    return lambda env, seed=None: ExpertAgent(env)


def _llm_backend(module: str) -> Callable[..., AgentFactory]:
    """The builder of an LLM backend, imported only when used (so openai, torch and vllm stay optional)."""

    def build(argument: str, **options: Any) -> AgentFactory:
        return importlib.import_module(f"palaestra.agents.llm.{module}").build(argument, **options)

    return build


def _policy(argument: str, **options: Any) -> AgentFactory:
    from palaestra.agents.policies import build

    return build(argument, **options)


def _haris(argument: str, **options: Any) -> AgentFactory:
    from palaestra.agents.haris import build

    return build(argument, **options)


register_agent("random", _random)
register_agent("expert", _expert)
register_agent("openai", _llm_backend("openai_agent"))
register_agent("hf", _llm_backend("hf_agent"))
register_agent("vllm", _llm_backend("vllm_agent"))
register_agent("haris", _haris)
register_agent("policy", _policy)
