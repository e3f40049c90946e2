"""The ``palaestra`` command run as a person would: as a subprocess."""

import os
import socket
import subprocess
import sys

import pytest

import palaestra

ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "COLUMNS": "200"}


def run(
    *args: str, stdin: str = "", env: dict[str, str] = ENV, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "palaestra", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_list_shows_every_id_with_family_modality_and_capabilities():
    out = run("list").stdout
    for entry in palaestra.registered_envs():
        assert entry.id in out
    assert "arcade" in out and "vision" in out and "text" in out
    assert "needs" in out and "expert" in out and "deterministic" in out
    snake = next(line for line in out.splitlines() if "Snake-Text-v0" in line)
    assert [cell.strip() for cell in snake.split("│")[4:7]] == ["-", "yes", "yes"]


def test_check_reports_every_check_and_passes():
    result = run("check", "Snake-Text-v0")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in (
        "gymnasium check_env",
        "determinism",
        "garbage is rejected",
        "garbage scores zero",
        "vector envs",
    ):
        assert name in result.stdout
    assert "0 check(s) failed, 0 skipped" in result.stdout


@pytest.mark.parametrize("driver", ["dummy", "offscreen"])
def test_play_a_vision_id_without_a_display_is_a_clear_error_not_a_hang(driver):
    env = {k: v for k, v in ENV.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run("play", "Snake-Vision-v0", stdin="up\n", env={**env, "SDL_VIDEODRIVER": driver}, timeout=60)
    _clean_error(
        result,
        f"Snake-Vision-v0 shows the game as an image, and no display is available (SDL video: {driver})",
        "play Snake-Text-v0 in the terminal",
    )


def test_play_in_the_terminal():
    result = run("play", "Snake-Text-v0", "--seed", "0", stdin="jump\n")
    assert result.returncode == 0, result.stderr
    assert "How to play" in result.stdout
    assert "Invalid action" in result.stdout and "'jump' is not a move" in result.stdout
    assert "Stopped." in result.stdout  # end of input quits cleanly


def test_play_to_the_end_reports_the_outcome():
    result = run(
        "play",
        "SnakeDecision-Text-v0",
        stdin="<best_answer>UP</best_answer><worst_answer>None</worst_answer>\n",
    )
    assert result.returncode == 0, result.stderr
    assert "score" in result.stdout and "turns" in result.stdout


def _clean_error(result: subprocess.CompletedProcess, *words: str) -> None:
    """One clear line starting with 'error:', exit code 2, and no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stdout
    for word in words:
        assert word in result.stdout, result.stdout


def test_check_an_unknown_id_is_one_line_not_a_traceback_per_check():
    _clean_error(run("check", "Snake-Text-v0", "Nope-v0"), "unknown env id 'Nope-v0'; registered ids: ")


def test_play_an_unknown_id_is_a_clear_error():
    _clean_error(run("play", "Nope-Text-v0"), "unknown env id 'Nope-Text-v0'")


def test_eval_bad_input_gives_one_clear_line(tmp_path):
    base = ("eval", "--env", "SnakeDecision-Text-v0", "--episodes", "1", "--no-progress")
    _clean_error(
        run(*base, "--agent", "openai:m", "--agent-option", "colour=blue", "--out", str(tmp_path / "a")),
        "colour",
    )
    _clean_error(run(*base, "--agent", "vllm:/no/model", "--out", str(tmp_path / "b")), "palaestra[vllm]")
    _clean_error(run("eval", "--suite", "nosuch", "--agent", "expert"), "unknown suite 'nosuch'")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # nothing half-made


def test_resume_of_a_damaged_run_names_the_file(tmp_path):
    (tmp_path / "meta.json").write_text("[1, 2]")
    (tmp_path / "episodes.jsonl").write_text("")
    _clean_error(run("eval", "--resume", str(tmp_path)), "meta.json: not a JSON object")


def test_labels_that_look_like_markup_are_shown_as_text(tmp_path):
    result = run(
        "eval",
        "--env",
        "SnakeDecision-Text-v0",
        "--episodes",
        "1",
        "--agent",
        "expert",
        "--label",
        "[/x] [bold]me",
        "--out",
        str(tmp_path / "run"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_play_takes_env_kwargs():
    result = run("play", "Snake-Text-v0", "--env-kwarg", "size=6", stdin="")
    assert result.returncode == 0, result.stderr
    assert "\n   0 1 2 3 4 5\n" in result.stdout  # the column header of a 6x6 board


def test_play_refuses_an_env_kwarg_the_env_does_not_take():
    _clean_error(
        run("play", "Snake-Text-v0", "--env-kwarg", "colour=blue"),
        "Snake-Text-v0 does not take colour='blue'",
    )


def test_serve_test_llm_bad_input_is_one_line():
    _clean_error(run("serve-test-llm", "--port", "0", "--faults", "teapot"), "unknown fault 'teapot'")
    _clean_error(run("serve-test-llm", "--port", "0", "--latency", "-1"), "latency must be >= 0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        _clean_error(run("serve-test-llm", "--port", port), f"cannot serve on 127.0.0.1:{port}")
