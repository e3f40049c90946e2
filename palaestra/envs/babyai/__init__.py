"""BabyAI-Text: minigrid's BabyAI levels in words and images (the ``babyai`` extra installs minigrid).

Registering needs no minigrid: it is imported when an env is made.
"""

from palaestra.core import register_text_and_vision
from palaestra.envs.babyai.env import LEVELS

for _level, (_, _max_steps) in LEVELS.items():
    register_text_and_vision(
        f"BabyAI-{_level}",
        "palaestra.envs.babyai.env:BabyAIEnv",
        family="babyai",
        summary=f"minigrid's BabyAI {_level} level: reach, pick up, open, place by a goal in words.",
        max_episode_steps=_max_steps,
        kwargs={"level": _level},
        extra="babyai",
        expert=True,
    )
