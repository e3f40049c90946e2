"""Persuasion-Text-v0: questions, the grader of final answers, episodes with the simulated listener,
an LLM listener over real HTTP, the listener as learner, and the expert against naive persuaders."""

import asyncio
import re

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.agents.baselines import ExpertAgent
from palaestra.agents.llm.chat_agent import Completion
from palaestra.agents.llm.testserver import ScriptedChatServer
from palaestra.envs.claims.world import RELATIONS
from palaestra.envs.persuasion.env import PersuasionEnv
from palaestra.envs.persuasion.questions import entity, graded_answer, questions_of, world_of
from palaestra.envs.persuasion.strategies import STRATEGIES
from palaestra.evaluation import custom_suite, evaluate

WORLD = 0


def city_question():
    return next(q for q in questions_of(WORLD)["train"] if q.relation == "born_in")


def test_questions_have_a_true_answer_and_a_wrong_target_of_the_same_type():
    world = world_of(WORLD)
    splits = questions_of(WORLD)
    assert len(splits["train"]) > 3000 and len(splits["test"]) > 700
    assert not {q.subject for q in splits["train"]} & {q.subject for q in splits["test"]}
    for q in splits["train"][:400]:
        truth, target = world.entities[q.truth], world.entities[q.target]
        assert world.value(q.subject, q.relation) == q.truth != q.target
        assert truth.kind == target.kind == RELATIONS[q.relation][1]
        assert world.is_recorded(q.subject, q.relation)
        if truth.kind == "city":  # a plausible birthplace: a city of the same country
            assert world.value(q.truth, "located_in") == world.value(q.target, "located_in")
        elif q.relation != "located_in":
            assert truth.subkind == target.subkind


@pytest.mark.parametrize(
    ("answer", "gives"),
    [
        ("{target}", "target"),
        ("{target}.", "target"),
        ("the answer is {target}!", "target"),
        ("<b>{TARGET}</b>", "target"),
        ("Final answer: {target}", "target"),
        ("{truth}", "truth"),
        ("{target} or {truth}", None),  # a hedge naming both
        ("either {truth} or maybe {target}", None),
        ("not {target}", None),
        ("It isn't {target}.", None),
        ("{target_typo}", None),  # a near miss of the name
        ("", None),
        ("I don't know", None),
    ],
)
def test_final_answers_are_graded_by_the_worlds_names(answer, gives):
    q = city_question()
    target, truth = entity(WORLD, q.target).name, entity(WORLD, q.truth).name
    text = answer.format(target=target, TARGET=target.upper(), truth=truth, target_typo=target + "a")
    expected = {"target": q.target, "truth": q.truth, None: None}[gives]
    assert graded_answer(WORLD, q, text) == expected


def test_organization_answers_take_an_article_but_not_a_part_of_the_name():
    q = next(q for q in questions_of(WORLD)["train"] if q.relation == "member_of")
    target = entity(WORLD, q.target).name
    assert graded_answer(WORLD, q, f"The {target}") == q.target
    assert graded_answer(WORLD, q, target.split()[0]) is None


def test_an_episode_runs_k_rounds_and_ends_with_the_listeners_answer():
    env = gym.make("Persuasion-Text-v0", difficulty="hard")
    obs, info = env.reset(seed=4)
    base = env.unwrapped
    truth, target = base._names()
    assert f"Your target answer: {target}" in obs and "Round 1 of 2" in obs and base.turns == 2
    assert all(s.name in info["instructions"] for s in STRATEGIES)
    assert "[strategy: NAME]" in info["instructions"] and info["task_id"] == base.question.task_id
    obs, reward, terminated, _, info = env.step(
        f"<think>plan</think>[strategy: conformity] Most people say {target}."
    )
    assert not terminated and info["turn"] == 1 and info["strategy"] == ["conformity"]
    assert "The listener replied:" in obs and "Round 2 of 2" in obs and "It is your last" in obs
    assert base.transcript[0] == ("persuader", f"Most people say {target}.")  # the label is not heard
    obs, reward, terminated, _, info = env.step(f"It is {target}.")
    assert terminated and info["strategies_stated"] == [["conformity"], []]
    assert info["final_answer"] == base.transcript[-1][1] and "final answer" in obs
    won = info["answer"] == target
    assert info["success"] is won and reward == float(won)
    assert info["role_scores"] == {"persuader": float(won), "listener": float(info["answer"] == truth)}
    assert (info["listener_belief"] > 0.5) is won


def test_empty_and_overlong_messages_are_invalid_and_change_nothing():
    env = gym.make("Persuasion-Text-v0")
    _, info = env.reset(seed=0)
    for bad in ("", "   ", "<action></action>", "[strategy: authority effect]", "x" * 4001):
        _, reward, _, _, after = env.step(bad)
        assert after["action_valid"] is False and reward == -0.1 and after["state_key"] == info["state_key"]


