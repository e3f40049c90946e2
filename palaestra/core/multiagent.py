"""Multi-agent envs: several roles take turns in one world (a dialogue, a self-play game).

A ``MultiAgentTextEnv`` is a ``TextEnv`` whose world says which role acts next; the base's step logic
(action extraction, invalid replies, forfeits, world failures, info keys) applies to whichever role
acts, with one invalid streak per role. The same env is seen two ways:

- as a Gymnasium env for one role, the *learner* (``role=``): the other roles are played by
  counterparts, callables of the small ``Counterpart`` protocol below (any palaestra agent fits it;
  envs never import ``palaestra.agents``), so each ``step`` is the learner's turn and the others'
  replies up to the learner's next turn;
- as a PettingZoo AEC env, every role an agent of its own: ``palaestra.core.aec.TextAECEnv``.

What a subclass implements, besides ``_new_episode``, ``_parse``, ``_state_bytes`` and ``valid_actions``
of a ``TextEnv``::

    roles                     the role names, a class attribute
    acting_role()             the role whose turn it is
    _play(role, action)       apply ``role``'s legal action -> ({role: reward}, terminated)
    _describe_for(role)       what ``role`` observes now
    _instructions_for(role)   ``role``'s task, rules and action syntax
    _outcome_for(role)        (success, score in [0, 1]) of ``role`` so far

``info["role_scores"]`` holds every role's score; ``success`` and ``score`` are the learner's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from palaestra.core import info as keys
from palaestra.core.env import TextEnv, describe_failure


@runtime_checkable
class Counterpart(Protocol):
    """Plays a role other than the learner's: told its instructions, then asked for each reply."""

    def reset(self, instructions: str) -> None: ...

    def act(self, observation: Any) -> str: ...


class MultiAgentTextEnv(TextEnv):
    """Base of envs in which several roles take turns. See the module docstring.

    Args:
        role: the learner's role (the first role by default): whose observations, rewards and score
            the Gymnasium API reports.
        counterparts: role -> ``Counterpart`` for every other role, needed to ``step`` as a
            single-agent env (not by the AEC view); roles left out use ``default_counterpart``.
        **base: ``TextEnv``'s arguments.
    """

    roles: tuple[str, ...] = ()

    def __init__(
        self, *, role: str | None = None, counterparts: Mapping[str, Counterpart] | None = None, **base
    ):
        super().__init__(**base)
        self.role = self.roles[0] if role is None else role
        if self.role not in self.roles:
            raise ValueError(f"role must be one of {self.roles}, got {role!r}")
        self.seat(counterparts or {})
        self.last_rewards: dict[str, float] = {}
        self._seated: dict[str, Counterpart] = {}

    def seat(self, counterparts: Mapping[str, Counterpart]) -> None:
        """Replace the counterparts (as ``counterparts=`` gives them), from the next reset on: how an
        evaluation seats agents it builds for an env already made."""
        counterparts = dict(counterparts)
        unknown = sorted(set(counterparts) - (set(self.roles) - {self.role}))
        if unknown:
            raise ValueError(
                f"counterparts for unknown or learner roles: {unknown}; other roles: {self.roles}"
            )
        for name, counterpart in counterparts.items():
            if not isinstance(counterpart, Counterpart):
                raise TypeError(f"the counterpart of {name!r} needs reset(instructions) and act(observation)")
        self.counterparts = counterparts

    # -- the subclass's part ------------------------------------------------------------------
    def acting_role(self) -> str:
        raise NotImplementedError

    def _play(self, role: str, action: Any) -> tuple[dict[str, float], bool]:
        raise NotImplementedError

    def _describe_for(self, role: str) -> str:
        raise NotImplementedError

    def _instructions_for(self, role: str) -> str:
        raise NotImplementedError

    def _outcome_for(self, role: str) -> tuple[bool, float]:
        raise NotImplementedError

    def default_counterpart(self, role: str) -> Counterpart:
        """The counterpart that plays ``role`` when none is given; envs without one refuse."""
        raise ValueError(f"{type(self).__name__} needs a counterpart for role {role!r} (counterparts=...)")

    # -- the TextEnv parts, for the learner or the acting role --------------------------------
    def _actor(self) -> str:
        return self.acting_role()

    def _advance(self, action: Any) -> tuple[float, bool]:
        self.last_rewards, terminated = self._play(self.acting_role(), action)
        return self.last_rewards.get(self.role, 0.0), terminated

    def _describe(self) -> str:
        return self._describe_for(self.role)

    def _instructions(self) -> str:
        return self._instructions_for(self.role)

    def role_result(self, role: str) -> tuple[bool, float]:
        """``role``'s (success, score), a failure scoring 0 if it forfeited."""
        return (False, 0.0) if self._forfeiter == role else self._outcome_for(role)

    def _result(self) -> tuple[bool, float]:
        return self.role_result(self.role)

    def _info(self) -> dict[str, Any]:
        info = super()._info()
        info[keys.ROLE_SCORES] = {role: float(self.role_result(role)[1]) for role in self.roles}
        return info

    def observe(self, role: str):
        """What ``role`` observes now, as an observation of this env's space."""
        return self._observation_of(self._describe_for(role))

    def reward_of(self, role: str) -> float:
        """What ``role`` gained by the last turn."""
        return self.last_rewards.get(role, 0.0)

    # -- turns, for the AEC view and the single-agent view --------------------------------------
    def start(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode with no counterparts seated: ``TextEnv.reset``."""
        return TextEnv.reset(self, seed=seed, options=options)

    def play_turn(self, reply: str):
        """The acting role's reply, whoever plays it: ``TextEnv.step`` (the reward is the learner's;
        ``reward_of`` gives every role's)."""
        self.last_rewards = {}
        return TextEnv.step(self, reply)

    # -- the single-agent view ----------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        observation, info = self.start(seed=seed, options=options)
        self._seated = {role: self._counterpart(role) for role in self.roles if role != self.role}
        for role, counterpart in self._seated.items():
            counterpart.reset(self._instructions_for(role))
        if self.acting_role() == self.role:
            return observation, info
        observation, _, _, _, played = self._others_play(observation, 0.0, False, False, info)
        started = {k: v for k, v in played.items() if k not in (keys.ACTION_VALID, keys.ACTION_ERROR)}
        return observation, {**started, **{k: info[k] for k in (keys.INSTRUCTIONS, keys.TOOLS) if k in info}}

    def step(self, action: str):
        return self._others_play(*self.play_turn(action))

    def _counterpart(self, role: str) -> Counterpart:
        return self.counterparts.get(role) or self.default_counterpart(role)

    def _others_play(self, observation, reward, terminated, truncated, info):
        """Let the counterparts reply until it is the learner's turn or the episode ends."""
        while not (terminated or truncated) and self.acting_role() != self.role:
            role = self.acting_role()
            try:
                reply = self._seated[role].act(self.observe(role))
            except Exception as error:  # a counterpart is part of the learner's world
                return self._world_failed(f"the {role} counterpart failed: {describe_failure(error)}")
            observation, gained, terminated, truncated, info = self.play_turn(reply)
            if info[keys.ACTION_VALID]:  # a counterpart's invalid reply costs the learner nothing
                reward += gained
            self._turn -= 1  # the turn counts the learner's steps
            info[keys.TURN] = self._turn
        return observation, reward, terminated, truncated, info
