"""Errors of the contract that more than one part of the project raises or catches."""


class EnvError(RuntimeError):
    """The world itself failed (a crashed prover, a dead JVM, a broken data file): not the agent's fault.

    ``reset`` raises it when an episode cannot start; a failure during ``step`` ends the episode
    truncated with ``info["truncation_reason"] = "env_error"`` instead, and the runner retries it.
    """
