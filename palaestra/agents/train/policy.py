"""The policy: a tiny causal LM built from scratch with a tokenizer trained on env text, or a local model;
LoRA through peft as an option; per-token log-probabilities for the loss.

Nothing is downloaded. ``build_tiny_policy`` plays episodes of the envs (the expert where there is one,
else random legal moves), trains a byte-level BPE tokenizer on their instructions, observations and
action replies (so env text takes few tokens and any text still encodes), gives it the chat template
of ``palaestra.agents.llm.tiny_model``, and saves it with a small Llama config and random weights. The
folder loads like any model: ``hf:FOLDER`` plays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from palaestra.agents.llm.tiny_model import CHAT_TEMPLATE, SPECIAL_TOKENS
from palaestra.core import env_entry
from palaestra.core import info as keys
from palaestra.core.errors import UsageError


def tiny_chat_template(system_turn: bool = True, observation_lines: int = 0) -> str:
    """The tiny policies' chat template (``palaestra.agents.llm.tiny_model``'s by default).

    ``system_turn=False`` leaves the system turn (the env's instructions) out; ``observation_lines=N``
    keeps only the last N lines of each user turn (an observation). Both are for a policy made for one
    env, which learns the rules in training instead of reading them: prompts several times shorter.
    """
    if system_turn and not observation_lines:
        return CHAT_TEMPLATE
    content = "message['content']"
    if observation_lines:
        content = (
            f"(message['content'].split('\\n')[-{observation_lines}:] | join('\\n')) "
            "if message['role'] == 'user' else message['content']"
        )
    keep = "true" if system_turn else "message['role'] != 'system'"
    return (
        f"{{% for message in messages %}}{{% if {keep} %}}"
        f"<|{{{{ message['role'] }}}}|>{{{{ {content} }}}}<|end|>{{% endif %}}{{% endfor %}}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )


@dataclass(frozen=True)
class TinyPolicySpec:
    """The architecture of a from-scratch policy (the defaults: about 270K parameters)."""

    vocab_size: int = 512
    hidden_size: int = 96
    layers: int = 2
    heads: int = 4
    intermediate_size: int = 256
    context_length: int = 4096
    corpus_episodes: int = 8
    corpus_steps: int = 40  # turns per corpus episode at most
    system_turn: bool = True  # False: the prompt leaves the env's instructions out (tiny_chat_template)
    observation_lines: int = 0  # N > 0: the prompt keeps only each observation's last N lines


def env_corpus(
    env_ids: list[str], env_kwargs: dict[str, Any], episodes: int, steps: int, seed: int
) -> list[str]:
    """Texts of played episodes of each env: instructions, observations and replies in action tags."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    for env_id in env_ids:
        has_expert = env_entry(env_id).expert
        env = gym.make(env_id, **env_kwargs)
        try:
            for episode in range(episodes):
                observation, info = env.reset(seed=episode)
                texts += [info[keys.INSTRUCTIONS], _text(observation)]
                for _ in range(steps):
                    legal = info.get(keys.VALID_ACTIONS) or []
                    if has_expert and (not legal or rng.random() < 0.7):
                        action = env.unwrapped.expert_action()
                    elif legal:
                        action = legal[int(rng.integers(len(legal)))]
                    else:
                        break
                    reply = f"<action>{action}</action>"
                    observation, _, terminated, truncated, info = env.step(reply)
                    texts += [reply, _text(observation)]
                    if terminated or truncated:
                        break
        finally:
            env.close()
    return texts


def _text(observation: Any) -> str:
    return observation["text"] if isinstance(observation, dict) else observation


def build_tiny_policy(
    folder: str | Path,
    env_ids: list[str],
    *,
    env_kwargs: dict[str, Any] | None = None,
    spec: TinyPolicySpec = TinyPolicySpec(),
    seed: int = 0,
) -> Path:
    """Save a from-scratch Llama-architecture policy and its env-trained tokenizer to ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = env_corpus(env_ids, env_kwargs or {}, spec.corpus_episodes, spec.corpus_steps, seed)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=spec.vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(corpus, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<|pad|>", eos_token="<|end|>", bos_token="<|end|>"
    )
    tokenizer.chat_template = tiny_chat_template(spec.system_turn, spec.observation_lines)
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads,
        num_key_value_heads=spec.heads,
        max_position_embeddings=spec.context_length,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    return folder


@dataclass(frozen=True)
class LoraSettings:
    """peft LoRA adapter settings (``[lora]`` in the config)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")


def load_policy(
    folder: str | Path, device: str, lora: LoraSettings | None, adapter: Path | None = None
) -> tuple[Any, Any]:
    """The model and tokenizer saved in ``folder``; with ``lora``, wrapped in a LoRA adapter: a fresh one,
    or the one saved in ``adapter``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise UsageError(f"model.path {str(folder)!r} holds no model: it has no config.json")
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if not getattr(tokenizer, "chat_template", None):
        raise UsageError(f"the tokenizer in {str(folder)!r} has no chat_template")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
    if lora is not None:
        model = add_lora(model, lora, adapter)
    return model.to(device), tokenizer


def add_lora(model: Any, lora: LoraSettings, adapter: Path | None = None) -> Any:
    """``model`` wrapped in a peft LoRA adapter (only the adapter trains), or in the one saved in
    ``adapter``."""
    try:
        from peft import LoraConfig, PeftModel, get_peft_model
    except ImportError as error:
        from palaestra.core.errors import MissingExtraError

        raise MissingExtraError("LoRA needs peft: pip install 'palaestra[train]'") from error
    if adapter is not None:
        return PeftModel.from_pretrained(model, adapter, is_trainable=True)
    config = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def pad_batch(sequences: list[list[int]], pad: int, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and their attention mask."""
    width = max(len(s) for s in sequences)
    ids = torch.tensor([s + [pad] * (width - len(s)) for s in sequences], device=device)
    attention = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences], device=device)
    return ids, attention


def token_logprobs(
    model: Any, ids: torch.Tensor, attention: torch.Tensor, temperature: float
) -> torch.Tensor:
    """``out[b, t]``: log-probability of token ``t + 1`` given the tokens before it, at ``temperature``
    (the distribution the rollouts sampled from, top-p aside)."""
    logits = model(input_ids=ids, attention_mask=attention).logits[:, :-1].float() / temperature
    return torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
