"""Medical: MedAgentGym-style biomedical tasks answered by running code in a sandboxed Python session.

Every env here is a ``code_env.CodeTaskEnv``: ``run_python[...]`` cells in a persistent sandboxed
interpreter, the family's own tools, then ``answer[...]``, graded by code. Ids need the ``medical``
extra (numpy and pandas for the sandbox's code).
"""

from palaestra.core import register_env
from palaestra.envs.medical.code_env import MAX_TURNS

register_env(
    "MedCalc-Code-v0",
    "palaestra.envs.medical.medcalc:MedCalcEnv",
    family="medical",
    summary="A named clinical score or value from a generated patient note (31 calculators), by code.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
)
