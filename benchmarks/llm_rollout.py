"""Batched LLM rollouts: concurrent Snake-Text-v0 episodes through one ``vllm:`` or ``hf:`` agent spec.

    # on a GPU machine with vLLM installed (no network needed: the model is built in place)
    python benchmarks/llm_rollout.py --backend vllm --episodes 32
    # the same plumbing with transformers, on CPU or GPU
    python benchmarks/llm_rollout.py --backend hf --episodes 8 --device cpu

Without ``--model`` a tiny random-weight Llama (2 layers, width 128, head size 64, the widths vLLM's
attention kernels take) and a BPE tokenizer trained on the spot are saved to a temporary folder, so
nothing is downloaded. Its replies are gibberish: every episode ends by invalid-action truncation,
which is what the checks expect. With ``--model PATH`` a real local model is used and only the
plumbing checks apply. The run checks that every episode finished, that turns of different episodes
shared ``generate`` calls, and that token usage was counted; it prints episodes, steps, seconds,
steps/s, generated tokens/s and the batch sizes, and exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym

import palaestra  # noqa: F401  (registers the env ids)
from palaestra.agents import agent_factory
from palaestra.agents.llm.tiny_model import build_tiny_chat_model


async def play(factory: Any, env_id: str, seed: int) -> dict[str, Any]:
    env = gym.make(env_id)
    observation, info = env.reset(seed=seed)
    agent = factory(env, seed=seed)
    agent.reset(info["instructions"])
    steps = 0
    while True:
        reply = await agent.aact(observation)
        steps += 1
        observation, _, terminated, truncated, info = env.step(reply)
        if terminated or truncated:
            return {
                "steps": steps,
                "usage": dict(agent.usage),
                "reason": info.get("truncation_reason"),
                "last_reply": reply,
            }


async def rollout(factory: Any, env_id: str, episodes: int) -> list[dict[str, Any]]:
    return await asyncio.gather(*(play(factory, env_id, seed) for seed in range(episodes)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("vllm", "hf"), default="vllm")
    parser.add_argument("--model", help="a local model folder (default: a tiny model built in place)")
    parser.add_argument("--env", default="Snake-Text-v0")
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--device", default="auto", help="hf only: cpu, cuda, auto")
    parser.add_argument("--gpu-memory-utilization", type=float, default=0.5, help="vllm only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        tiny = args.model is None
        model = args.model or str(
            build_tiny_chat_model(
                Path(scratch) / "tiny-llama", hidden_size=128, layers=2, heads=2, context_length=8192
            )
        )
        options: dict[str, Any] = {"temperature": 0.0, "max_tokens": args.max_tokens, "history_turns": 4}
        if args.backend == "vllm":
            options["gpu_memory_utilization"] = args.gpu_memory_utilization
        else:
            options["device"] = args.device
        start = time.perf_counter()
        factory = agent_factory(f"{args.backend}:{model}", **options)
        load_seconds = time.perf_counter() - start
        start = time.perf_counter()
        results = asyncio.run(rollout(factory, args.env, args.episodes))
        seconds = time.perf_counter() - start
        sizes = list(factory.backend.batcher.batch_sizes)
        factory.close()

    steps = sum(r["steps"] for r in results)
    generated = sum(r["usage"]["completion_tokens"] for r in results)
    prompted = sum(r["usage"]["prompt_tokens"] for r in results)
    print(f"backend {args.backend}, model {'tiny (built in place)' if tiny else model}, env {args.env}")
    print(
        f"load {load_seconds:.1f} s; {len(results)} episodes, {steps} steps in {seconds:.2f} s: "
        f"{steps / seconds:.1f} steps/s, {generated / seconds:.0f} generated tokens/s, "
        f"{prompted} prompt tokens"
    )
    print(f"generate calls {len(sizes)}, batch size mean {statistics.mean(sizes):.1f}, max {max(sizes)}")
    print(f"example reply: {results[0]['last_reply']!r}")

    checks = {
        "every episode finished": len(results) == args.episodes,
        "every step was generated in some batch": sum(sizes) == steps,
        "episodes shared generate calls": args.episodes < 2 or max(sizes) >= 2,
        "usage was counted": all(
            r["usage"]["prompt_tokens"] > 0 and r["usage"]["completion_tokens"] > 0 for r in results
        ),
    }
    if tiny:
        checks["gibberish ends by invalid actions"] = all(r["reason"] == "invalid_actions" for r in results)
    for name, passed in checks.items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":  # vLLM starts worker processes that re-import this module
    sys.exit(main())
