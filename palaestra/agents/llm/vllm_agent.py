"""``vllm:PATH``: the offline vLLM engine, batching every live episode's turn into one ``generate``.

The engine (``vllm.LLM`` with prefix caching, so the shared system prompt and each episode's growing
history are computed once) is built once per agent spec. Turns from concurrent episodes are gathered
by a ``MicroBatcher`` and passed to ``LLM.generate`` together; vLLM schedules them continuously.
Prompts are rendered with the tokenizer's chat template and passed as token ids, tokenized without
added special tokens, since the template already writes any BOS the model expects.

vLLM is imported only when a ``vllm:`` agent is built, so everything else runs without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from palaestra.agents.llm.batching import MicroBatcher
from palaestra.agents.llm.chat_agent import ChatAgentFactory, Completion, build_local
from palaestra.agents.llm.chat_template import render_chat_prompt, require_chat_template, require_model
from palaestra.agents.llm.prompting import Message, tokenizer_counter
from palaestra.agents.llm.settings import LOCAL_MAX_TOKENS, Sampling
from palaestra.core.errors import MissingExtraError

OPTIONS = ("dtype", "max_model_len", "gpu_memory_utilization", "max_batch")


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as err:
        raise MissingExtraError(
            "the vllm: agent needs vLLM (and a GPU): pip install 'palaestra[vllm]'"
        ) from err
    return vllm


def token_prompt(tokenizer: Any, messages: list[Message]) -> dict[str, list[int]]:
    """The vLLM ``TokensPrompt`` for ``messages``: the chat template's text, tokenized as is."""
    text = render_chat_prompt(tokenizer, messages)
    return {"prompt_token_ids": tokenizer.encode(text, add_special_tokens=False)}


class VLLMBackend:
    """Batched chat generation with an offline ``vllm.LLM`` (see the module docstring)."""

    accepts_images = False

    def __init__(
        self,
        path: str,
        sampling: Sampling,
        *,
        dtype: str = "auto",
        max_model_len: int | None = None,
        gpu_memory_utilization: float | None = None,
        max_batch: int = 256,
        batch_window: float = 0.01,
    ):
        vllm = _import_vllm()
        require_model("vllm", path)
        engine_args: dict[str, Any] = {"model": path, "dtype": dtype, "enable_prefix_caching": True}
        if max_model_len is not None:
            engine_args["max_model_len"] = int(max_model_len)
        if gpu_memory_utilization is not None:
            engine_args["gpu_memory_utilization"] = float(gpu_memory_utilization)
        if sampling.seed is not None:
            engine_args["seed"] = sampling.seed
        self.engine = vllm.LLM(**engine_args)
        self.tokenizer = self.engine.get_tokenizer()
        require_chat_template(self.tokenizer, path)
        self.params = vllm.SamplingParams(**sampling.request_params(LOCAL_MAX_TOKENS))
        self.max_new_tokens = self.params.max_tokens
        # Newer vLLM exposes model_config on LLM itself; older only on its engine.
        model_config = getattr(self.engine, "model_config", None) or self.engine.llm_engine.model_config
        self.context_length: int | None = model_config.max_model_len
        self.count_tokens = tokenizer_counter(self.tokenizer)
        self.batcher: MicroBatcher[dict[str, list[int]], Completion] = MicroBatcher(
            self._generate, name=f"vllm:{path}", max_batch=max_batch, window=batch_window
        )

    def submit(self, messages: list[Message]) -> Future[Completion]:
        return self.batcher.submit(token_prompt(self.tokenizer, messages))

    def close(self) -> None:
        self.batcher.close()

    def preflight(self) -> None:
        """Nothing to check: the model was loaded when the backend was built."""

    def _generate(self, prompts: Sequence[dict[str, list[int]]]) -> list[Completion]:
        outputs = self.engine.generate(list(prompts), self.params, use_tqdm=False)
        return [
            Completion(out.outputs[0].text, len(out.prompt_token_ids), len(out.outputs[0].token_ids))
            for out in outputs
        ]


def build(argument: str, **options: Any) -> ChatAgentFactory:
    """The ``vllm:PATH`` builder for ``agent_factory``."""
    return build_local("vllm", VLLMBackend, OPTIONS, argument, options)