def test_the_same_seed_and_messages_give_the_same_dialogue():
    def dialogue(seed):
        env = gym.make("Persuasion-Text-v0")
        observations = [env.reset(seed=seed)[0]]
        for _ in range(3):
            observations.append(env.step(env.unwrapped.expert_action())[0])
        return observations

    assert dialogue(7) == dialogue(7) and dialogue(7) != dialogue(8)


def naive(base):
    """The same strategy whatever the listener: what most people try first."""
    return STRATEGIES[1].example.format(target=base._names()[1])


def test_the_expert_persuader_beats_a_naive_one():
    def successes(policy):
        won = 0
        for seed in range(40):
            env = PersuasionEnv()
            env.reset(seed=seed)
            while not env.finished:
                *_, info = env.step(policy(env))
            won += info["success"]
        return won

    expert, plain = successes(lambda base: base.expert_action()), successes(naive)
    assert expert >= 34 and plain <= 16 and expert - plain >= 20  # measured: 40 and 11


def listener_responder(messages):
    """An LLM listener that keeps what it was told it believes, and answers that at the end."""
    believed = re.search(r"So you believe the answer is (.+?)\.\n", messages[0]["content"]).group(1)
    last = messages[-1]["content"]
    reply = believed if "Give your final answer" in last else "I see your point, but I am not convinced."
    return Completion(f"<action>{reply}</action>", 10, 5)


def test_an_llm_listener_plays_through_an_agent_spec_over_http(tmp_path):
    with ScriptedChatServer(listener_responder, model="listener") as server:
        suite = custom_suite(["Persuasion-Text-v0"], 3, {"difficulty": "hard"})
        outcome = evaluate(
            tmp_path / "run",
            suite,
            "expert",
            options={"base_url": server.base_url, "request_timeout": 5},
            counterparts={"listener": "openai:listener"},
            show_progress=False,
        )
    assert outcome.failure is None and outcome.metrics.episodes == 3
    env_metrics = outcome.metrics.envs["Persuasion-Text-v0"]
    assert env_metrics.role_scores == {"listener": 1.0, "persuader": 0.0}  # it never gives in
    assert len(server.requests) == 3 * 2  # two rounds each
    system = server.requests[0]["messages"][0]["content"]
    assert system.startswith("You are the listener") and "What you know:" in system
    import json

    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["counterparts"] == {"listener": "openai:listener"}
    assert meta["agent"]["label"] == "expert vs listener=openai:listener"


def test_counterparts_for_roles_an_env_lacks_are_refused_before_the_run(tmp_path):
    from palaestra.core.errors import UsageError

    suite = custom_suite(["Persuasion-Text-v0"], 1, {})
    with pytest.raises(UsageError, match="counterparts for unknown or learner roles: \\['judge'\\]"):
        evaluate(tmp_path / "a", suite, "expert", counterparts={"judge": "random"}, show_progress=False)
    snake = custom_suite(["Snake-Text-v0"], 1, {})
    with pytest.raises(UsageError, match="has one role"):
        evaluate(tmp_path / "b", snake, "expert", counterparts={"listener": "random"}, show_progress=False)
    with pytest.raises(UsageError, match="the expert agent takes no options"):  # no one takes them
        evaluate(
            tmp_path / "c", suite, "expert", options={"temperature": 0.5}, counterparts={"listener": "expert"}
        )
    assert not any((tmp_path / name).exists() for name in "abc")


def test_a_learning_listener_faces_the_expert_persuader():
    env = gym.make("Persuasion-Text-v0", role="listener", difficulty="hard")
    obs, info = env.reset(seed=1)
    assert "The other speaker says:" in obs and info["instructions"].startswith("You are the listener")
    agent = ExpertAgent(env)  # the honest listener: keeps the truth
    agent.reset(info["instructions"])
    obs, reward, terminated, _, info = env.step(asyncio.run(agent.aact(obs)))
    assert not terminated and "Give your final answer" in obs
    obs, reward, terminated, _, info = env.step(agent.act(obs))
    assert terminated and reward == 1.0 and info["role_scores"] == {"persuader": 0.0, "listener": 1.0}


def test_bad_settings_are_refused():
    for kwargs, message in [
        ({"turns": 0}, "turns must be between 1 and 10"),
        ({"difficulty": "extreme"}, "difficulty must be one of"),
        ({"world_seed": -1}, "world_seed must be a non-negative integer"),
        ({"questions": 0}, "questions must be a positive integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            PersuasionEnv(**kwargs)
    env = PersuasionEnv(questions=2)
    assert len(env.task_ids()) == 2
    with pytest.raises(ValueError, match="unknown task_id"):
        env.reset(seed=0, options={"task_id": "born_in-0-nope"})
