"""The OpenEnv server, driven by openenv-core's own ``EnvClient`` against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import gymnasium as gym
import numpy as np
import pytest
from conftest import PROBE_ID

pytest.importorskip("openenv", reason="pip install 'palaestra[openenv]'")

from websockets.asyncio.client import connect  # noqa: E402

from palaestra.serving.openenv import (  # noqa: E402
    EnvServer,
    PalaestraEnvClient,
    decode_image,
    jsonable,
)

MOVES = ["<action>up</action>", "<action>left</action>", "garbage", "<action>down</action>"]


@pytest.fixture(scope="module")
def server():
    with EnvServer(["Snake-Text-v0", "Snake-Vision-v0", PROBE_ID], max_sessions=64) as running:
        yield running


def local_trajectory(env_id: str, seed: int, moves: list[str], **kwargs) -> list[tuple]:
    """(text, reward, terminated, truncated, info) of each step of the same episode played here."""
    env = gym.make(env_id, **kwargs)
    observation, info = env.reset(seed=seed)
    steps = [(observation, 0.0, False, False, jsonable(info))]
    for move in moves:
        observation, reward, terminated, truncated, info = env.step(move)
        steps.append((observation, float(reward), terminated, truncated, jsonable(info)))
        if terminated or truncated:
            break
    env.close()
    return steps


async def remote_trajectory(base_url: str, env_id: str, seed: int, moves: list[str], **reset) -> list[tuple]:
    async with PalaestraEnvClient(base_url=base_url) as client:
        result = await client.reset(seed=seed, env_id=env_id, **reset)
        seen = result.observation
        steps = [(seen.text, 0.0, False, False, seen.info)]
        for move in moves:
            result = await client.step(move)
            seen = result.observation
            steps.append((seen.text, result.reward, seen.terminated, seen.truncated, seen.info))
            if result.done:
                break
        return steps


def test_a_whole_episode_over_the_wire_is_the_local_episode(server):
    moves = ["<action>up</action>"] * 40  # into the wall, in time
    remote = asyncio.run(remote_trajectory(server.base_url, "Snake-Text-v0", 5, moves))
    assert remote == local_trajectory("Snake-Text-v0", 5, moves)
    assert remote[-1][2] or remote[-1][3], "the episode reached its end"
    assert "success" in remote[-1][4] and "score" in remote[-1][4]


def test_vision_observations_carry_the_frame_and_the_sync_client_works(server):
    env = gym.make("Snake-Vision-v0")
    local, _ = env.reset(seed=2)
    env.close()
    with PalaestraEnvClient(base_url=server.base_url).sync() as client:
        result = client.reset(seed=2, env_id="Snake-Vision-v0")
        assert result.observation.text == local["text"]
        assert np.array_equal(decode_image(result.observation.image), local["image"])
        state = client.state()
    assert (state.env_id, state.seed, state.step_count, state.done) == ("Snake-Vision-v0", 2, 0, False)


def test_concurrent_sessions_each_play_their_own_episode(server):
    seeds = list(range(12))
    moves = MOVES * 3

    async def play_all():
        return await asyncio.gather(
            *(remote_trajectory(server.base_url, "Snake-Text-v0", seed, moves) for seed in seeds)
        )

    remotes = asyncio.run(play_all())
    for seed, remote in zip(seeds, remotes):
        assert remote == local_trajectory("Snake-Text-v0", seed, moves)
    assert len({remote[0][0] for remote in remotes}) > 1  # the seeds gave different boards


def test_reset_takes_task_id_env_kwargs_and_shows_tools(server):
    async def play():
        async with PalaestraEnvClient(base_url=server.base_url) as client:
            first = await client.reset(seed=0, env_id=PROBE_ID, task_id="count-to-2")
            steps = [await client.step("<action>count[1]</action>"), await client.step("count[2]")]
            state = await client.state()
            resized = await client.reset(seed=0, env_id="Snake-Text-v0", env_kwargs={"size": 6})
            return first, steps, state, resized

    first, steps, state, resized = asyncio.run(play())
    assert first.observation.tools == gym.make(PROBE_ID).unwrapped.tools()
    assert first.observation.info["task_id"] == "count-to-2"
    assert [s.reward for s in steps] == [1.0, 1.0] and steps[-1].done and steps[-1].observation.terminated
    assert steps[-1].observation.info["success"] is True
    assert (state.task_id, state.total_reward, state.done) == ("count-to-2", 2.0, True)
    assert resized.observation.tools is None
    local, _ = gym.make("Snake-Text-v0", size=6).reset(seed=0)
    assert resized.observation.text == local


def wait_for_no_sessions(server, seconds: float = 10) -> None:
    """Wait until the server has closed every session (it does so once their connections end)."""
    deadline = time.monotonic() + seconds
    while server.sessions.active_sessions and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.sessions.active_sessions == 0


def test_a_client_that_disconnects_mid_episode_has_its_env_closed(server):
    wait_for_no_sessions(server)  # the earlier tests' sessions

    async def connect_and_vanish():
        socket = await connect(server.base_url.replace("http", "ws") + "/ws")
        await socket.send(json.dumps({"type": "reset", "data": {"seed": 1, "env_id": "Snake-Text-v0"}}))
        assert json.loads(await socket.recv())["type"] == "observation"
        await socket.send(json.dumps({"type": "step", "data": {"text": "up"}}))
        await socket.recv()
        (session,) = server.sessions._sessions.values()  # openenv's session table: this one env
        assert not session.closed
        socket.transport.abort()  # no close message: the connection just drops
        return session

    session = asyncio.run(connect_and_vanish())
    wait_for_no_sessions(server)
    deadline = time.monotonic() + 10  # the session leaves the table first, then its env is closed
    while not session.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session.closed


GARBAGE = [
    ("not json at all", "INVALID_JSON"),
    (json.dumps({"type": "teleport"}), "Unknown message type"),
    (json.dumps({"type": "step", "data": {"text": "up"}}), "send a reset first"),
    (json.dumps({"type": "step", "data": {"text": 5}}), "VALIDATION_ERROR"),
    (json.dumps({"type": "step", "data": {"text": "up", "hack": 1}}), "VALIDATION_ERROR"),
    (
        json.dumps({"type": "reset", "data": {"seed": -3, "env_id": PROBE_ID}}),
        "seed must be a non-negative integer",
    ),
    (json.dumps({"type": "reset", "data": {"seed": 0, "colour": "red"}}), "reset takes no 'colour'"),
    (json.dumps({"type": "reset", "data": {"seed": 0}}), "reset needs an env_id"),
    (json.dumps({"type": "reset", "data": {"env_id": "Nope-v0"}}), "does not serve 'Nope-v0'"),
    (
        json.dumps({"type": "reset", "data": {"env_id": "Snake-Text-v0", "env_kwargs": {"size": "x"}}}),
        "cannot",
    ),
    (json.dumps({"type": "reset", "data": {"env_id": PROBE_ID, "task_id": "count-to-9"}}), "unknown task_id"),
    (json.dumps({"type": "reset", "data": {"env_id": "Snake-Text-v0", "env_kwargs": [1]}}), "JSON objects"),
]


def test_garbage_messages_get_clear_errors_and_the_session_goes_on(server):
    async def send_garbage():
        replies = []
        async with connect(server.base_url.replace("http", "ws") + "/ws") as socket:
            for raw, _ in GARBAGE:
                await socket.send(raw)
                replies.append(json.loads(await socket.recv()))
            await socket.send(json.dumps({"type": "reset", "data": {"seed": 0, "env_id": "Snake-Text-v0"}}))
            replies.append(json.loads(await socket.recv()))
            await socket.send(json.dumps({"type": "step", "data": {"text": "<think>hmm</think> up"}}))
            replies.append(json.loads(await socket.recv()))
            # a reset that fails ends the episode before it: no step continues a half-reset world
            await socket.send(json.dumps({"type": "reset", "data": {"env_id": "Snake-Text-v0", "seed": -1}}))
            await socket.send(json.dumps({"type": "step", "data": {"text": "up"}}))
            after = [json.loads(await socket.recv()) for _ in range(2)]
        return replies, after

    replies, after = asyncio.run(send_garbage())
    for (_, expected), reply in zip(GARBAGE, replies):
        assert reply["type"] == "error"
        assert expected in json.dumps(reply), reply
    assert replies[-2]["type"] == replies[-1]["type"] == "observation"
    assert replies[-1]["data"]["observation"]["info"]["action_valid"] is True
    assert [reply["type"] for reply in after] == ["error", "error"]
    assert "send a reset first" in after[1]["data"]["message"]


def post(url: str, payload: object) -> tuple[int, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_http_routes_answer_garbage_with_4xx_and_the_server_lives(server):
    status, reset = post(server.base_url + "/reset", {"seed": 0, "env_id": "Snake-Text-v0"})
    assert status == 200 and reset["observation"]["text"] == gym.make("Snake-Text-v0").reset(seed=0)[0]
    assert post(server.base_url + "/reset", {"seed": -1})[0] == 422
    assert post(server.base_url + "/reset", b"{{{")[0] == 422
    assert post(server.base_url + "/step", {"nothing": 1})[0] == 422
    status, body = post(server.base_url + "/reset", {"env_id": "Nope-v0"})
    assert status == 400 and "does not serve" in body["detail"]
    status, body = post(server.base_url + "/step", {"action": {"text": "up"}})
    assert status == 409 and "reset" in body["detail"]  # HTTP is stateless: episodes live in /ws sessions
    with urllib.request.urlopen(server.base_url + "/health", timeout=5) as response:
        assert json.load(response)["status"] == "healthy"
    with urllib.request.urlopen(server.base_url + "/metadata", timeout=5) as response:
        assert "Snake-Text-v0" in json.load(response)["name"]


@pytest.mark.slow
def test_an_idle_session_is_closed_after_the_session_timeout():
    with EnvServer(["Snake-Text-v0"], session_timeout=0.5) as idle_server:

        async def open_and_idle():
            async with PalaestraEnvClient(base_url=idle_server.base_url) as client:
                await client.reset(seed=0)
                env = next(iter(idle_server.sessions._sessions.values()))
                deadline = time.monotonic() + 12  # the reaper looks every max(timeout / 4, 5) seconds
                while not env.closed and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                return env

        env = asyncio.run(open_and_idle())
        assert env.closed and idle_server.sessions.active_sessions == 0


def test_the_server_binds_loopback_and_refuses_unknown_ids():
    with EnvServer(["Snake-Text-v0"]) as local:
        assert local.host == "127.0.0.1"
    with pytest.raises(ValueError, match="unknown env id 'Nope-v0'"):
        EnvServer(["Nope-v0"])


CLI = "from palaestra.cli import app; app()"


@pytest.mark.slow
def test_serve_env_command_serves_until_stopped():
    command = [sys.executable, "-c", CLI, "serve-env", "Snake-Text-v0", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with PalaestraEnvClient(base_url=url).sync() as client:
            result = client.reset(seed=4)
            assert result.observation.text == gym.make("Snake-Text-v0").reset(seed=4)[0]
    finally:
        process.terminate()
        process.wait(10)
    bad = subprocess.run(
        [sys.executable, "-c", CLI, "serve-env", "Nope-v0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "unknown env id" in bad.stdout
