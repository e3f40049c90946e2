"""``ClaimVerify-Text-v0``: verify a multi-hop claim about a fictional world with a search tool."""

from __future__ import annotations

from typing import Any

from palaestra.core import TextEnv, resolve_preset
from palaestra.envs.claims import language
from palaestra.envs.claims.claims import LABELS, NEI, REFUTED, SUPPORTED, Claim, chain, generate_claim
from palaestra.envs.claims.corpora import Corpus, WorldCorpus, world_corpus
from palaestra.envs.claims.language import Action
from palaestra.envs.claims.world import World

PRESETS: dict[str, dict[str, Any]] = {
    "easy": {"hops": (2,)},
    "medium": {"hops": (3,)},
    "hard": {"hops": (4,)},
    "mixed": {"hops": (2, 3, 4)},
}
# the words a searcher would add to an entity's name to find the passage stating a relation
RELATION_WORDS = {
    "born_in": "born",
    "member_of": "member",
    "founded_by": "founded",
    "based_in": "based",
    "located_in": "city",
    "created_by": "by",
    "released_by": "by",
}


class ClaimEnv(TextEnv):
    """The part every claim env shares: the tools, their texts, the verdict and the counts.

    A subclass sets ``labels`` and, in ``_new_episode``, ``self.claim_text`` and ``self.gold``; it
    gives the corpus with ``_corpus()``.
    """

    labels: tuple[str, ...] = LABELS
    label_meanings = (
        "SUPPORTED: the evidence shows the claim true; REFUTED: it shows the claim false; "
        "NOT ENOUGH INFO: the evidence does not settle it."
    )

    def __init__(self, *, top_k: int = 3, **base: Any):
        if not isinstance(top_k, int) or not 1 <= top_k <= 20:
            raise ValueError(f"top_k must be an integer from 1 to 20, got {top_k!r}")
        super().__init__(**base)
        self.top_k = top_k
        self.claim_text = ""
        self.gold = ""
        self._said = ""
        self._searches = 0
        self._opens = 0
        self._verdict: str | None = None
        self._last: Action | None = None
        self._expert_done: set[str] = set()  # the expert's searches and opens sent this episode

    def _corpus(self) -> Corpus:
        raise NotImplementedError

    def _start(self) -> None:
        """Reset the episode's counters once ``claim_text`` and ``gold`` are set."""
        self._searches = self._opens = 0
        self._verdict = None
        self._last = None
        self._expert_done = set()
        self._said = f"Claim: {self.claim_text}"

    def _parse(self, text: str) -> Action:
        return language.parse(text, self.labels)

    def _advance(self, action: Action) -> tuple[float, bool]:
        self._last = action
        if action.tool == "answer":
            self._verdict = action.argument
            right = action.argument == self.gold
            self._said = f"Your verdict: {action.argument}. " + ("It is right." if right else "It is wrong.")
            return float(right), True
        corpus = self._corpus()
        if action.tool == "search":
            self._searches += 1
            self._said = language.search_text(action.argument, corpus.search(action.argument, self.top_k))
        else:
            self._opens += 1
            found = corpus.entry(action.argument)
            if found is None:
                self._said = language.entry_text(action.argument, None, corpus.suggest(action.argument))
            else:
                self._said = language.entry_text(*found, [])
        return 0.0, False

    def _outcome(self) -> tuple[bool, float]:
        right = self._verdict is not None and self._verdict == self.gold
        return right, float(right)

    def _describe(self) -> str:
        if self._last is None or self._last.tool == "answer":
            return self._said
        return f"{self._said}\n\nClaim: {self.claim_text}"

    def _state_bytes(self) -> bytes:
        last = None if self._last is None else (self._last.tool, self._last.argument)
        return repr((self.claim_text, self._searches, self._opens, self._verdict, last)).encode()

    def _extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"searches": self._searches, "opens": self._opens}
        if self._verdict is not None:
            info["label"] = self.gold
        return info

    def tools(self) -> list[dict[str, Any]]:
        return language.tools()

    def _instructions(self) -> str:
        return language.instructions(
            self.labels, self._corpus().name, self._example_query(), self.label_meanings
        )

    def _example_query(self) -> str:
        return "who founded the company"


