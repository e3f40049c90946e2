"""The eval, suites and bench commands as a user runs them (the installed console script)."""

from __future__ import annotations

import json
import socket

import pytest
from eval_helpers import run_cli

from palaestra.agents.llm.testserver import ScriptedChatServer


def test_suites_lists_every_suite():
    result = run_cli("suites")
    assert result.returncode == 0, result.stderr
    for name in ("quick", "core", "arcade"):
        assert name in result.stdout


def test_eval_writes_a_run_folder_with_the_meta_of_design(tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "eval",
        "--env",
        "SnakeDecision-Text-v0",
        "--episodes",
        "3",
        "--agent",
        "random",
        "--out",
        str(run),
        "--no-progress",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((run / "meta.json").read_text())
    assert meta["suite"]["envs"] == [
        {
            "env_id": "SnakeDecision-Text-v0",
            "family": "arcade",
            "kwargs": {"split": "test"},
            "seeds": [0, 1, 2],
        }
    ]
    assert meta["agent"] == {"spec": "random", "label": "random", "options": {}}
    assert {"python", "palaestra", "gymnasium"} <= set(meta["packages"])
    assert meta["started_at"] and "git_commit" in meta and meta["settings"]["backend"] == "asyncio"
    lines = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]
    assert sorted(line["seed"] for line in lines) == [0, 1, 2]
    assert {(line["suite"], line["suite_version"]) for line in lines} == {
        ("custom", meta["suite"]["version"])
    }
    assert "SnakeDecision-Text-v0" in result.stdout and "suite" in result.stdout


def test_eval_rejects_bad_input_with_a_clear_message(tmp_path):
    result = run_cli("eval", "--suite", "nope", "--agent", "random", "--out", str(tmp_path / "a"))
    assert result.returncode == 2 and "unknown suite 'nope'" in result.stdout
    result = run_cli(
        "eval", "--suite", "quick", "--agent", "nobody", "--out", str(tmp_path / "b"), "--no-progress"
    )
    assert result.returncode == 2 and "unknown agent spec 'nobody'" in result.stdout
    result = run_cli("eval", "--resume", str(tmp_path / "missing"))
    assert result.returncode == 2 and "has no meta.json" in result.stdout
    result = run_cli(
        "eval",
        "--suite",
        "quick",
        "--agent",
        "random",
        "--agent-option",
        "oops",
        "--out",
        str(tmp_path / "c"),
    )
    assert result.returncode == 2 and "is not KEY=VALUE" in result.stdout


