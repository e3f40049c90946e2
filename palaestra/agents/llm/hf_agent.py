"""``hf:PATH``: a local transformers causal LM and its chat template, on CPU or GPU.

The model is loaded once per agent spec. Concurrent episodes' turns are gathered by a
``MicroBatcher`` and generated as one left-padded batch in its worker thread. Token usage is exact:
the prompt's non-padding tokens and the generated tokens up to and including end-of-sequence.

Sampling: ``temperature`` 0 is greedy; None keeps the model's own generation config. With
``sampling_seed`` the torch generator is seeded per ``generate`` call (seed + call number) inside a
forked RNG state, so runs whose batches form the same way repeat exactly; batching depends on timing,
so concurrent runs are reproducible only with temperature 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from palaestra.agents.llm.batching import MicroBatcher
from palaestra.agents.llm.chat_agent import ChatAgentFactory, Completion, build_local
from palaestra.agents.llm.chat_template import (
    render_chat_prompt,
    require_chat_template,
    require_model,
    trim_at_stop,
)
from palaestra.agents.llm.prompting import Message, tokenizer_counter
from palaestra.agents.llm.settings import LOCAL_MAX_TOKENS, Sampling
from palaestra.core.errors import MissingExtraError, UsageError

OPTIONS = ("device", "dtype", "max_batch")
DTYPES = ("auto", "float32", "float16", "bfloat16")


def _import_transformers() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as err:
        raise MissingExtraError(
            "the hf: agent needs torch and transformers: pip install 'palaestra[llm]'"
        ) from err
    return torch, transformers


class TransformersBackend:
    """Batched chat generation with a local ``AutoModelForCausalLM`` (see the module docstring)."""

    accepts_images = False

    def __init__(
        self,
        path: str,
        sampling: Sampling,
        *,
        device: str = "auto",
        dtype: str = "auto",
        max_batch: int = 32,
        batch_window: float = 0.01,
    ):
        if dtype not in DTYPES:
            raise UsageError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        torch, transformers = _import_transformers()
        require_model("hf", path)
        self._torch = torch
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        local = Path(path).is_dir()  # a folder on disk never triggers a hub lookup
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=local)
        require_chat_template(self.tokenizer, path)
        self.tokenizer.padding_side = "left"  # generation continues from the right edge of every row
        if self.tokenizer.pad_token_id is None:
            if self.tokenizer.eos_token_id is None:
                raise ValueError(f"the tokenizer of {path!r} has neither a pad nor an eos token")
            self.tokenizer.pad_token = self.tokenizer.eos_token
        torch_dtype = dtype if dtype == "auto" else getattr(torch, dtype)
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            path, dtype=torch_dtype, local_files_only=local
        ).to(self.device)
        self.model.eval()
        self.sampling = sampling
        self.count_tokens = tokenizer_counter(self.tokenizer)
        self.context_length: int | None = getattr(self.model.config, "max_position_embeddings", None)
        eos = self.model.generation_config.eos_token_id
        self._eos_ids = set(eos if isinstance(eos, list) else [eos]) | {self.tokenizer.eos_token_id}
        self._eos_ids.discard(None)
        self._calls = 0
        self.batcher: MicroBatcher[str, Completion] = MicroBatcher(
            self._generate, name=f"hf:{path}", max_batch=max_batch, window=batch_window
        )

    @property
    def max_new_tokens(self) -> int:
        return self.sampling.max_tokens or LOCAL_MAX_TOKENS

    def submit(self, messages: list[Message]) -> Future[Completion]:
        return self.batcher.submit(render_chat_prompt(self.tokenizer, messages))

    def close(self) -> None:
        self.batcher.close()

    def preflight(self) -> None:
        """Nothing to check: the model was loaded when the backend was built."""

    def _generate(self, prompts: Sequence[str]) -> list[Completion]:
        torch = self._torch
        encoded = self.tokenizer(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False)
        encoded = encoded.to(self.device)
        kwargs = self._generate_kwargs()
        devices = [torch.device(self.device).index or 0] if self.device.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            if self.sampling.seed is not None:
                torch.manual_seed(self.sampling.seed + self._calls)
            output = self.model.generate(**encoded, **kwargs)
        self._calls += 1
        prompt_width = encoded["input_ids"].shape[1]
        prompt_lengths = encoded["attention_mask"].sum(dim=1).tolist()
        completions = []
        for row, prompt_tokens in zip(output[:, prompt_width:].tolist(), prompt_lengths):
            generated = self._until_end(row)
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            text = trim_at_stop(text, self.sampling.stop)
            completions.append(Completion(text, int(prompt_tokens), len(generated)))
        return completions

    def _generate_kwargs(self) -> dict[str, Any]:
        s = self.sampling
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if s.temperature == 0:
            kwargs["do_sample"] = False
        elif s.temperature is not None:
            kwargs.update(do_sample=True, temperature=s.temperature)
        if s.top_p is not None:
            kwargs["top_p"] = s.top_p
        if s.stop:
            kwargs.update(stop_strings=list(s.stop), tokenizer=self.tokenizer)
        return kwargs

    def _until_end(self, row: list[int]) -> list[int]:
        """The generated ids up to and including the first end-of-sequence; padding after it dropped."""
        for index, token in enumerate(row):
            if token in self._eos_ids:
                return row[: index + 1]
        pad = self.tokenizer.pad_token_id
        return row[: row.index(pad)] if pad in row else row


def build(argument: str, **options: Any) -> ChatAgentFactory:
    """The ``hf:PATH`` builder for ``agent_factory``."""
    return build_local("hf", TransformersBackend, OPTIONS, argument, options)
