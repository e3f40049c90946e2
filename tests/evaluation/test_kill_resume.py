"""A CLI run killed with SIGKILL at random points, then resumed, ends like an uninterrupted run."""

from __future__ import annotations

import json
import os
import random
import signal
import time

from eval_helpers import episodes_lines, run_cli, start_cli

from palaestra.evaluation import read_episodes, run_metrics

ENV_ARGS = (
    "--env",
    "Snake-Text-v0",
    "--episodes",
    "40",
    "--agent",
    "expert",
    "--concurrency",
    "4",
    "--no-progress",
)
EXPECTED = {("Snake-Text-v0", episode) for episode in range(40)}


def written(run) -> int:
    path = run / "episodes.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def comparable(record):
    data = record.to_json()
    del data["seconds"]  # the only field that depends on the machine's speed
    return data


def metrics_without_time(records):
    metrics = run_metrics(records, {"Snake-Text-v0": "arcade"})
    env = metrics.envs["Snake-Text-v0"]
    return metrics.suite, metrics.families, env.score, env.success_rate, env.mean_return, env.mean_steps


def test_sigkill_at_random_points_then_resume(tmp_path):
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    note = f"(kill schedule seed {seed})"

    reference = tmp_path / "reference"
    result = run_cli("eval", *ENV_ARGS, "--out", str(reference))
    assert result.returncode == 0, result.stdout + result.stderr
    expected = sorted(read_episodes(reference / "episodes.jsonl"), key=lambda r: r.key)

    run = tmp_path / "killed"
    kills = []
    process = start_cli("eval", *ENV_ARGS, "--out", str(run))
    for _ in range(4):
        if rng.random() < 0.25:  # during start-up, perhaps before the run folder exists
            time.sleep(rng.uniform(0.05, 0.6))
        else:  # after a random number of further episodes, at a random instant around a write
            target = written(run) + rng.randint(1, 8)
            while written(run) < target and process.poll() is None:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.03))
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills.append(written(run))
        if (run / "meta.json").exists():
            process = start_cli("eval", "--resume", str(run), "--no-progress")
        else:  # killed before the run folder existed: start over, as a user would
            process = start_cli("eval", *ENV_ARGS, "--out", str(run))
    note += f" (episodes on disk at each kill: {kills})"
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, f"{note}\n{output}"
    assert kills, f"the run ended before the first kill {note}"

    lines = episodes_lines(run)
    keys = [(json.loads(line)["env_id"], json.loads(line)["episode"]) for line in lines]
    assert len(keys) == len(set(keys)), f"duplicate episodes {note}"
    assert set(keys) == EXPECTED, note
    got = sorted(read_episodes(run / "episodes.jsonl"), key=lambda r: r.key)
    assert [comparable(r) for r in got] == [comparable(r) for r in expected], note
    assert metrics_without_time(got) == metrics_without_time(expected), note
    meta = json.loads((run / "meta.json").read_text())
    assert meta["suite"] == json.loads((reference / "meta.json").read_text())["suite"]


def test_resume_after_a_write_torn_by_a_kill(tmp_path):
    run = tmp_path / "run"
    assert run_cli("eval", *ENV_ARGS[:3], "6", *ENV_ARGS[4:], "--out", str(run)).returncode == 0
    path = run / "episodes.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])  # the last episode's line, cut short
    result = run_cli("leaderboard", "build", str(run), "--out", str(tmp_path / "board"))
    assert result.returncode == 2 and f"{path}:6: truncated last line" in result.stdout.replace("\n", "")
    result = run_cli("eval", "--resume", str(run), "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    keys = sorted(json.loads(line)["episode"] for line in episodes_lines(run))
    assert keys == list(range(6))


def test_ctrl_c_stops_cleanly_and_keeps_the_finished_episodes(tmp_path):
    run = tmp_path / "run"
    process = start_cli("eval", *ENV_ARGS[:3], "200", *ENV_ARGS[4:], "--out", str(run))
    deadline = time.monotonic() + 30
    while not (run / "episodes.jsonl").exists() or len(episodes_lines(run)) < 3:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 130, output
    assert "Interrupted" in output and "--resume" in output
    finished = episodes_lines(run)
    assert 3 <= len(finished) < 200
    assert len(read_episodes(run / "episodes.jsonl")) == len(finished)  # every line whole
