"""``palaestra serve-env`` under load: N concurrent OpenEnv sessions of Snake-Text-v0 on loopback.

The server runs as its own process (``palaestra serve-env``, as a user starts it); this process is
the load generator: ``--sessions`` WebSocket sessions through openenv-core's ``EnvClient``, all open at
once, each playing ``--steps`` steps (a session whose episode ends resets with its next seed).
Every session's trajectory is then replayed locally and must match, byte for byte: a lost session
(an error, a missing reply) or a crossed one (another session's observation) fails the run.

    .venv/bin/python benchmarks/serve_load.py [--sessions 256] [--steps 20]

Prints the p50 and p99 latency of one step as the client sees it (round trip through the
server), against two baselines measured in the same run: the same step in process (``env.step``
alone) and over one lone session; and the server's memory per open session (its resident memory
with every session open, less its resident memory before any). Exits 1 on a lost or crossed session.
Only 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym

import palaestra  # noqa: F401  (registers the env ids)
from palaestra.serving.openenv import PalaestraEnvClient

ENV_ID = "Snake-Text-v0"
MOVES = ("<action>up</action>", "<action>right</action>", "<action>right</action>", "<action>down</action>")
SEED_STRIDE = 100_000  # session i plays seeds i, i + STRIDE, i + 2 * STRIDE ... so no two share one


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Gate:
    """Holds every session once its episode is open, until the load generator lets them all go."""

    def __init__(self, sessions: int):
        self.waiting = sessions
        self.all_open = asyncio.Event()
        self.go = asyncio.Event()

    async def opened(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.all_open.set()
        await self.go.wait()


async def play_session(url: str, index: int, steps: int, gate: Gate):
    """One session: its events (("reset", seed) or ("step", move)), what came back, step latencies."""
    events, seen, latencies = [], [], []
    async with PalaestraEnvClient(base_url=url, message_timeout_s=120) as client:
        seed = index
        result = await client.reset(seed=seed)
        events.append(("reset", seed))
        seen.append((result.observation.text, result.reward, result.done))
        await gate.opened()
        for turn in range(steps):
            if result.done:
                seed += SEED_STRIDE
                result = await client.reset(seed=seed)
                events.append(("reset", seed))
                seen.append((result.observation.text, result.reward, result.done))
            move = MOVES[turn % len(MOVES)]
            start = time.perf_counter()
            result = await client.step(move)
            latencies.append(time.perf_counter() - start)
            events.append(("step", move))
            seen.append((result.observation.text, result.reward, result.done))
    return events, seen, latencies


def replay(events: list[tuple[str, object]]) -> list[tuple[str, float | None, bool]]:
    env = gym.make(ENV_ID)
    out = []
    for kind, value in events:
        if kind == "reset":
            observation, _ = env.reset(seed=value)
            out.append((observation, 0.0, False))
        else:
            observation, reward, terminated, truncated, _ = env.step(value)
            out.append((observation, float(reward), bool(terminated or truncated)))
    env.close()
    return out


def local_step_seconds(steps: int) -> list[float]:
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    times = []
    for turn in range(steps):
        start = time.perf_counter()
        _, _, terminated, truncated, _ = env.step(MOVES[turn % len(MOVES)])
        times.append(time.perf_counter() - start)
        if terminated or truncated:
            env.reset(seed=turn + 1)
    return times


async def load(url: str, pid: int, sessions: int, steps: int):
    gate = Gate(sessions)
    tasks = [asyncio.create_task(play_session(url, i, steps, gate)) for i in range(sessions)]
    await asyncio.wait_for(gate.all_open.wait(), timeout=300)
    open_kib = resident_kib(pid)
    start = time.perf_counter()
    gate.go.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=600)
    return results, open_kib, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20, help="steps per session")
    args = parser.parse_args()

    command = [sys.executable, "-c", "from palaestra.cli import app; app()", "serve-env", ENV_ID]
    command += ["--port", "0", "--max-sessions", str(args.sessions + 1)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            print(f"the server did not start: {url!r}")
            return 1
        lone = asyncio.run(load(url, server.pid, 1, args.steps * 5))[0][0]  # also warms the server up
        idle_kib = resident_kib(server.pid)
        results, open_kib, seconds = asyncio.run(load(url, server.pid, args.sessions, args.steps))
    finally:
        server.terminate()
        server.wait(30)

    lost = [r for r in results if isinstance(r, BaseException)]
    played = [r for r in results if not isinstance(r, BaseException)]
    crossed = sum(seen != replay(events) for events, seen, _ in played)
    latencies = [t for _, _, times in played for t in times]
    local = local_step_seconds(1000)
    lone_p50 = statistics.median(lone[2])
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    local_p50 = statistics.median(local)
    per_session = (open_kib - idle_kib) / args.sessions

    print(f"{args.sessions} sessions x {args.steps} steps of {ENV_ID} on loopback, {seconds:.2f} s")
    print(f"  lost sessions: {len(lost)}  crossed sessions: {crossed}  (of {args.sessions})")
    for error in lost[:3]:
        print(f"    {type(error).__name__}: {error}")
    print(f"  steps/second, all sessions: {len(latencies) / seconds:,.0f}")
    print(f"  step latency p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms")
    print(
        f"  baseline, one lone session: p50 {lone_p50 * 1e3:.3f} ms (p50 under load: {p50 / lone_p50:.1f}x)"
    )
    print(
        f"  baseline, env.step in process: p50 {local_p50 * 1e6:.1f} us "
        f"(over the wire: {lone_p50 / local_p50:.0f}x)"
    )
    print(
        f"  server memory: {idle_kib / 1024:.1f} MiB idle, {open_kib / 1024:.1f} MiB with every session open"
    )
    print(f"  memory per open session: {per_session:.0f} KiB")
    return 1 if lost or crossed else 0


if __name__ == "__main__":
    sys.exit(main())
