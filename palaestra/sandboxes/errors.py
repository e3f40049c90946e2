"""What the sandboxes raise and warn."""

from palaestra.core.errors import EnvError


class SandboxError(EnvError):
    """A sandbox could not run the code (it failed to start, or was closed while running it).

    The code's own failures are not errors: they are in the ``RunResult``. A sandbox is part of an
    env's world, so this is an ``EnvError``: an env that lets it through ends the episode as a
    world failure, not as the agent's fault.
    """


class SandboxWarning(UserWarning):
    """A sandbox weaker than its user may think (the ``process`` backend isolates no files)."""
