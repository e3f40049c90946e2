"""``run_training``: what ``palaestra train CONFIG`` does, from a config file to a finished run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.agents.train.config import load_config
from palaestra.agents.train.trainer import Trainer, checkpoints
from palaestra.core.errors import UsageError


def run_training(config_path: str | Path, *, resume: bool = False) -> tuple[Trainer, list[dict[str, Any]]]:
    """Train as ``config_path`` says; with ``resume``, from the run folder's latest checkpoint.

    A run folder that already holds checkpoints is never overwritten: without ``resume`` it is an error.
    """
    config, text = load_config(config_path)
    saved = checkpoints(config.run.output_dir)
    if saved and not resume:
        raise UsageError(
            f"{config.run.output_dir!r} already holds a run (its last checkpoint is {saved[-1].name}); "
            "pass --resume to continue it, or set run.output_dir to a new folder"
        )
    if resume and not saved:
        raise UsageError(f"--resume: {config.run.output_dir!r} holds no checkpoint to resume from")
    trainer = Trainer(config, text, checkpoint=saved[-1] if resume else None)
    return trainer, trainer.train()
