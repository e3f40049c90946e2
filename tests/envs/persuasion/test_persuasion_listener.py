"""The strategies' cues and labels, and the simulated listener's rules, checked by hand."""

import pytest

from palaestra.envs.persuasion.listener import (
    ListenerMind,
    Persona,
    SimulatedListener,
    draw_persona,
)
from palaestra.envs.persuasion.questions import entity, questions_of
from palaestra.envs.persuasion.strategies import STRATEGIES, STRATEGY_NAMES, detect_strategies, split_label

WORLD = 0


def born_in_question():
    return next(q for q in questions_of(WORLD)["train"] if q.relation == "born_in")


def persona(**susceptible):
    return Persona(0.8, {name: susceptible.get(name.split()[0], 0.0) for name in STRATEGY_NAMES}, 0.5)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=STRATEGY_NAMES)
def test_each_strategys_example_shows_that_strategy_alone(strategy):
    message = strategy.example.format(target="Velmora")
    assert detect_strategies(message, message.count("Velmora")) == {strategy.name}


def test_cues_are_read_from_the_words_not_from_a_bare_claim():
    assert detect_strategies("I have thought about it and I suppose it might possibly be Velmora", 1) == set()
    assert "argument quality" not in detect_strategies("It is Velmora because I say so.", 1)  # no evidence
    assert "argument quality" in detect_strategies("The census is dated 1902, therefore it is Velmora.", 1)
    assert "repetition effect" in detect_strategies("Velmora, Velmora, Velmora.", 3)


@pytest.mark.parametrize(
    ("reply", "stated", "message"),
    [
        ("[strategy: authority effect] Experts agree.", ["authority effect"], "Experts agree."),
        ("[Strategy: Authority] Experts agree.", ["authority effect"], "Experts agree."),
        ("(strategy - AUTHORITY_EFFECT) Experts agree.", ["authority effect"], "Experts agree."),
        ("strategy= flattery trap\nYou are wise.", ["flattery trap"], "You are wise."),
        ("[strategies: conformity, scarcity] Few know.", ["conformity", "scarcity effect"], "Few know."),
        ("[strategy: telepathy] Trust me.", [], "Trust me."),  # unknown: not recorded, still removed
        ("Experts agree. [strategy: authority effect]", [], "Experts agree. [strategy: authority effect]"),
        ("No label at all.", [], "No label at all."),
        ("Strategy-wise, it is Velmora.", [], "Strategy-wise, it is Velmora."),  # words, not a label
    ],
)
def test_strategy_labels_are_read_leniently_and_never_required(reply, stated, message):
    assert split_label(reply) == (stated, message)


def test_the_belief_moves_as_the_rules_say():
    question = born_in_question()
    target = entity(WORLD, question.target).name
    subject = entity(WORLD, question.subject)
    mind = ListenerMind(persona(authority=0.3, conformity=0.2), question, WORLD)
    assert mind.belief == pytest.approx(0.2)  # 1 - stance
    authority = f"According to the official archives, historians agree that it is {target}."
    reaction = mind.hear(authority)
    assert reaction.strategies == ("authority effect",) and reaction.push == pytest.approx(0.3)
    assert mind.belief == pytest.approx(0.2 + 0.3 * 0.8)  # 0.44
    mind.hear(authority)  # used once before: half the gain
    assert mind.belief == pytest.approx(0.44 + 0.15 * 0.56)  # 0.524
    assert mind.answer() == question.target  # above 0.5
    reaction = mind.hear("According to the official archives, historians agree.")  # no target named
    assert reaction.push == 0 and reaction.strategies == () and mind.belief == pytest.approx(0.524)
    reaction = mind.hear(f"{subject.name} was born in {subject.year + 3}.")  # a year it knows otherwise
    assert reaction.contradicted == (question.subject,)
    assert mind.belief == pytest.approx(0.524 * 0.5)  # vigilance 0.5
    assert mind.answer() == question.truth
    stuffed = " ".join(s.example.format(target=target) for s in STRATEGIES)  # every strategy at once
    reaction = mind.hear(stuffed)
    n = len(reaction.strategies)
    assert n > 2 and reaction.strongest == "conformity"  # authority's gain is down to 0.3 / 4
    assert reaction.push == pytest.approx(0.2 * 2 / n)
    assert mind.belief == pytest.approx(0.262 + 0.2 * 2 / n * (1 - 0.262))


def test_facts_that_agree_with_what_the_listener_knows_are_no_contradiction():
    question = born_in_question()
    subject, target = entity(WORLD, question.subject), entity(WORLD, question.target)
    mind = ListenerMind(persona(), question, WORLD)
    agreeing = f"{subject.name}, the {subject.subkind} born in {subject.year}, was born in {target.name}."
    assert mind.contradictions(agreeing) == ()
    wrong_job = next(job for job in ("painter", "novelist") if job != subject.subkind)
    assert mind.contradictions(f"{subject.name} was a {wrong_job}.") == (question.subject,)
    assert mind.contradictions(f"In {subject.year + 1} the city grew.") == ()  # names no known entity


def test_a_kind_word_inside_a_longer_one_is_not_read_on_its_own():
    director = next(
        q
        for q in questions_of(WORLD)["train"]
        if q.relation == "born_in" and entity(WORLD, q.subject).subkind == "film director"
    )
    name = entity(WORLD, director.subject).name
    mind = ListenerMind(persona(), director, WORLD)
    assert mind.contradictions(f"{name}, the film director, ...") == ()  # not "film", a work
    assert mind.contradictions(f"{name}, the film studio, ...") == (director.subject,)


def test_personas_and_replies_are_deterministic_per_seed():
    import numpy as np

    first, again = draw_persona(np.random.default_rng(5)), draw_persona(np.random.default_rng(5))
    assert first == again and draw_persona(np.random.default_rng(6)) != first
    assert len([k for k, v in first.susceptibility.items() if v >= 0.2]) == 2  # two favourites
    question = born_in_question()
    target = entity(WORLD, question.target).name
    messages = [f"Most people agree it is {target}.", "Hello.", f"It is {target}. Simply {target}."]

    def replies(seed):
        listener = SimulatedListener(question, first, WORLD, seed)
        return [listener.reply(m, final=i == 2) for i, m in enumerate(messages)]

    assert replies(3) == replies(3)
    assert any(replies(3) != replies(seed) for seed in range(4, 10))  # the wording varies
    assert replies(3)[-1].strip(" .").split(": ")[-1] in (target, entity(WORLD, question.truth).name)
