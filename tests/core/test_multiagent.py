"""Multi-agent envs: the single-agent view with counterparts, and the PettingZoo AEC view."""

import importlib

import pytest
from pettingzoo.test import api_test

from palaestra.core import ActionError
from palaestra.core.aec import TextAECEnv
from palaestra.core.multiagent import MultiAgentTextEnv


class RaceToTen(MultiAgentTextEnv):
    """Two players add 1, 2 or 3 in turn to a running total; whoever reaches 10 wins."""

    roles = ("first", "second")

    def _new_episode(self, options):
        self.total = int(self.np_random.integers(0, 3))
        self.mover = 0
        self.winner = None

    def acting_role(self):
        return self.roles[self.mover]

    def _parse(self, text):
        if text not in ("1", "2", "3"):
            raise ActionError("add 1, 2 or 3")
        return int(text)

    def _play(self, role, action):
        self.total = min(10, self.total + action)
        if self.total == 10:
            self.winner = role
            return {r: (1.0 if r == role else -1.0) for r in self.roles}, True
        self.mover = 1 - self.mover
        return {}, False

    def _describe_for(self, role):
        return f"You are {role}. The total is {self.total}; {self.acting_role()} moves."

    def _instructions_for(self, role):
        return (
            f"You are {role}. Add 1, 2 or 3 to the total in turn; reaching 10 wins. Reply <action>2</action>."
        )

    def _state_bytes(self):
        return bytes([self.total, self.mover])

    def _outcome_for(self, role):
        return self.winner == role, float(self.winner == role)

    def valid_actions(self):
        return ["1", "2", "3"]

    def default_counterpart(self, role):
        return Constant("1")


class Constant:
    """A counterpart that always replies the same text, and remembers what it saw."""

    def __init__(self, reply):
        self.reply, self.seen, self.instructions = reply, [], None

    def reset(self, instructions):
        self.instructions = instructions

    def act(self, observation):
        self.seen.append(observation)
        return self.reply


def test_the_learner_steps_through_its_own_turns_and_the_counterpart_replies_between():
    other = Constant("3")
    env = RaceToTen(role="first", counterparts={"second": other})
    obs, info = env.reset(seed=0)
    assert other.instructions.startswith("You are second") and info["instructions"].startswith(
        "You are first"
    )
    start = env.total
    obs, reward, terminated, truncated, info = env.step("<action>2</action>")
    assert env.total == start + 5 and info["turn"] == 1 and obs.startswith("You are first")
    assert other.seen == [f"You are second. The total is {start + 2}; second moves."]
    while not terminated:
        obs, reward, terminated, truncated, info = env.step("3")
    assert info["role_scores"] == {
        "first": float(env.winner == "first"),
        "second": float(env.winner == "second"),
    }
    assert (
        reward == (1.0 if env.winner == "first" else -1.0) and info["score"] == info["role_scores"]["first"]
    )


def test_a_learner_who_moves_second_sees_the_first_reply_at_reset():
    env = RaceToTen(role="second")  # the default counterpart adds 1
    obs, info = env.reset(seed=4)
    assert env.acting_role() == "second" and info["turn"] == 0 and "instructions" in info
    assert "action_valid" not in info


class Script(Constant):
    """A counterpart that sends its replies in order."""

    def act(self, observation):
        self.seen.append(observation)
        return self.reply.pop(0)


def test_invalid_streaks_are_per_role_and_a_forfeit_zeroes_only_that_role():
    other = Script(["bad", "1", "bad", "bad"])
    env = RaceToTen(role="first", counterparts={"second": other}, max_invalid_actions=2, split="test")
    env.reset(seed=0)
    assert env.step("bad")[-1]["action_valid"] is False  # first's streak: 1
    *_, truncated, info = env.step("1")  # valid; second replies bad (its streak: 1), then 1
    assert not truncated and env.acting_role() == "first"
    assert env.step("bad")[-1]["action_valid"] is False  # first's streak starts again at 1
    *_, truncated, info = env.step("1")  # second replies bad twice: it forfeits
    assert truncated and info["truncation_reason"] == "invalid_actions"
    assert env.role_result("second") == (False, 0.0) and other.reply == []


def test_a_counterpart_that_raises_is_a_world_failure_not_the_learners_fault():
    class Crashing(Constant):
        def act(self, observation):
            raise ConnectionError("listener model unreachable")

    env = RaceToTen(counterparts={"second": Crashing("1")})
    env.reset(seed=0)
    *_, truncated, info = env.step("1")
    assert truncated and info["truncation_reason"] == "env_error"
    assert info["env_error"] == "the second counterpart failed: ConnectionError: listener model unreachable"


def test_bad_roles_and_counterparts_are_refused():
    with pytest.raises(ValueError, match="role must be one of"):
        RaceToTen(role="third")
    with pytest.raises(ValueError, match="counterparts for unknown or learner roles: \\['first'\\]"):
        RaceToTen(role="first", counterparts={"first": Constant("1")})
    with pytest.raises(TypeError, match="needs reset\\(instructions\\) and act\\(observation\\)"):
        RaceToTen(counterparts={"second": lambda observation: "1"})


def test_the_aec_view_passes_pettingzoos_api_test(monkeypatch):
    class Race(RaceToTen):
        reset_options = ("options",)  # api_test checks the signature with options={"options": 1}

    # api_test compares an observation's numpy dtype with its space's, which a string has none of;
    # the containment check it makes just before stays, as does everything else it tests.
    module = importlib.import_module("pettingzoo.test.api_test")  # the package's name is the function
    monkeypatch.setattr(module, "_test_observation_space_compatibility", lambda *args, **kw: None)
    api_test(TextAECEnv(Race), num_cycles=50)


def test_the_aec_view_plays_a_whole_game_with_one_streak_per_agent():
    env = TextAECEnv(lambda: RaceToTen(max_invalid_actions=2))
    env.reset(seed=2)
    first_mover = env.agent_selection
    env.step("bad")  # first mover's first invalid reply
    assert env.agent_selection == first_mover and env.rewards[first_mover] == -0.1
    env.step("1")
    env.step("bad")  # the other agent's first invalid reply: its own streak
    assert not any(env.truncations.values())
    for _ in env.agent_iter():
        *_, terminated, truncated, info = env.last()
        env.step(None if terminated or truncated else "3")
    winner = env.env.winner
    assert winner is not None and env.env.role_result(winner) == (True, 1.0)
