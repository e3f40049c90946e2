"""The contract every palaestra env follows. Imports nothing else of the project."""

from palaestra.core import info
from palaestra.core.actions import ActionError, extract_action, normalize, quote
from palaestra.core.env import SPLITS, TextEnv, split_seed, state_hash
from palaestra.core.presets import resolve_preset
from palaestra.core.registry import (
    EnvEntry,
    env_entry,
    register_env,
    register_text_and_vision,
    registered_envs,
)
from palaestra.core.spaces import UnicodeText

__all__ = [
    "SPLITS",
    "ActionError",
    "EnvEntry",
    "TextEnv",
    "UnicodeText",
    "env_entry",
    "extract_action",
    "info",
    "normalize",
    "quote",
    "register_env",
    "register_text_and_vision",
    "registered_envs",
    "resolve_preset",
    "split_seed",
    "state_hash",
]
