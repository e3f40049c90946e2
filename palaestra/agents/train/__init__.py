"""RL training of LLM policies on palaestra envs: the GRPO family (``palaestra train CONFIG``).

- ``config``: the TOML run config and the objective presets (grpo, dr_grpo, rloo, dapo).
- ``rollout``: multi-turn rollouts as token sequences with loss masks, through transformers ``generate``
  (``vllm_rollout``: the vLLM engine on a GPU).
- ``objectives``: group advantages, ALP's length penalty, TreeRPO step advantages, the clipped loss.
- ``samplers``: uniform, E2H and DOTS task selection, and the replay buffer.
- ``policy``: a tiny from-scratch policy with a tokenizer trained on env text; LoRA; token log-probs.
- ``trainer``: the step loop, checkpoints and exact resume; ``metrics``: jsonl, live view, plot.

Needs the ``train`` extra (torch, transformers, peft): ``pip install 'palaestra[train]'``.
"""

from palaestra.core.errors import MissingExtraError
from palaestra.core.registry import missing_extra

if missing_extra("train") is not None:
    raise MissingExtraError("training needs torch, transformers and peft: pip install 'palaestra[train]'")

from palaestra.agents.train.config import TrainConfig, config_from_dict, load_config  # noqa: E402
from palaestra.agents.train.run import run_training  # noqa: E402
from palaestra.agents.train.trainer import Trainer, checkpoints  # noqa: E402

__all__ = ["TrainConfig", "Trainer", "checkpoints", "config_from_dict", "load_config", "run_training"]
