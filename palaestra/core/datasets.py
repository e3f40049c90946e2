"""Where a data-set env finds the files palaestra does not ship: a ``data_path`` or an env variable."""

from __future__ import annotations

import os
from pathlib import Path

from palaestra.core.errors import UsageError


def data_folder(data_path: str | os.PathLike | None, variable: str, name: str, how: str) -> Path:
    """The data folder: ``data_path``, else ``$variable``; ``UsageError`` saying ``how`` to get it when
    neither is given or it is not a folder. ``name`` is the env (or data set) the error speaks of."""
    chosen = data_path if data_path is not None else os.environ.get(variable)
    if not chosen:
        raise UsageError(f"{name} needs its data files: {how}; then pass data_path=FOLDER or set {variable}")
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{name}: data_path {str(folder)!r} is not a folder ({how})")
    return folder
