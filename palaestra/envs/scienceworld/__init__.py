"""ScienceWorld over its own simulator (the ``scienceworld`` extra, and a Java runtime).

Registering needs neither: the simulator starts when an episode does. The id declares no expert and
no determinism: ScienceWorld draws parts of some tasks anew at every load (mendelian genetics' start
room and flower pots, for one), with no seed to fix, and such a draw can leave its own gold path
invalid; ``ScienceWorldEnv.expert_action`` replays that path where it holds.
"""

from palaestra.core import register_env

register_env(
    "ScienceWorld-v0",
    "palaestra.envs.scienceworld.env:ScienceWorldEnv",
    family="scienceworld",
    summary="ScienceWorld's 30 elementary-science tasks on its own simulator (Java), by task and variation.",
    max_episode_steps=100,
    extra="scienceworld",
    deterministic=False,
)
