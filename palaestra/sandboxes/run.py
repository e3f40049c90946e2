"""``run``: one program in a fresh sandbox; and the checks of what callers pass in."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Mapping

from palaestra.sandboxes.backends import Limits, resolve
from palaestra.sandboxes.result import RunResult
from palaestra.sandboxes.worker import run_script

LANGUAGES = ("python",)
MIN_MEMORY_MB = 128  # below this the interpreter itself cannot run


def run(
    code: str,
    *,
    language: str = "python",
    backend: str | None = None,
    timeout: float = 10.0,
    memory_mb: int = 1024,
    files: Mapping[str, str | bytes] | None = None,
) -> RunResult:
    """Run ``code`` as a program (``__main__``) in a fresh sandbox and return what it did.

    ``files`` are written into the work directory first (text as UTF-8); the result's ``files``
    are those the program wrote. The sandbox and every process the program started are gone
    when this returns, at the latest ``timeout`` seconds after the program started.

    >>> run("print(sum(range(10)))").stdout
    '45\\n'
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; the sandboxes run: {', '.join(LANGUAGES)}")
    limits = checked_limits(timeout, memory_mb)
    return run_script(
        resolve(backend), checked_code(code), limits, timeout=timeout, files=checked_files(files)
    )


def checked_code(code: object) -> str:
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, not {type(code).__name__}")
    return code


def checked_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout):
        raise ValueError(f"timeout must be a finite number of seconds, not {timeout!r}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    return float(timeout)


def checked_limits(timeout: object, memory_mb: object) -> Limits:
    checked_timeout(timeout)
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb < MIN_MEMORY_MB:
        raise ValueError(f"memory_mb must be an int of at least {MIN_MEMORY_MB}, not {memory_mb!r}")
    return Limits(memory_mb=memory_mb)


def checked_files(files: Mapping[str, str | bytes] | None) -> dict[str, bytes]:
    """``files`` as bytes by normalised relative path; paths that leave the work dir are errors."""
    checked = {}
    for name, content in (files or {}).items():
        path = posixpath.normpath(name) if isinstance(name, str) and name else ""
        if not path or path.startswith(("/", "../")) or path in (".", ".."):
            raise ValueError(f"file names must be relative paths inside the work directory, not {name!r}")
        if isinstance(content, str):
            content = content.encode()
        if not isinstance(content, bytes):
            raise TypeError(f"the content of {name!r} must be str or bytes, not {type(content).__name__}")
        checked[path] = content
    total = sum(map(len, checked.values()))
    if total > Limits().disk_mb * 2**20:
        raise ValueError(
            f"the files hold {total} bytes, more than the work directory's {Limits().disk_mb} MB"
        )
    return checked
