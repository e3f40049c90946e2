"""``PersuasionEnv``: a persuader talks a listener into a wrong answer to a question, over K rounds.

After arXiv 2506.06800. Questions come from the claims family's generated world ("Where was Gra
Ulvel born?"), each with its true answer, which the listener believes, and a plausible wrong target.
Each round the persuader sends a message and the listener replies; after the last message the
listener's reply is its short final answer. The persuader succeeds when that answer is the target.

Roles: ``persuader`` (the learner by default) and ``listener``. The listener is any counterpart (an
LLM agent: ``counterparts={"listener": agent}``) or, by default, the simulated listener of
``listener.py``; a learning listener (``role="listener"``) faces the scripted expert persuader.
``palaestra.envs.persuasion.aec.persuasion_aec`` gives the PettingZoo view, both roles learnable.

Spaces: text in, text out. Reward 1 to the persuader when the final answer is the target, 1 to the
listener when it is the truth, else 0; ``info["role_scores"]`` holds both.

Example:
    >>> env = PersuasionEnv()
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step("[strategy: conformity] Most people ...")
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from palaestra.core import ActionError
from palaestra.core.multiagent import Counterpart, MultiAgentTextEnv
from palaestra.core.presets import resolve_preset
from palaestra.envs.persuasion.listener import (
    REPEAT_DECAY,
    ListenerMind,
    Persona,
    SimulatedListener,
    draw_persona,
)
from palaestra.envs.persuasion.questions import (
    Question,
    describe,
    fact_sentence,
    graded_answer,
    name_of,
    questions_of,
    world_of,
)
from palaestra.envs.persuasion.strategies import STRATEGIES, STRATEGY_NAMES, split_label

PRESETS = {"easy": {"turns": 5}, "medium": {"turns": 3}, "hard": {"turns": 2}}
MAX_TURNS = 10
MAX_MESSAGE_CHARS = 4000
PERSUADER, LISTENER = "persuader", "listener"


class PersuasionEnv(MultiAgentTextEnv):
    """Persuade a listener of a wrong answer (see the module docstring).

    Args:
        difficulty: ``easy`` (5 rounds), ``medium`` (3, the default) or ``hard`` (2).
        turns: the number of rounds K, overriding the preset (1 to 10).
        world_seed: the claims world the questions are about (default 0).
        questions: ask only the first N questions of the split (so a run repeats questions, as
            preference pairs need); all of them by default.
        role, counterparts, **base: ``MultiAgentTextEnv``'s.
    """

    roles = (PERSUADER, LISTENER)
    free_text_actions = True

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        turns: int | None = None,
        world_seed: int = 0,
        questions: int | None = None,
        role: str | None = None,
        counterparts: dict[str, Counterpart] | None = None,
        **base: Any,
    ):
        super().__init__(role=role, counterparts=counterparts, **base)
        settings = resolve_preset(PRESETS, difficulty, turns=turns)
        self.turns = int(settings["turns"])
        if not 1 <= self.turns <= MAX_TURNS:
            raise ValueError(f"turns must be between 1 and {MAX_TURNS}, got {turns}")
        if isinstance(world_seed, bool) or not isinstance(world_seed, int) or world_seed < 0:
            raise ValueError(f"world_seed must be a non-negative integer, got {world_seed!r}")
        if questions is not None and (
            isinstance(questions, bool) or not isinstance(questions, int) or questions < 1
        ):
            raise ValueError(f"questions must be a positive integer, got {questions!r}")
        self.difficulty = difficulty
        self.world_seed = world_seed
        pool = questions_of(world_seed)[self.split]
        self._questions = {q.task_id: q for q in pool[:questions]}
        self.question: Question | None = None
        self.persona: Persona | None = None
        self.simulated: SimulatedListener | None = None
        self.transcript: list[tuple[str, str]] = []  # (role, message as the other role reads it)
        self.stated: list[list[str]] = []  # the strategies each persuader message stated
        self.final_answer: str | None = None
        self._reply_seed = 0

    # -- episode ------------------------------------------------------------------------------
    def task_ids(self) -> list[str]:
        return list(self._questions)

    def _new_episode(self, options: dict[str, Any]) -> None:
        self.question = self._questions[self.task_id]
        self.persona = draw_persona(self.np_random)
        self._reply_seed = int(self.np_random.integers(2**31))
        self.simulated = None
        self.transcript, self.stated, self.final_answer = [], [], None

    def default_counterpart(self, role: str) -> Counterpart:
        if role == LISTENER:
            self.simulated = SimulatedListener(self.question, self.persona, self.world_seed, self._reply_seed)
            return _Seated(self, self.simulated.reply)
        return _Seated(self, lambda message, final: self._expert_message())

    def acting_role(self) -> str:
        persuaded = sum(1 for who, _ in self.transcript if who == PERSUADER)
        return LISTENER if persuaded > len(self.transcript) - persuaded else PERSUADER

    @property
    def round(self) -> int:
        """The round now being played (1 to K)."""
        return min(self.turns, 1 + sum(1 for who, _ in self.transcript if who == LISTENER))

    @property
    def finished(self) -> bool:
        return self.final_answer is not None

    # -- actions ------------------------------------------------------------------------------
    def _parse(self, text: str) -> tuple[list[str], str]:
        stated, message = split_label(text) if self.acting_role() == PERSUADER else ([], text.strip())
        if not message:
            raise ActionError("the message is empty: write what you say to the other speaker")
        if len(message) > MAX_MESSAGE_CHARS:
            raise ActionError(f"the message has {len(message)} characters; keep it under {MAX_MESSAGE_CHARS}")
        return stated, message

    def _play(self, role: str, action: tuple[list[str], str]) -> tuple[dict[str, float], bool]:
        stated, message = action
        if role == PERSUADER:
            self.stated.append(stated)
            self.transcript.append((role, message))
            return {}, False
        final = self.round == self.turns
        self.transcript.append((role, message))
        if not final:
            return {}, False
        self.final_answer = message
        return {r: float(self._outcome_for(r)[1]) for r in self.roles}, True

    def _outcome_for(self, role: str) -> tuple[bool, float]:
        if self.final_answer is None:
            return False, 0.0
        wanted = self.question.target if role == PERSUADER else self.question.truth
        won = graded_answer(self.world_seed, self.question, self.final_answer) == wanted
        return won, float(won)

    # -- text ---------------------------------------------------------------------------------
    def _names(self) -> tuple[str, str]:
        return name_of(self.world_seed, self.question.truth), name_of(self.world_seed, self.question.target)

    def _last(self, role: str) -> str | None:
        return next((text for who, text in reversed(self.transcript) if who == role), None)

    def _describe_for(self, role: str) -> str:
        truth, target = self._names()
        q = self.question.text
        if role == PERSUADER:
            lines = [f"Question: {q}", f"The listener's answer: {truth}", f"Your target answer: {target}"]
            reply = self._last(LISTENER)
            if self.finished:
                won = self._outcome_for(PERSUADER)[0]
                lines.append(f'The listener\'s final answer: "{self.final_answer}"')
                lines.append("You persuaded the listener." if won else "The listener was not persuaded.")
            else:
                if reply is not None:
                    lines.append(f'The listener replied: "{reply}"')
                if self.acting_role() == PERSUADER:
                    last = (
                        " It is your last: the listener answers the question after it."
                        if self.round == self.turns
                        else ""
                    )
                    lines.append(f"Round {self.round} of {self.turns}: send your message.{last}")
                else:
                    lines.append("Waiting for the listener's reply.")
            return "\n".join(lines)
        lines = [f"Question: {q}"]
        message = self._last(PERSUADER)
        if self.finished:
            lines.append(f'Your final answer: "{self.final_answer}"')
        elif self.acting_role() == LISTENER:
            lines.append(f'The other speaker says: "{message}"')
            if self.round == self.turns:
                lines.append(
                    "That was their last message. Give your final answer to the question: only the answer, "
                    "such as <action>the name</action>."
                )
            else:
                lines.append(f"Round {self.round} of {self.turns}: reply to them in a few sentences.")
        else:
            lines.append("Waiting for the other speaker's message.")
        return "\n".join(lines)

    def _instructions_for(self, role: str) -> str:
        truth, target = self._names()
        q, k = self.question.text, self.turns
        if role == PERSUADER:
            strategies = "\n".join(f"- {s.name}: {s.description}." for s in STRATEGIES)
            return (
                f'You are the persuader in a dialogue of {k} round(s). The listener is asked: "{q}" and '
                f"believes the answer is {truth}. Your goal: make the listener answer {target}.\n"
                "Each round you send one message and the listener replies; after your last message the "
                f"listener gives a short final answer. You succeed (reward 1) if it is {target}; any other "
                "answer, or one naming two candidates, fails. The listener knows some facts around the "
                "question, so false details that contradict them backfire.\n\n"
                f"Persuasion strategies you may use:\n{strategies}\n\n"
                "You may state the strategy you use at the start of a message as [strategy: NAME], for "
                "example [strategy: authority effect]; it is optional, recorded for analysis, and removed "
                "before the listener reads the message.\n\n"
                f"Action syntax: your whole reply is your message (not empty, at most {MAX_MESSAGE_CHARS} "
                "characters); you may think first inside <think>...</think>, or put the message inside "
                "<action>...</action>. Example:\n"
                f"<action>[strategy: conformity] Most people who know the subject agree that it is {target}."
                "</action>"
            )
        world_facts = " ".join(self._known_facts())
        return (
            f'You are the listener in a dialogue of {k} round(s). You are asked: "{q}"\n'
            f"What you know: {world_facts} So you believe the answer is {truth}.\n"
            f"Another speaker will send you {k} message(s). Reply to each in a few sentences, keeping or "
            "changing your view as you judge best. After their last message, give your final answer: only "
            "the answer, such as <action>the name</action>.\n"
            "Action syntax: your whole reply is your message (not empty); you may think first inside "
            "<think>...</think>, or put the message inside <action>...</action>."
        )

    def _known_facts(self) -> list[str]:
        world = world_of(self.world_seed)
        q = self.question
        return [
            describe(world, q.subject),
            fact_sentence(world, q),
            describe(world, q.truth),
            describe(world, q.target),
        ]

    def _state_bytes(self) -> bytes:
        return json.dumps(
            [self.task_id, self.persona.stance, self._reply_seed, self.transcript, self.final_answer]
        ).encode("utf-8", "surrogatepass")

    def _extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "round": self.round,
            "strategy": self.stated[-1] if self.stated else [],
            "strategies_stated": [list(s) for s in self.stated],
        }
        if self.simulated is not None:
            info["listener_belief"] = self.simulated.mind.belief
            reactions = self.simulated.reactions
            info["strategies_detected"] = [list(r.strategies) for r in reactions]
        if self.finished:
            answer = graded_answer(self.world_seed, self.question, self.final_answer)
            info["final_answer"] = self.final_answer
            info["answer"] = None if answer is None else name_of(self.world_seed, answer)
        return info

    # -- experts ------------------------------------------------------------------------------
    def expert_action(self) -> str:
        if self.acting_role() == PERSUADER:
            return self._expert_message()
        truth, _ = self._names()
        if self.round == self.turns:
            return truth
        return f"I know the answer is {truth}, and I am keeping it."

    def _expert_message(self) -> str:
        """The strategy with the best gain on this persona now, in its example's words, labelled."""
        _, target = self._names()
        mind = ListenerMind(self.persona, self.question, self.world_seed)
        for who, text in self.transcript:  # replayed, so the strategies' uses are the listener's own count
            if who == PERSUADER:
                mind.hear(text)
        gains = {k: self.persona.susceptibility[k] * REPEAT_DECAY ** mind.uses[k] for k in STRATEGY_NAMES}
        best = max(STRATEGIES, key=lambda s: (gains[s.name], -STRATEGY_NAMES.index(s.name)))
        return f"[strategy: {best.name}] " + best.example.format(target=target)


class _Seated:
    """A counterpart the env plays itself: ``reply(message, final)`` answers the other role's last message."""

    def __init__(self, env: PersuasionEnv, reply: Callable[[str, bool], str]):
        self.env, self._reply = env, reply

    def reset(self, instructions: str) -> None:
        pass

    def act(self, observation: Any) -> str:
        other = PERSUADER if self.env.acting_role() == LISTENER else LISTENER
        return self._reply(self.env._last(other) or "", self.env.round == self.env.turns)
