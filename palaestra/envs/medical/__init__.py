"""Medical: MedAgentGym-style biomedical tasks answered by running code in a sandboxed Python session.

Every env here is a ``code_env.CodeTaskEnv``: ``run_python[...]`` cells in a persistent sandboxed
interpreter, the family's own tools, then ``answer[...]``, graded by code. Ids need the ``medical``
extra (numpy and pandas for the sandbox's code).
"""

from palaestra.core import register_env

register_env(
    "EHRQuery-Code-v0",
    "palaestra.envs.medical.ehr:EHRQueryEnv",
    family="medical",
    summary="Questions about a generated MIMIC-like SQLite EHR database, answered by querying it with code.",
    max_episode_steps=15,
    extra="medical",
    expert=True,
)
register_env(
    "BioCode-Code-v0",
    "palaestra.envs.medical.biocode:BioCodeEnv",
    family="medical",
    summary="Implement a bioinformatics function; hidden unit tests drawn from the seed run in a sandbox.",
    max_episode_steps=15,
    extra="medical",
    expert=True,
)
register_env(
    "MedAgentGym-v0",
    "palaestra.envs.medical.medagentgym:MedAgentGymEnv",
    family="medical",
    summary="MedAgentGym's task files (EHR sets with their databases, biocoder, npowerai), graded by value.",
    max_episode_steps=15,
    extra="medical",
    expert=True,
    data=(
        "PALAESTRA_MEDAGENTGYM_DATA",
        "MedAgentGym's data folder (the one holding mimic_iii/, biocoder/, ...)",
    ),
)
