"""Isolated code execution for code-as-action envs.

``run(code)`` runs a program in a fresh sandbox; ``PythonSession()`` keeps an interpreter in one
between cells; both return a ``RunResult``. ``available_backends()`` lists the backends that work
here, strongest first (``bwrap``, then ``process``); ``backend=None`` takes the first. What each
backend promises, and the hostile programs it is tested against, are in ``docs/sandboxes.md``.
"""

from palaestra.sandboxes.backends import available_backends
from palaestra.sandboxes.errors import SandboxError, SandboxWarning
from palaestra.sandboxes.result import RunResult
from palaestra.sandboxes.run import run
from palaestra.sandboxes.session import PythonSession

__all__ = ["PythonSession", "RunResult", "SandboxError", "SandboxWarning", "available_backends", "run"]
