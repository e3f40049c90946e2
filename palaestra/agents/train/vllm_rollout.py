"""Rollouts through the offline vLLM engine (GPU), with the policy's weights copied in after each update.

vLLM is imported only when this generator is built. The engine loads the run's model folder once; after
every optimizer step ``sync_weights`` loads the trained weights into the engine's model in place (names
as transformers saves them, which vLLM's ``load_weights`` maps), so the next rollouts sample the
updated policy. LoRA runs are refused here: their weights would have to be merged first.

Not run in this project's tests (they have no GPU and no vLLM): what is tested is the missing-extra
error; the engine calls follow vLLM's offline API (``LLM.generate`` on token prompts, ``apply_model``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from palaestra.core.errors import MissingExtraError


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as error:
        raise MissingExtraError(
            "rollout.backend = 'vllm' needs vLLM and a GPU: pip install 'palaestra[vllm]'"
        ) from error
    return vllm


class VLLMGenerator:
    """Token ids in, generated ids out (ending with eos when the model stopped), from ``vllm.LLM``."""

    def __init__(
        self,
        folder: str | Path,
        eos_token_id: int,
        *,
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        seed: int,
        max_context: int,
        gpu_memory_utilization: float = 0.4,
    ):
        # The engine shares the process (and GPU) with the trained model, so that weights move by
        # reference: vLLM's V1 engine otherwise runs the model in a worker process.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        vllm = _import_vllm()
        self.engine = vllm.LLM(
            model=str(folder),
            seed=seed,
            enable_prefix_caching=True,
            max_model_len=max_context,
            gpu_memory_utilization=gpu_memory_utilization,
        )
        self.params = vllm.SamplingParams(temperature=temperature, top_p=top_p, max_tokens=max_new_tokens)
        self.eos = eos_token_id

    def generate(self, prompts: list[list[int]]) -> list[list[int]]:
        outputs = self.engine.generate(
            [{"prompt_token_ids": p} for p in prompts], self.params, use_tqdm=False
        )
        completions = []
        for output in outputs:
            first = output.outputs[0]
            ids = list(first.token_ids)
            stopped_at_eos = first.finish_reason == "stop" and first.stop_reason is None
            if stopped_at_eos and (not ids or ids[-1] != self.eos):
                ids.append(self.eos)
            completions.append(ids)
        return completions

    def sync_weights(self, model: Any) -> None:
        """Load ``model``'s current weights into the engine."""
        weights = [(name, tensor.detach()) for name, tensor in model.state_dict().items()]
        if hasattr(self.engine, "apply_model"):  # vLLM >= 0.9: runs in every worker
            self.engine.apply_model(lambda engine_model: engine_model.load_weights(weights))
        else:
            runner = self.engine.llm_engine.model_executor.driver_worker.model_runner
            runner.model.load_weights(weights)
        if hasattr(self.engine, "reset_prefix_cache"):  # cached prefixes hold the old weights' keys
            self.engine.reset_prefix_cache()
