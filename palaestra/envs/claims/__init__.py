"""Claims: verify multi-hop claims with a search tool, on a generated world or on HoVer and EX-FEVER."""

from palaestra.core import register_env
from palaestra.envs.claims.datasets import EXFEVER_VARIABLE, HOVER_VARIABLE

register_env(
    "ClaimVerify-Text-v0",
    "palaestra.envs.claims.env:ClaimVerifyEnv",
    family="claims",
    summary="Verify 2-4 hop claims about a generated world with search[...] and open[...] (BM25).",
    max_episode_steps=30,
    extra="search",
    expert=True,
)
register_env(
    "HoVer-v0",
    "palaestra.envs.claims.datasets:HoVerEnv",
    family="claims",
    summary="HoVer's 2-4 hop claims over its Wikipedia, SUPPORTED or NOT_SUPPORTED, with BM25 search.",
    max_episode_steps=30,
    extra="search",
    expert=True,
    data=(HOVER_VARIABLE, "the folder of HoVer's files (its release json files, wiki_wo_links.db)"),
)
register_env(
    "ExFever-v0",
    "palaestra.envs.claims.datasets:ExFeverEnv",
    family="claims",
    summary="EX-FEVER's 2-3 hop claims over HoVer's Wikipedia, three labels, with BM25 search.",
    max_episode_steps=30,
    extra="search",
    expert=True,
    data=(EXFEVER_VARIABLE, "the folder of EX-FEVER's csv files (and HoVer's wiki_wo_links.db)"),
)