class ClaimVerifyEnv(ClaimEnv):
    """Verify a claim of 2 to 4 hops about a fictional world, searching its encyclopedia.

    The world (``world_seed``) is a generated encyclopedia of over 5,000 passages about fictional
    people, places, organizations and works (``world.build_world``); each episode draws a claim
    that chains ``hops`` relations ("The city where the director of the film X was born lies in
    Y.") and is SUPPORTED, REFUTED or NOT ENOUGH INFO by construction (``claims.generate_claim``):
    the label cycles with the seed, so any three consecutive seeds hold each label once, and the
    rest of the claim is drawn from the seed. Train and test claims start from disjoint entities.

    Spaces: text actions and observations (the contract's ``UnicodeText`` bounds).
    Observation: the claim at reset; then the answer of each tool: ``search[words]`` the ``top_k``
    best BM25 passages with their titles, ``open[title]`` a whole entry (or the titles close to a
    missing one), the claim repeated below. Action: ``search[...]``, ``open[...]`` or
    ``answer[LABEL]`` (tools in ``info["tools"]``); the verdict may be spelled ``supports``,
    ``Refuted``, ``NEI``, ``not enough information``...; other text is an invalid action.
    Reward: 1 when the verdict is right (the episode then ends), else 0; score the same.
    Info: ``searches`` and ``opens`` (counts), and ``label`` (the right verdict) once answered.
    Difficulty: ``easy`` / ``medium`` / ``hard`` are claims of 2 / 3 / 4 hops, ``mixed`` all three;
    ``hops`` overrides (an int or a tuple). Expert: follows the fact graph, searching and opening
    each entity's entry on the chain, then answers.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("ClaimVerify-Text-v0", difficulty="easy")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>search[Kovar Dalen]</action>")
    """

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        hops: int | tuple[int, ...] | None = None,
        world_seed: int = 0,
        **base: Any,
    ):
        if isinstance(hops, int):
            hops = (hops,)
        settings = resolve_preset(PRESETS, difficulty, hops=None if hops is None else tuple(hops))
        if not settings["hops"] or any(not isinstance(h, int) or not 2 <= h <= 4 for h in settings["hops"]):
            raise ValueError(f"hops must be 2, 3 or 4 (or a tuple of them), got {hops!r}")
        if isinstance(world_seed, bool) or not isinstance(world_seed, int) or world_seed < 0:
            raise ValueError(f"world_seed must be a non-negative integer, got {world_seed!r}")
        super().__init__(**base)
        self.hops: tuple[int, ...] = settings["hops"]
        self.world_seed = world_seed
        self.claim: Claim | None = None
        self._episode = -1  # the seed of the last seeded reset, plus the unseeded resets since

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        # The label cycles with the episode, so every three consecutive seeds hold each label once.
        self._episode = self._episode + 1 if seed is None else int(seed)
        return super().reset(seed=seed, options=options)

    def _corpus(self) -> WorldCorpus:
        return world_corpus(self.world_seed)

    @property
    def world(self) -> World:
        return self._corpus().world

    def _new_episode(self, options: dict[str, Any]) -> None:
        rng = self.np_random
        hops = self.hops[int(rng.integers(len(self.hops)))]
        label = LABELS[self._episode % len(LABELS)]
        self.claim = generate_claim(self.world, rng, hops=hops, split=self.split, label=label)
        self.claim_text, self.gold = self.claim.text, self.claim.label
        self._start()

    def _extra_info(self) -> dict[str, Any]:
        return {**super()._extra_info(), "hops": self.claim.hops}

    def _example_query(self) -> str:
        return f"{self.world.entities[self.claim.anchor].name} {RELATION_WORDS[self.claim.relations[0]]}"

    def expert_action(self) -> str:
        """Search for and open each entity's entry along the chain, as far as the encyclopedia goes,
        then give the verdict the opened entries support."""
        for step in expert_plan(self):
            if step not in self._expert_done:
                self._expert_done.add(step)
                return step
        return f"answer[{expert_verdict(self)}]"


def expert_plan(env: ClaimVerifyEnv) -> list[str]:
    """The searches and opens that reveal the chain: for each hop, the subject's name with the
    relation's word, then the subject's entry; it stops at the first fact the entry does not state."""
    world, claim = env.world, env.claim
    steps = []
    for subject, relation in zip(chain(world, claim.anchor, claim.relations), claim.relations):
        entity = world.entities[subject]
        steps += [f"search[{entity.name} {RELATION_WORDS[relation]}]", f"open[{entity.title}]"]
        if not world.is_recorded(subject, relation):
            break
    return steps


def expert_verdict(env: ClaimVerifyEnv) -> str:
    world, claim = env.world, env.claim
    entities = chain(world, claim.anchor, claim.relations)
    if not all(world.is_recorded(s, r) for s, r in zip(entities, claim.relations)):
        return NEI
    return SUPPORTED if entities[-1] == claim.value else REFUTED
