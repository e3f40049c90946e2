"""LLM agents: one ``ChatAgent`` over three backends, and what they share.

Specs (see ``palaestra.agents.agent_factory``):

- ``openai:MODEL``: any OpenAI-compatible chat endpoint (``vllm serve``, hosted APIs); ``openai_agent``.
- ``hf:PATH``: a local transformers model, concurrent episodes batched into one ``generate``; ``hf_agent``.
- ``vllm:PATH``: the offline vLLM engine with prefix caching, for batched GPU rollouts; ``vllm_agent``.

``prompting`` assembles the conversation (system prompt, few-shot turns, history window, image
parts); ``testserver`` is a small OpenAI-compatible server for tests and benchmarks. The backends'
libraries (openai, torch, transformers, vllm) are imported only when an agent of theirs is built.
"""

from palaestra.agents.llm.chat_agent import ChatAgent, ChatAgentFactory, Completion
from palaestra.agents.llm.prompting import Conversation, HistoryWindow

__all__ = ["ChatAgent", "ChatAgentFactory", "Completion", "Conversation", "HistoryWindow"]
