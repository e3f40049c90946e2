"""``vllm:PATH`` on a machine without vLLM: the prompts and sampling it would send, and its import guard.

The engine itself is checked on a GPU machine by ``benchmarks/llm_rollout.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from palaestra.agents import agent_factory
from palaestra.agents.llm.prompting import Conversation, HistoryWindow
from palaestra.agents.llm.settings import LOCAL_MAX_TOKENS, Sampling
from palaestra.agents.llm.vllm_agent import token_prompt
from palaestra.core.errors import UsageError


def test_prompt_is_the_chat_template_tokenized_without_extra_special_tokens(tiny_model_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_path)
    conversation = Conversation(HistoryWindow(turns=1))
    conversation.reset("Move the snake.")
    for step in range(3):
        conversation.prompt(f"board {step}")
        conversation.record(f"<action>up</action> {step}")
    prompt = token_prompt(tokenizer, conversation.prompt("board 3"))
    text = tokenizer.decode(prompt["prompt_token_ids"])
    assert text == (
        "<|system|>Move the snake.<|end|>"
        "<|user|>board 2<|end|><|assistant|><action>up</action> 2<|end|>"
        "<|user|>board 3<|end|><|assistant|>"
    )
    assert prompt["prompt_token_ids"][0] == tokenizer.convert_tokens_to_ids("<|system|>")


def test_images_are_refused_by_the_text_only_prompt(tiny_model_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_path)
    message = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}
    with pytest.raises(ValueError, match="text only"):
        token_prompt(tokenizer, [message])


def test_sampling_settings_map_to_sampling_params():
    assert Sampling().request_params(LOCAL_MAX_TOKENS) == {"max_tokens": 512}
    assert Sampling().request_params() == {}
    given = Sampling(temperature=0.7, top_p=0.9, max_tokens=64, stop=("</action>",), seed=3)
    assert (
        given.request_params(LOCAL_MAX_TOKENS)
        == given.request_params()
        == {"max_tokens": 64, "temperature": 0.7, "top_p": 0.9, "seed": 3, "stop": ["</action>"]}
    )


def test_importing_the_backends_imports_none_of_their_libraries():
    code = (
        "import sys, palaestra, palaestra.agents\n"
        "from palaestra.agents.llm import openai_agent, hf_agent, vllm_agent, testserver\n"
        "print(sorted(m for m in ('openai', 'torch', 'transformers', 'vllm') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_without_vllm_the_error_names_the_extra(tmp_path):
    with pytest.raises(ImportError, match=r"pip install 'palaestra\[vllm\]'"):
        agent_factory(f"vllm:{tmp_path}")


def test_unknown_options_are_refused_before_loading_anything(tmp_path):
    with pytest.raises(UsageError, match="does not take option.*device"):
        agent_factory(f"vllm:{tmp_path}", device="cpu")
