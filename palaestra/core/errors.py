"""Errors that mean the user asked for something impossible, not that palaestra is broken.

``UsageError`` is raised where input is validated (an unknown id, a bad option value, a model folder
that does not exist); the command line prints its message as one line and exits with code 2, and
keeps tracebacks for everything else. It is a ``ValueError``, so library callers may catch either.

    >>> raise UsageError("unknown agent spec 'nobody'")   # doctest: +SKIP
"""

from __future__ import annotations


class UsageError(ValueError):
    """Input that cannot be used as given; the message says what to change, in one line."""


class MissingExtraError(UsageError, ImportError):
    """An optional backend whose extra is not installed; the message names the ``pip install``."""


__all__ = ["MissingExtraError", "UsageError"]