def _one_line_error(result, message: str) -> None:
    """Exit code 2, no traceback, and ``message`` on the one line that says ``error:``."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0], result.stdout


@pytest.fixture(scope="module")
def server():
    with ScriptedChatServer(model="test-model") as running:
        yield running


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there once the socket is closed


SNAKE = ("eval", "--env", "Snake-Text-v0", "--episodes", "2", "--no-progress")


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("notaurl", "base_url must be an http(s) URL such as http://localhost:8000/v1, got 'notaurl'"),
        (None, "does not answer: [Errno 111] Connection refused"),
    ],
)
def test_an_endpoint_that_cannot_answer_fails_before_the_run(tmp_path, base_url, message):
    base_url = base_url or closed_port_url()
    result = run_cli(
        *SNAKE, "--agent", "openai:test-model", "--base-url", base_url, "--out", str(tmp_path / "r")
    )
    _one_line_error(result, message)
    assert not (tmp_path / "r").exists()


def test_a_model_the_endpoint_does_not_serve_fails_before_the_run(tmp_path, server):
    result = run_cli(
        *SNAKE, "--agent", "openai:gpt-9", "--base-url", server.base_url, "--out", str(tmp_path / "r")
    )
    _one_line_error(result, f"openai:gpt-9 at {server.base_url} does not serve 'gpt-9'; it serves test-model")
    assert not (tmp_path / "r").exists()


def test_a_text_only_agent_on_a_vision_id_fails_before_the_run(tmp_path):
    from palaestra.agents.llm.tiny_model import build_tiny_chat_model

    model = build_tiny_chat_model(tmp_path / "tiny")
    result = run_cli(
        "eval",
        "--env",
        "Snake-Vision-v0",
        "--agent",
        f"hf:{model}",
        "--no-progress",
        "--out",
        str(tmp_path / "r"),
    )
    _one_line_error(result, f"the hf:{model} agent reads text only, and this env observes images")
    assert not (tmp_path / "r").exists()


def test_a_run_whose_every_episode_failed_exits_non_zero(tmp_path):
    with ScriptedChatServer(model="test-model", faults="500*") as failing:
        result = run_cli(
            *SNAKE,
            "--agent",
            "openai:test-model",
            "--base-url",
            failing.base_url,
            "--max-retries",
            "0",
            "--out",
            str(tmp_path / "r"),
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "every episode failed; the last error: AgentFailure" in result.stdout
    assert "HTTP 500: injected fault 500" in result.stdout
    assert len((tmp_path / "r" / "episodes.jsonl").read_text().splitlines()) == 2  # the run was recorded


def test_llm_options_go_to_meta_and_the_run_plays(tmp_path, server):
    run = tmp_path / "r"
    result = run_cli(
        *SNAKE,
        "--agent",
        "openai:test-model",
        "--base-url",
        server.base_url,
        "--temperature",
        "0.3",
        "--agent-option",
        "history_turns=4",
        "--out",
        str(run),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((run / "meta.json").read_text())["agent"]["options"] == {
        "base_url": server.base_url,
        "history_turns": 4,
        "temperature": 0.3,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--agent", "expert:foo"), "the expert agent takes no argument: give 'expert', not 'expert:foo'"),
        (("--agent", "random", "--temperature", "0.3"), "the random agent takes no options; got temperature"),
        (("--agent", "hf:/no/such/folder"), "the hf: agent's model folder '/no/such/folder' does not exist"),
        (("--agent", "random", "--concurrency", "0"), "concurrency must be at least 1, got 0"),
        (("--agent", "random", "--env-kwarg", "colour=blue"), "Snake-Text-v0 does not take colour='blue'"),
        (
            ("--agent", "random", "--env-kwarg", "size=-3"),
            "Snake-Text-v0 does not take size=-3: size must be",
        ),
        (("--agent", "random", "--env-kwarg", "size"), "env kwarg 'size' is not KEY=VALUE"),
    ],
)
def test_bad_input_is_one_line_before_the_run(tmp_path, args, message):
    result = run_cli(*SNAKE, *args, "--out", str(tmp_path / "r"))
    _one_line_error(result, message)
    assert not (tmp_path / "r").exists()


def test_env_kwargs_reach_the_env_and_the_meta(tmp_path):
    run = tmp_path / "r"
    result = run_cli(
        *SNAKE,
        "--agent",
        "expert",
        "--env-kwarg",
        "size=6",
        "--env-kwarg",
        'opponent="none"',
        "--out",
        str(run),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((run / "meta.json").read_text())
    assert meta["suite"]["envs"][0]["kwargs"] == {"split": "test", "size": 6, "opponent": "none"}
    first = json.loads((run / "episodes.jsonl").read_text().splitlines()[0])
    assert "\n   0 1 2 3 4 5\n" in first["trajectory"][0]["observation"]  # the column header of a 6x6 board


def test_env_kwargs_go_with_env_ids_only(tmp_path):
    result = run_cli("eval", "--suite", "quick", "--agent", "random", "--env-kwarg", "size=8")
    _one_line_error(result, "--env-kwarg goes with --env: a suite fixes the settings of its envs")


def test_bench_help_names_the_output_folder_it_uses():
    help_text = " ".join(run_cli("bench", "--help").stdout.split())
    assert "runs/<suite>-bench-<time>" in help_text


@pytest.mark.slow
def test_bench_runs_quick_with_random_and_expert_and_prints_the_table(tmp_path):
    from palaestra.agents.policies import policies
    from palaestra.evaluation.evaluate import file_slug

    result = run_cli("bench", "--out", str(tmp_path / "bench"), "--no-progress", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    # The ranking (its title, both agents, expert first), then the score of each family per agent.
    ranking, _, rest = result.stdout.partition("└")
    assert "quick 5." in ranking, result.stdout
    agents = [line.split("│")[2].strip() for line in ranking.splitlines() if line.startswith("│ ")]
    assert [agent for agent in agents if agent] == ["expert", "random"], result.stdout
    per_family = rest.split("policy:")[0]
    families = [line.split("│")[1].strip() for line in per_family.splitlines() if line.startswith("│ ")]
    assert {"arcade", "babyai", "household"} <= set(families), result.stdout
    # Then each bundled policy's board: it, random and expert on the policy's env.
    for policy in policies():
        assert f"{policy.spec} beside random and expert" in result.stdout
        board = tmp_path / "bench" / "policies" / policy.name
        for spec in ("random", "expert", policy.spec):
            assert (board / file_slug(spec) / "meta.json").is_file()
    for name in ("index.html", "leaderboard.md", "leaderboard.csv"):
        assert (tmp_path / "bench" / "leaderboard" / name).is_file()
    rerun = run_cli("bench", "--out", str(tmp_path / "bench"), "--no-progress")  # resumes: nothing to do
    assert rerun.returncode == 0 and (tmp_path / "bench" / "expert" / "meta.json").is_file()
