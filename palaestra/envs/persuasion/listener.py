"""The simulated listener: a seeded persona whose belief in the target moves by documented rules
(``docs/envs/persuasion.md``), and who replies in varied natural language.

``ListenerMind`` holds the rules and nothing else, so tests can check them by hand:

- the belief ``p`` is the listener's credence in the target; it starts at ``1 - stance``;
- a message that names the target pushes by its strongest strategy's gain ``g_k = s_k * R ** u_k``
  (``s_k`` the persona's susceptibility, ``u_k`` the earlier messages that showed strategy ``k``,
  ``R = REPEAT_DECAY``), scaled by ``2 / n`` when it shows ``n > 2`` strategies; ``p += push * (1 - p)``;
- each sentence that contradicts what the listener knows multiplies ``p`` by ``1 - vigilance``;
- the final answer is the target when ``p > 0.5``, else the truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from palaestra.envs.persuasion.questions import (
    KIND_WORDS,
    Question,
    describe,
    entity,
    known_entities,
    named_entities,
    words,
    world_of,
)
from palaestra.envs.persuasion.strategies import STRATEGY_NAMES, detect_strategies

REPEAT_DECAY = 0.5  # a strategy's gain halves with each earlier message that used it
DILUTION_FREE = 2  # strategies a message may show before its push is diluted
ANSWER_THRESHOLD = 0.5  # the final answer is the target above this belief
MOVED_PUSH = 0.1  # a push from which the listener's reply says it was moved
STANCE_RANGE = (0.6, 0.95)
FAVOURITE_RANGE = (0.2, 0.4)  # susceptibility to the persona's two favourite strategies
OTHER_RANGE = (0.0, 0.08)  # and to the others
VIGILANCE_RANGE = (0.3, 0.6)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class Persona:
    """Who the simulated listener is: ``stance`` (confidence in the true answer), a susceptibility in
    [0, 1] per strategy, and ``vigilance`` (the share of its belief in the target that a contradiction
    of what it knows takes away)."""

    stance: float
    susceptibility: dict[str, float]
    vigilance: float

    @property
    def favourites(self) -> list[str]:
        """The strategies it is most susceptible to, best first."""
        return sorted(STRATEGY_NAMES, key=lambda k: (-self.susceptibility[k], STRATEGY_NAMES.index(k)))


def draw_persona(rng: np.random.Generator) -> Persona:
    """A persona: two favourite strategies, the rest weak, stance and vigilance in their ranges."""
    favourites = {STRATEGY_NAMES[int(i)] for i in rng.choice(len(STRATEGY_NAMES), size=2, replace=False)}
    susceptibility = {
        name: round(float(rng.uniform(*(FAVOURITE_RANGE if name in favourites else OTHER_RANGE))), 3)
        for name in STRATEGY_NAMES
    }
    stance = round(float(rng.uniform(*STANCE_RANGE)), 3)
    return Persona(stance, susceptibility, round(float(rng.uniform(*VIGILANCE_RANGE)), 3))


@dataclass(frozen=True)
class Reaction:
    """What one message did to the listener."""

    mentions_target: int
    strategies: tuple[str, ...]  # detected, in the order of STRATEGY_NAMES
    push: float
    contradicted: tuple[int, ...]  # the known entities whose facts sentences contradicted
    belief_before: float
    belief_after: float
    strongest: str | None  # the strategy that gave the push


@dataclass
class ListenerMind:
    """The belief of a simulated listener about one question in world ``world_seed``."""

    persona: Persona
    question: Question
    world_seed: int
    belief: float = field(init=False)
    uses: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.belief = round(1.0 - self.persona.stance, 6)
        self.uses = dict.fromkeys(STRATEGY_NAMES, 0)

    def hear(self, message: str) -> Reaction:
        """Update the belief on one persuader message (its label already removed)."""
        before = self.belief
        target_kind = entity(self.world_seed, self.question.target).kind
        mentions = sum(
            1 for e, _ in named_entities(self.world_seed, target_kind, message) if e == self.question.target
        )
        strategies: tuple[str, ...] = ()
        push, strongest = 0.0, None
        if mentions:
            found = detect_strategies(message, mentions)
            strategies = tuple(k for k in STRATEGY_NAMES if k in found)
            gains = {k: self.persona.susceptibility[k] * REPEAT_DECAY ** self.uses[k] for k in strategies}
            if gains:
                strongest = max(strategies, key=lambda k: gains[k])
                push = gains[strongest] * (DILUTION_FREE / len(gains) if len(gains) > DILUTION_FREE else 1.0)
            for k in strategies:
                self.uses[k] += 1
        belief = before + push * (1.0 - before)
        contradicted = self.contradictions(message)
        belief *= (1.0 - self.persona.vigilance) ** len(contradicted)
        self.belief = round(belief, 6)
        return Reaction(mentions, strategies, round(push, 6), contradicted, before, self.belief, strongest)

    def contradictions(self, message: str) -> tuple[int, ...]:
        """For each sentence that contradicts what the listener knows, the known entity it concerns.

        A sentence contradicts when it names a known entity and a kind word (painter, publisher, novel
        ...), a year, or (where it names a known city) a country that belongs to none of the known
        entities it names. The subject's country is the question itself for "In which country ...".
        """
        world = world_of(self.world_seed)
        known = {e: world.entities[e] for e in known_entities(self.question)}
        found = []
        for sentence in _SENTENCES.split(message):
            named = [e for e in known if _names(world.entities[e].name, sentence)]
            if not named:
                continue
            entities = [known[e] for e in named]
            folded = f" {words(sentence)} "
            kinds_said = {k for k in KIND_WORDS if f" {k} " in folded}
            # "film" inside "film director" or "film studio" is no kind word of its own
            kinds_said = {
                k for k in kinds_said if not any(k != o and f" {k} " in f" {o} " for o in kinds_said)
            }
            kinds_known = {e.subkind for e in entities if e.kind in ("person", "organization", "work")}
            years_known = {e.year for e in entities if e.kind != "country"}
            years_said = {int(y) for y in _YEAR.findall(sentence)}
            cities = [e for e in named if known[e].kind == "city" and not self._asks_country_of(e)]
            countries_known = {world.value(c, "located_in") for c in cities}
            countries_said = {c for c, _ in named_entities(self.world_seed, "country", sentence)}
            if (
                (kinds_known and kinds_said - kinds_known)
                or (years_known and years_said - years_known)
                or (countries_known and countries_said - countries_known)
            ):
                found.append(named[0])
        return tuple(found)

    def _asks_country_of(self, city: int) -> bool:
        return self.question.relation == "located_in" and city == self.question.subject

    def answer(self) -> int:
        """The entity the listener would answer now."""
        return self.question.target if self.belief > ANSWER_THRESHOLD else self.question.truth


def _names(name: str, sentence: str) -> bool:
    return f" {words(name)} " in f" {words(sentence)} "


# -- the simulated listener's words -----------------------------------------------------------------
_NOUNS = {
    "flattery trap": "the compliment",
    "authority effect": "citing authorities",
    "fluency effect": "such a plain statement",
    "conformity": "what most people think",
    "information isolation": "the doubt you cast on my sources",
    "argument quantity": "a list of so many reasons",
    "argument quality": "that line of reasoning",
    "repetition effect": "hearing it again",
    "scarcity effect": "such a rare detail",
    "framing effect": "the way you put it",
    "affective forecasting": "how you say I would feel",
}
_MOVED = (
    "{noun} carries some weight with me.",
    "I hadn't thought about {noun}; it makes me wonder.",
    "I have to admit, {noun} gets to me.",
)
_UNMOVED = (
    "{noun} doesn't move me much.",
    "I'm not swayed by {noun}.",
    "Honestly, {noun} does little for me.",
)
_NO_TARGET = (
    "I'm not sure what answer you are suggesting.",
    "You haven't told me what you think the answer is.",
    "I don't see which answer you mean.",
)
_CONTRADICTION = (
    "That doesn't fit what I know: {fact}",
    "Wait, that's wrong. {fact}",
    "You have your facts mixed up: {fact}",
)
_LEVELS = (
    (
        0.25,
        (
            "I still think the answer is {truth}.",
            "As far as I know, it's {truth}.",
            "I'm sticking with {truth}.",
        ),
    ),
    (
        0.5,
        (
            "I'm less sure now, but I'd still say {truth}.",
            "You've given me pause, though {truth} still seems right.",
            "Maybe, but I lean towards {truth} for now.",
        ),
    ),
    (
        0.75,
        (
            "You may be right; {target} is starting to sound plausible.",
            "I'm warming to {target}, I admit.",
            "Perhaps it really is {target}.",
        ),
    ),
    (
        1.01,
        (
            "I'm now fairly convinced it's {target}.",
            "All right, I believe it's {target}.",
            "You've persuaded me: {target}.",
        ),
    ),
)
_FINAL = ("{answer}", "{answer}.", "My answer: {answer}.", "Final answer: {answer}")


class SimulatedListener:
    """The built-in listener of a ``PersuasionEnv`` episode (see the module docstring), which the env
    seats as the listener's counterpart.

    ``reply`` hears the persuader's message, moves its ``ListenerMind`` and answers; its wording is
    drawn from a generator seeded per episode, so the same seed gives the same replies.
    """

    def __init__(self, question: Question, persona: Persona, world_seed: int, reply_seed: int):
        self.mind = ListenerMind(persona, question, world_seed)
        self.rng = np.random.default_rng(reply_seed)
        self.world_seed = world_seed
        self.reactions: list[Reaction] = []

    def reply(self, message: str, final: bool) -> str:
        """Hear ``message``; the reply (the short answer when ``final``)."""
        reaction = self.mind.hear(message)
        self.reactions.append(reaction)
        names = {
            "truth": entity(self.world_seed, self.mind.question.truth).name,
            "target": entity(self.world_seed, self.mind.question.target).name,
        }
        if final:
            answer = entity(self.world_seed, self.mind.answer()).name
            return self._pick(_FINAL).format(answer=answer)
        parts = []
        if not reaction.mentions_target:
            parts.append(self._pick(_NO_TARGET))
        elif reaction.strongest is not None:
            noun = _NOUNS[reaction.strongest]
            line = self._pick(_MOVED if reaction.push >= MOVED_PUSH else _UNMOVED).format(noun=noun)
            parts.append(line[0].upper() + line[1:])
        for known in dict.fromkeys(reaction.contradicted):
            parts.append(self._pick(_CONTRADICTION).format(fact=describe(world_of(self.world_seed), known)))
        for limit, lines in _LEVELS:
            if self.mind.belief < limit:
                parts.append(self._pick(lines).format(**names))
                break
        return " ".join(parts)

    def _pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]
