"""The PettingZoo AEC view: PettingZoo's own api_test, and a self-play game of both experts."""

import importlib

from pettingzoo.test import api_test

from palaestra.envs.persuasion.aec import persuasion_aec
from palaestra.envs.persuasion.env import PersuasionEnv


class OptionsPersuasionEnv(PersuasionEnv):
    reset_options = ("options",)  # api_test checks the signature with options={"options": 1}


def test_the_aec_view_passes_pettingzoos_api_test(monkeypatch):
    from palaestra.core.aec import TextAECEnv

    # api_test compares an observation's numpy dtype with its space's, which a string has none of;
    # the containment check it makes just before stays, as does everything else it tests.
    module = importlib.import_module("pettingzoo.test.api_test")
    monkeypatch.setattr(module, "_test_observation_space_compatibility", lambda *args, **kw: None)
    api_test(TextAECEnv(lambda: OptionsPersuasionEnv(difficulty="easy")), num_cycles=40)


def test_self_play_gives_each_role_its_own_reward_and_score():
    env = persuasion_aec(difficulty="medium")
    env.reset(seed=3)
    order, totals, infos = [], {"persuader": 0.0, "listener": 0.0}, {}
    for agent in env.agent_iter():
        _, reward, terminated, truncated, info = env.last()
        totals[agent] += reward
        order.append(agent)
        infos[agent] = info
        env.step(None if terminated or truncated else env.env.expert_action())
    assert order[:6] == ["persuader", "listener"] * 3
    # the honest expert listener keeps the truth against the expert persuader
    assert totals == {"persuader": 0.0, "listener": 1.0}
    assert infos["listener"]["success"] and not infos["persuader"]["success"]
    assert infos["persuader"]["role_scores"] == {"persuader": 0.0, "listener": 1.0}
