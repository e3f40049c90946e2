"""A tiny random-weight chat model built in place: for tests, the test server and offline GPU checks.

Nothing is downloaded. A byte-level BPE tokenizer is trained on a few sentences (so any text
encodes), given a minimal chat template, and saved with a small Llama config and random weights.
The replies are gibberish; what such a model checks is the plumbing: templates, padding, batching,
token counting, and that an engine (transformers, vLLM) loads and runs a model folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
_CORPUS = [
    "You control a snake on a board; eat the apples and avoid the walls.",
    "Answer with one move: up, down, left or right, in an action tag.",
    "<action>up</action> <action>down</action> <action>left</action> <action>right</action>",
    "Turn 0. The head is at (3, 6), heading left; the enemy head is at (6, 2).",
    "I think the apple is above me, so I move up to reach it safely.",
]


def build_tiny_chat_model(
    folder: str | Path,
    *,
    vocab_size: int = 400,
    hidden_size: int = 16,
    layers: int = 1,
    heads: int = 2,
    context_length: int = 8192,
    seed: int = 0,
    corpus: Sequence[str] = (),
) -> Path:
    """Save a tiny Llama-architecture chat model and its tokenizer to ``folder``; return the folder.

    The defaults give a few thousand parameters (fast on CPU). Engines with attention kernels that
    need wide heads (vLLM) want ``hidden_size / heads`` of 64, e.g. ``hidden_size=128, heads=2``.
    ``corpus`` adds texts the tokenizer learns its words from, so that text like them (a chat
    template, a tool call) takes few tokens.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator([*_CORPUS, *corpus], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<|pad|>", eos_token="<|end|>", bos_token="<|end|>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=context_length,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    return folder
