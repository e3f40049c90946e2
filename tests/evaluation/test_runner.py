"""The runner with agents that raise, hang or return garbage: the run completes and records errors."""

from __future__ import annotations

import dataclasses
import json
import time

import eval_helpers  # noqa: F401  (registers the test-only agents)
import pytest

from palaestra.evaluation import RunSettings, custom_suite, evaluate, read_episodes, resume

FAST = RunSettings(step_timeout=0.3, episode_timeout=20, max_retries=2, retry_backoff=0.01, concurrency=8)


def test_faulty_agents_end_their_episodes_with_errors_and_the_run_goes_on(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 8)
    started = time.monotonic()
    outcome = evaluate(tmp_path / "run", suite=suite, spec="test-faulty", settings=FAST, show_progress=False)
    # 2 hanging episodes in parallel, each 3 tries of 0.3 s: far below a serial run of every timeout.
    assert time.monotonic() - started < 5
    records = {r.seed: r for r in read_episodes(tmp_path / "run" / "episodes.jsonl")}
    assert sorted(records) == list(range(8))
    for seed, record in records.items():
        mode = ("raise", "hang", "garbage", "expert")[seed % 4]
        if mode == "expert":
            assert record.error is None and record.success and record.steps >= 1
            assert record.tokens["completion_tokens"] == record.steps
            continue
        assert not record.success and record.score == 0.0 and record.steps == 0
        assert record.error.startswith("AgentFailure: the agent failed 3 times")
        expected = {
            "raise": "RuntimeError: model server exploded",
            "hang": "TimeoutError",
            "garbage": "TypeError: the agent replied with dict, not text",
        }[mode]
        assert expected in record.error
    assert outcome.metrics.errors == 6 and outcome.remaining == 6
    assert outcome.metrics.envs["SnakeDecision-Text-v0"].success_rate == 2 / 8


def test_a_transient_failure_is_retried_and_leaves_no_error(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 3)
    outcome = evaluate(tmp_path / "run", suite=suite, spec="test-flaky", settings=FAST, show_progress=False)
    assert outcome.metrics.errors == 0 and outcome.remaining == 0
    assert outcome.metrics.envs["SnakeDecision-Text-v0"].success_rate == 1.0


def test_an_agent_error_is_recorded_without_more_retries(tmp_path):
    # The backend already retried; the runner asks once per episode and records the backend's words.
    eval_helpers.GivingUpAgent.calls = 0
    suite = custom_suite(["SnakeDecision-Text-v0"], 2)
    outcome = evaluate(
        tmp_path / "run", suite=suite, spec="test-gives-up", settings=FAST, show_progress=False
    )
    assert eval_helpers.GivingUpAgent.calls == 2 and outcome.metrics.errors == 2
    for record in read_episodes(tmp_path / "run" / "episodes.jsonl"):
        assert (
            record.error == "AgentFailure: the agent failed on step: AgentError: "
            "endpoint http://127.0.0.1:9/v1 answered 404 after 1 attempt"
        )


def test_text_garbage_is_invalid_actions_not_errors(tmp_path):
    suite = custom_suite(["Snake-Text-v0"], 2)
    outcome = evaluate(tmp_path / "run", suite=suite, spec="test-babble", settings=FAST, show_progress=False)
    env = outcome.metrics.envs["Snake-Text-v0"]
    assert env.errors == 0 and env.invalid_action_rate == 1.0 and env.mean_steps == 5  # truncated after 5
    step = read_episodes(tmp_path / "run" / "episodes.jsonl")[0].trajectory[0]
    assert step.reply == "\x00 <action>fly to the moon</action> 🐍" and step.action_valid is False


def test_episode_timeout_is_recorded(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 2)
    settings = dataclasses.replace(FAST, step_timeout=10, episode_timeout=0.2)
    evaluate(tmp_path / "run", suite=suite, spec="test-faulty", settings=settings, show_progress=False)
    hung = next(r for r in read_episodes(tmp_path / "run" / "episodes.jsonl") if r.seed == 1)
    assert hung.error == "TimeoutError: the episode ran past its limit of 0.2 s"


def test_resume_retries_only_errored_episodes(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 4)
    evaluate(tmp_path / "run", suite=suite, spec="test-faulty", settings=FAST, show_progress=False)
    lines_before = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    outcome = resume(tmp_path / "run", setting_changes=FAST.to_json(), show_progress=False)
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    assert lines[:4] == lines_before
    retried = sorted(json.loads(line)["seed"] for line in lines[4:])
    assert retried == [0, 1, 2]  # the finished seed 3 is not played again
    assert outcome.remaining == 3
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert len(meta["resumed_at"]) == 1 and meta["agent"]["spec"] == "test-faulty"


def test_resume_refuses_another_agent_or_suite(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 1)
    evaluate(tmp_path / "run", suite=suite, spec="expert", show_progress=False)
    with pytest.raises(ValueError, match="is a run of agent 'expert', not 'random'"):
        resume(tmp_path / "run", spec="random", show_progress=False)
    with pytest.raises(ValueError, match="is a run of suite custom"):
        resume(tmp_path / "run", suite=custom_suite(["Snake-Text-v0"], 1), show_progress=False)


def test_secret_options_are_not_written_and_must_be_given_again(tmp_path):
    suite = custom_suite(["SnakeDecision-Text-v0"], 1)
    options = {"api_key": "sk-very-secret", "api_key_env": "MY_KEY", "temperature": 0.5, "max_tokens": 64}
    evaluate(tmp_path / "run", suite=suite, spec="test-any-options", options=options, show_progress=False)
    meta_text = (tmp_path / "run" / "meta.json").read_text()
    assert "sk-very-secret" not in meta_text
    assert json.loads(meta_text)["agent"]["options"] == {
        "api_key": "<redacted>",
        "api_key_env": "MY_KEY",
        "max_tokens": 64,  # a sampling setting, not a secret
        "temperature": 0.5,
    }
    with pytest.raises(ValueError, match="api_key are secrets"):
        resume(tmp_path / "run", show_progress=False)
