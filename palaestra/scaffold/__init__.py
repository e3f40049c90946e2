"""Tools for contributors: ``new_env`` scaffolds an env; ``gallery`` writes the env gallery of the docs."""

from palaestra.scaffold.new_env import new_env

__all__ = ["new_env"]
