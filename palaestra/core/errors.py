"""Errors that more than one part of the project raises or catches.

``UsageError`` means the user asked for something impossible, not that palaestra is broken: it is
raised where input is validated (an unknown id, a bad option value, a model folder that does not
exist); the command line prints its message as one line and exits with code 2, and keeps tracebacks
for everything else. It is a ``ValueError``, so library callers may catch either.

``EnvError`` means an env's own world failed, which is not the agent's fault either.

    >>> raise UsageError("unknown agent spec 'nobody'")   # doctest: +SKIP
"""

from __future__ import annotations


class UsageError(ValueError):
    """Input that cannot be used as given; the message says what to change, in one line."""


class MissingExtraError(UsageError, ImportError):
    """An optional backend whose extra is not installed; the message names the ``pip install``."""


class EnvError(RuntimeError):
    """The world itself failed (a crashed prover, a dead JVM, a broken data file): not the agent's fault.

    ``reset`` raises it when an episode cannot start; a failure during ``step`` ends the episode
    truncated with ``info["truncation_reason"] = "env_error"`` instead, and the runner retries it.
    """


__all__ = ["EnvError", "MissingExtraError", "UsageError"]
