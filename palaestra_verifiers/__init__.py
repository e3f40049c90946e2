"""verifiers' plugin entry for palaestra: verifiers imports a taskset by a bare module name, so
``vf-eval palaestra_verifiers`` finds here the taskset, env and harness of ``palaestra.serving.verifiers``."""

from palaestra.serving.verifiers import PalaestraChatHarness, PalaestraEnv, PalaestraTaskset

__all__ = ["PalaestraChatHarness", "PalaestraEnv", "PalaestraTaskset"]
