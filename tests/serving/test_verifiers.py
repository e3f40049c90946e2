"""verifiers' own evaluation (``run_eval``) of palaestra envs, against the project's OpenAI-compatible
test server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import gymnasium as gym
import pytest

pytest.importorskip("verifiers.v1", reason="pip install 'palaestra[verifiers]'")

from verifiers.v1.cli.eval.runner import run_eval  # noqa: E402
from verifiers.v1.configs.cli.eval import EvalConfig  # noqa: E402

from palaestra.agents.llm.testserver import (  # noqa: E402
    ScriptedChatServer,
    action_example_responder,
    script_responder,
)
from palaestra.serving.verifiers import PalaestraEnv, load_environment  # noqa: E402

SIZE = {"size": 8}  # seeds 0 and 1 last 3 and 2 turns with the example action


def evaluate(server: ScriptedChatServer, tmp_path, *, rollouts: int = 2, **env) -> list:
    taskset = {"id": "palaestra_verifiers", "env_id": "Snake-Text-v0", "num_tasks": 2, "env_kwargs": SIZE}
    config = EvalConfig(
        env={"taskset": taskset, **env},
        model="test-model",
        client={"base_url": server.base_url, "api_key_var": "PALAESTRA_TEST_KEY"},
        num_rollouts=rollouts,
        rich=None,
        push=False,
        output_dir=tmp_path,
    )
    return asyncio.run(run_eval(config))


def local_episode(seed: int, reply: str, max_turns: int = 100) -> tuple[float, int, dict]:
    env = gym.make("Snake-Text-v0", **SIZE)
    env.reset(seed=seed)
    total, turns = 0.0, 0
    while True:
        _, reward, terminated, truncated, info = env.step(reply)
        total += reward
        turns += 1
        if terminated or truncated or turns >= max_turns:
            return total, turns, info


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("PALAESTRA_TEST_KEY", "not-a-secret")


@pytest.mark.slow
def test_verifiers_eval_plays_whole_episodes_scored_by_the_envs_reward(tmp_path):
    with ScriptedChatServer() as server:  # answers with the instructions' example action
        episodes = evaluate(server, tmp_path)
        requests = list(server.requests)
    assert len(episodes) == 4
    env = gym.make("Snake-Text-v0", **SIZE)
    observation, opening = env.reset(seed=0)
    example = action_example_responder([{"role": "system", "content": opening["instructions"]}]).text
    for episode in episodes:
        (trace,) = episode.traces
        seed = trace.task.data.seed
        total, turns, info = local_episode(seed, example)
        assert trace.reward == pytest.approx(total)
        assert trace.metrics["turns"] == turns > 1
        assert trace.metrics["score"] == pytest.approx(info["score"])
    assert len(requests) == sum(int(e.traces[0].metrics["turns"]) for e in episodes)
    openings = [r["messages"] for r in requests if len(r["messages"]) == 2]
    assert [
        {"role": "system", "content": opening["instructions"]},
        {"role": "user", "content": observation},
    ] in [[{k: m[k] for k in ("role", "content")} for m in opening] for opening in openings]
    later = max(requests, key=lambda r: len(r["messages"]))["messages"]
    assert [m["role"] for m in later[:5]] == ["system", "user", "assistant", "user", "assistant"]
    assert any(tmp_path.rglob("traces.jsonl")), "verifiers wrote its run record"


@pytest.mark.slow
def test_garbage_replies_score_the_invalid_action_penalty_and_max_turns_stops_an_episode(tmp_path):
    with ScriptedChatServer(script_responder(["no idea"])) as server:
        garbage = evaluate(server, tmp_path / "garbage", rollouts=1)
    for episode in garbage:
        (trace,) = episode.traces
        assert trace.reward == pytest.approx(-0.5) and trace.metrics["success"] == 0.0
        assert trace.metrics["turns"] == 5  # truncated after max_invalid_actions
    with ScriptedChatServer() as server:
        capped = evaluate(server, tmp_path / "capped", rollouts=1, max_turns=2)
    assert all(episode.traces[0].metrics["turns"] == 2 for episode in capped)


def test_load_environment_builds_the_taskset_of_the_seeds():
    env = load_environment("Snake-Text-v0", seeds=[5, 9], env_kwargs=SIZE, max_turns=7)
    assert isinstance(env, PalaestraEnv) and env.config.max_turns == 7
    tasks = list(env.taskset)
    observation, info = gym.make("Snake-Text-v0", **SIZE).reset(seed=9)
    assert [task.data.seed for task in tasks] == [5, 9]
    assert (tasks[1].data.prompt, tasks[1].data.system_prompt) == (observation, info["instructions"])
    with pytest.raises(ValueError, match="unknown env id 'Nope-v0'"):
        load_environment("Nope-v0")
    with pytest.raises(ValueError, match="one task id per seed"):
        load_environment("Snake-Text-v0", seeds=[1, 2], task_ids=["a"])
