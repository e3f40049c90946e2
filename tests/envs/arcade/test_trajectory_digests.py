"""The arcade games' trajectories stay byte for byte what they were when their hot paths were optimized.

Each case plays seeded episodes with actions drawn by a seeded ``random.Random``: mostly legal ones
from ``info["valid_actions"]`` (the expert's where there is no such list), some the expert's, some
invalid text. Every observation (the text, or the image of a Vision id), reward, end flag and info
(but the instructions, which are the task's wording and not its state) goes into one SHA-256
digest, which must equal the one recorded with the code before the optimization (commit 1be7a93).
Three were recorded again when the optimization joined main, from main's code just before it (which
gave the same digests as the optimized code): 2048-vision and minesweeper-vision, whose image sizes
were raised to the games' new minimum, and snake-decision, whose valid_actions now list its answers.
Since then tetris was recorded again when its text gained the column heights and put the pieces last.
A change that alters a game's text or rules on purpose records new digests:
``python tests/envs/arcade/test_trajectory_digests.py`` prints them.
"""

from __future__ import annotations

import hashlib
import json
import random

import gymnasium as gym
import pytest

import palaestra  # noqa: F401

INVALID = ("jump", "<action>fly</action>", "reveal 99 99", "flag 0 0", "unflag 0 0", "")
CASES = {  # id -> (env id, kwargs, steps)
    "snake-vs-peers": ("Snake-Text-v0", {"size": 10, "num_apples": 3, "opponent": "greedy"}, 400),
    "snake-random-opponent": ("Snake-Text-v0", {"opponent": "random", "size": 7}, 300),
    "snake-alone": ("Snake-Text-v0", {"difficulty": "easy"}, 300),
    "snake-vision": ("Snake-Vision-v0", {"image_size": 64}, 150),
    "2048-vs-peers": ("2048-Text-v0", {"size": 4, "target": 2048}, 600),
    "2048-3x3": ("2048-Text-v0", {"size": 3, "target": 64}, 300),
    "2048-vision": ("2048-Vision-v0", {"image_size": 96}, 150),
    "sokoban-vs-peers": ("Sokoban-Text-v0", {"size": 6, "num_boxes": 2}, 400),
    "sokoban-hard": ("Sokoban-Text-v0", {"difficulty": "hard"}, 300),
    "sokoban-vision": ("Sokoban-Vision-v0", {"image_size": 64}, 150),
    "minesweeper-vs-peers": ("Minesweeper-Text-v0", {"width": 8, "height": 8, "mines": 10}, 400),
    "minesweeper-wide": ("Minesweeper-Text-v0", {"width": 12, "height": 5, "mines": 9}, 300),
    "minesweeper-vision": ("Minesweeper-Vision-v0", {"image_size": 128}, 150),
    # the other games that draw their text with grid.GridText
    "snake-decision": ("SnakeDecision-Text-v0", {}, 200),
    "tetris": ("Tetris-Text-v0", {}, 300),
}
DIGESTS = {  # recorded with the code of commit 1be7a93, four since (see the module docstring)
    "snake-vs-peers": "cd1997b5471357d6777139fbe926c2aa0bb4585e89986edefd0084284487ce2f",
    "snake-random-opponent": "31186dc7ee206fe9c70876894da1b8459c5a5e776a40955213fa46dccbbd47bc",
    "snake-alone": "605c861ef2d0bf12dc179c83dc64655ee81c74243604af945b2888a96829cd81",
    "snake-vision": "82660d99f3d9358a006fe742b6a126ab7650441ba61191dec6507ae8e9b6889e",
    "2048-vs-peers": "88c99fc29dbe0e0211d6a901e80db15bf4e7ad56990a6a5de07cf1a33ee2254d",
    "2048-3x3": "fee3575ab3b7a72126ecd75d2334067d08cd3970b28c9bece7254c9e96c9c3b0",
    "2048-vision": "8b33e7c31dcffe0975026ad6e1f8ca34d089e50b0e48dc269eec428e1d68c173",
    "sokoban-vs-peers": "c8ced460e3727d21d6fe98e4d56c0ea50ed41259e65f7a95b890fae6883ea9b5",
    "sokoban-hard": "bbfcb10adbac84c51a437a0a9375754e5f8c32f9051480603113895ffc43933c",
    "sokoban-vision": "e59b5451159f63ff3fb2dab61d26b3fe3def93044affced0dc698fd254a6f1f7",
    "minesweeper-vs-peers": "fc58c41ebd622c8cc6f7d249a920e53ef8c83b92cd13a92cad901ee34e0419c5",
    "minesweeper-wide": "c470eb73bbd6be7fae9cabd8032f1d78d1920973f92b8510cb15179ce5965242",
    "minesweeper-vision": "0974f34ad85ace861c27135033bc98741a7bdafba67d920b58e6bd989f134f76",
    "snake-decision": "b57d0fd63b4e5699dacaaf896ba6f2130e02e8f548b794ff8b0fedfe21dd08a8",
    "tetris": "fa2575ab876e82d6ee36068d0f215c4238d416a739ccce754218a906be4251d5",
}


def trajectory_digest(env_id: str, kwargs: dict, steps: int) -> str:
    """The SHA-256 of ``steps`` steps of seeded play, resets included (see the module docstring)."""
    env = gym.make(env_id, max_episode_steps=60, **kwargs)
    choose = random.Random(f"{env_id} {kwargs}")
    digest = hashlib.sha256()

    def record(obs, *rest) -> None:
        if isinstance(obs, dict):
            digest.update(obs["image"].tobytes())
        else:
            digest.update(obs.encode())
        *outcome, info = rest
        info = {key: value for key, value in info.items() if key != "instructions"}
        digest.update(json.dumps([outcome, info], sort_keys=True).encode())

    episode = 0
    obs, info = env.reset(seed=episode)
    record(obs, info)
    for _ in range(steps):
        roll = choose.random()
        legal = info.get("valid_actions")  # None where the actions are not a finite list: the expert plays
        if roll < 0.1:
            action = choose.choice(INVALID)
        elif roll < 0.2 or legal is None:
            action = env.unwrapped.expert_action()
        else:
            action = choose.choice(legal or INVALID)
        obs, reward, terminated, truncated, info = env.step(action)
        record(obs, reward, terminated, truncated, info)
        if terminated or truncated:
            episode += 1
            obs, info = env.reset(seed=episode)
            record(obs, info)
    env.close()
    return digest.hexdigest()


@pytest.mark.parametrize("case", CASES)
def test_trajectory_is_unchanged(case):
    assert trajectory_digest(*CASES[case]) == DIGESTS[case]


if __name__ == "__main__":
    for case, spec in CASES.items():
        print(f'    "{case}": "{trajectory_digest(*spec)}",')
