"""Sandbox latency: what running a cell or a program costs, against starting a bare interpreter.

All figures come from this one run, on this machine, so the ratios compare like with like:

- a warm ``PythonSession`` cell (``x += 1``) p50, per backend, against a fresh ``python -I -S -c
  pass`` process per call (target: the cell <= 10 ms);
- a cold ``run("pass")`` p50 per backend (a whole sandbox started and torn down) against that same
  bare interpreter start (target for bwrap: <= 2x), each called in turn with the bare start, and
  for bwrap also bwrap's own share: its namespaces and mounts around a bare start;
- cells per second with ``--sessions`` sessions in flight (one thread each), against one session.

    .venv/bin/python benchmarks/sandbox_latency.py

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import threading
import time
import warnings

from palaestra.sandboxes import PythonSession, SandboxWarning, available_backends, run
from palaestra.sandboxes.backends import BwrapBackend, Limits

CELL_TARGET_S = 0.010
COLD_TARGET_RATIO = 2.0  # bwrap's cold run against a bare interpreter start


def p50s(functions: dict, repeats: int) -> dict[str, float]:
    """The median time of each function, called in turn: a machine whose load changes during
    the run (other users of its cores) weighs on them all alike, so their ratios hold."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def bare_start() -> None:
    subprocess.run([sys.executable, "-I", "-S", "-c", "pass"], check=True)


def bwrap_alone() -> None:
    """bwrap with the sandbox's namespaces and mounts around a bare start: its own share."""
    argv = BwrapBackend().argv(Limits(), info_fd=-1)
    at = argv.index("--info-fd")
    subprocess.run([*argv[:at], *argv[at + 2 :], sys.executable, "-I", "-S", "-c", "pass"], check=True)


def warm_cell_p50(backend: str, repeats: int) -> float:
    with PythonSession(backend) as session:
        session.run("x = 0")
        return p50s({"cell": lambda: session.run("x += 1")}, repeats)["cell"]


def cells_per_second(backend: str, sessions: int, seconds: float) -> float:
    """Cells finished per second by ``sessions`` sessions, each run by its own thread."""
    opened = [PythonSession(backend) for _ in range(sessions)]
    counts = [0] * sessions
    start = threading.Barrier(sessions + 1)
    stop = [math.inf]  # set once every session is ready

    def loop(index: int) -> None:
        session = opened[index]
        session.run("x = 0")
        start.wait()
        while time.perf_counter() < stop[0]:
            session.run("x += 1")
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    stop[0] = began + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for session in opened:
        session.close()
    return sum(counts) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=100, help="calls per p50")
    parser.add_argument("--sessions", type=int, default=16, help="sessions in flight for the throughput")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run")
    args = parser.parse_args()
    warnings.simplefilter("ignore", SandboxWarning)  # the process backend's, measured on purpose

    backends = available_backends()
    print(f"backends here: {', '.join(backends)}; python {sys.version.split()[0]}\n")
    print("| backend | warm cell p50 | bare start p50 | cell / bare | cold run p50 | cold run / bare |")
    print("|---|---|---|---|---|---|")
    missed = []
    for backend in backends:
        cell = warm_cell_p50(backend, args.repeats * 5)
        calls = {"bare": bare_start, "cold": lambda backend=backend: run("pass", backend=backend)}
        if backend == "bwrap":
            calls["bwrap alone"] = bwrap_alone
        times = p50s(calls, args.repeats)
        bare, cold = times["bare"], times["cold"]
        cells = f"{cell * 1000:.2f} ms | {bare * 1000:.1f} ms | {cell / bare:.3f}"
        print(f"| {backend} | {cells} | {cold * 1000:.1f} ms | {cold / bare:.2f} |")
        if "bwrap alone" in times:
            alone = times["bwrap alone"]
            print(f"| (bwrap around a bare start) | | | | {alone * 1000:.1f} ms | {alone / bare:.2f} |")
        if cell > CELL_TARGET_S:
            missed.append(f"{backend}: warm cell {cell * 1000:.1f} ms > {CELL_TARGET_S * 1000:.0f} ms")
        if backend == "bwrap" and cold / bare > COLD_TARGET_RATIO:
            missed.append(f"bwrap: cold run {cold / bare:.2f}x the bare start > {COLD_TARGET_RATIO}x")

    print(f"\n| backend | cells/s, 1 session | cells/s, {args.sessions} sessions | ratio |")
    print("|---|---|---|---|")
    for backend in backends:
        one = cells_per_second(backend, 1, args.seconds)
        many = cells_per_second(backend, args.sessions, args.seconds)
        print(f"| {backend} | {one:.0f} | {many:.0f} | {many / one:.2f} |")

    for line in missed:
        print(f"target missed: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
