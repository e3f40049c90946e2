"""Agents: the protocol, scripted baselines, LLM backends, bundled policies and training."""

from palaestra.agents.base import Agent, AgentError, ScriptedAgent, run_episode
from palaestra.agents.baselines import ExpertAgent, RandomAgent
from palaestra.agents.registry import agent_factory, agent_prefixes, make_agent, register_agent

__all__ = [
    "Agent",
    "AgentError",
    "ExpertAgent",
    "RandomAgent",
    "ScriptedAgent",
    "agent_factory",
    "agent_prefixes",
    "make_agent",
    "register_agent",
    "run_episode",
]
