"""Medical: MedAgentGym-style biomedical tasks answered by running code in a sandboxed Python session.

Every env here is a ``code_env.CodeTaskEnv``: ``run_python[...]`` cells in a persistent sandboxed
interpreter, the family's own tools, then ``answer[...]``, graded by code. Ids need the ``medical``
extra (numpy and pandas for the sandbox's code).
"""

from palaestra.core import register_env

# Here rather than in the env modules, so that importing palaestra does not import the sandboxes.
MAX_TURNS = 15  # MedAgentGym's turn budget
MEDCALC_BENCH_VARIABLE = "PALAESTRA_MEDCALC_BENCH"
MEDCALC_BENCH_FILE = (
    "MedCalc-Bench's test_data.csv (github.com/ncbi-nlp/MedCalc-Bench, dataset/test_data.csv)"
)

register_env(
    "MedCalc-Code-v0",
    "palaestra.envs.medical.medcalc:MedCalcEnv",
    family="medical",
    summary="A named clinical score or value from a generated patient note (31 calculators), by code.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
)
register_env(
    "MedCalcBench-v0",
    "palaestra.envs.medical.medcalc_bench:MedCalcBenchEnv",
    family="medical",
    summary="MedCalc-Bench's test rows (55 calculators, real notes), by code; needs its test_data.csv.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
    data=(MEDCALC_BENCH_VARIABLE, MEDCALC_BENCH_FILE),
)
register_env(
    "EHRQuery-Code-v0",
    "palaestra.envs.medical.ehr:EHRQueryEnv",
    family="medical",
    summary="Questions about a generated MIMIC-like SQLite EHR database, answered by querying it with code.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
)
register_env(
    "BioCode-Code-v0",
    "palaestra.envs.medical.biocode:BioCodeEnv",
    family="medical",
    summary="Implement a bioinformatics function; hidden unit tests drawn from the seed run in a sandbox.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
)
register_env(
    "MedAgentGym-v0",
    "palaestra.envs.medical.medagentgym:MedAgentGymEnv",
    family="medical",
    summary="MedAgentGym's task files (EHR sets with their databases, biocoder, npowerai), graded by value.",
    max_episode_steps=MAX_TURNS,
    extra="medical",
    expert=True,
    data=(
        "PALAESTRA_MEDAGENTGYM_DATA",
        "MedAgentGym's data folder (the one holding mimic_iii/, biocoder/, ...)",
    ),
)
