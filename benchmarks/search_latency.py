"""Claim verification search: what ``search[...]`` costs, what indexing costs, and episode speed.

All figures come from this one run, on this machine:

- ``search[...]`` p50 over a generated world's encyclopedia (over 5,000 passages) and over a
  generated user corpus of ``--passages`` passages (100,000 by default) read from JSONL, each against
  a naive linear scan that scores every passage with the same BM25 formula in Python (target: the
  indexed search <= 5 ms p50);
- the index build time of both (from nothing: a fresh cache folder), and a world's load time from
  the disk cache against building it;
- episode steps per second of ``ClaimVerify-Text-v0`` played by its expert (searches and opens).

    .venv/bin/python benchmarks/search_latency.py

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEARCH_TARGET_S = 0.005


def linear_scan(documents: list[list[str]]):
    """BM25 (k1 1.5, b 0.75) by scoring every document in Python: the baseline an index saves (the
    WebShop benchmark uses it too). ``search`` returns the best ``k`` that share a word with the query."""
    counts = [collections.Counter(words) for words in documents]
    lengths = [len(words) for words in documents]
    average = sum(lengths) / len(lengths)
    frequency = collections.Counter(word for words in counts for word in words)
    total = len(documents)

    def search(query: list[str], k: int) -> list[int]:
        idf = {w: math.log(1 + (total - frequency[w] + 0.5) / (frequency[w] + 0.5)) for w in query}
        scores = []
        for position, (count, length) in enumerate(zip(counts, lengths)):
            score = 0.0
            for word in query:
                tf = count.get(word)
                if tf:
                    score += idf[word] * tf * 2.5 / (tf + 1.5 * (0.25 + 0.75 * length / average))
            scores.append((-score, position))
        return [position for score, position in sorted(scores)[:k] if score < 0]

    return search


def queries_about(world, count: int, seed: int) -> list[str]:
    """Single-hop questions a searcher would ask: an entity's name and a relation word."""
    from palaestra.envs.claims.env import RELATION_WORDS

    rng = np.random.default_rng(seed)
    facts = sorted(world.facts)
    picked = rng.choice(len(facts), size=count, replace=False)
    return [f"{world.entities[facts[i][0]].name} {RELATION_WORDS[facts[i][1]]}" for i in picked]


def p50(function, arguments: list) -> float:
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000, help="passages of the user corpus")
    parser.add_argument("--queries", type=int, default=300, help="queries timed per index")
    parser.add_argument("--scans", type=int, default=5, help="queries timed per linear scan")
    parser.add_argument("--episodes", type=int, default=200, help="expert episodes timed")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="palaestra-search-bench-")
    os.environ["PALAESTRA_CACHE_DIR"] = folder  # cold caches: build times are real builds

    import gymnasium as gym

    import palaestra  # noqa: F401
    from palaestra.envs.claims import corpora
    from palaestra.envs.claims.corpora import JsonlCorpus, world_corpus
    from palaestra.envs.claims.search import tokenize
    from palaestra.envs.claims.world import build_world

    missed = []
    corpus, built = timed(lambda: world_corpus(0))
    corpora.world_corpus.cache_clear()
    _, loaded = timed(lambda: world_corpus(0))
    world = corpus.world
    queries = queries_about(world, args.queries, seed=1)
    print(f"world 0: {len(world.passages)} passages")
    print(f"  build (world + index)  {built:8.3f} s")
    print(f"  load from disk cache   {loaded:8.3f} s   ({built / loaded:.0f}x faster than building)")
    report(
        "world",
        corpus.index.search,
        linear_scan([tokenize(f"{p.title} {p.text}") for p in world.passages]),
        queries,
        args.scans,
        missed,
    )

    path = Path(folder) / "corpus.jsonl"
    written, seed = 0, 1
    with open(path, "w", encoding="utf-8") as handle:
        while written < args.passages:  # passages of further worlds make up the user corpus
            for passage in build_world(seed).passages[: args.passages - written]:
                handle.write(json.dumps({"title": passage.title, "text": passage.text}) + "\n")
                written += 1
            seed += 1
    user, indexed = timed(lambda: JsonlCorpus(path))
    print(f"\nuser corpus (JSONL): {written} passages")
    print(f"  build (read + index)   {indexed:8.3f} s")
    report(
        "user corpus",
        user.index.search,
        linear_scan([tokenize(f"{title} {text}") for title, text in user.passages]),
        queries_about(build_world(1), args.queries, seed=2),
        args.scans,
        missed,
    )

    env = gym.make("ClaimVerify-Text-v0", difficulty="mixed")
    steps = 0
    started = time.perf_counter()
    for episode in range(args.episodes):
        env.reset(seed=episode)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step(env.unwrapped.expert_action())
            steps += 1
            done = terminated or truncated
    elapsed = time.perf_counter() - started
    print(
        f"\nClaimVerify-Text-v0, expert play: {steps / elapsed:,.0f} steps/s, "
        f"{args.episodes / elapsed:,.0f} episodes/s ({steps / args.episodes:.1f} steps an episode)"
    )
    if missed:
        print("\nmissed: " + "; ".join(missed))
    return 1 if missed else 0


def report(name: str, search, scan, queries: list[str], scans: int, missed: list[str]) -> None:
    from palaestra.envs.claims.search import tokenize

    indexed = p50(lambda q: search(q, 3), queries)
    baseline = p50(lambda q: scan(tokenize(q), 3), queries[:scans])
    print(f"  search[...] p50        {indexed * 1e3:8.3f} ms   (target <= {SEARCH_TARGET_S * 1e3:.0f} ms)")
    print(
        f"  linear scan p50        {baseline * 1e3:8.1f} ms   ({baseline / indexed:,.0f}x the indexed search)"
    )
    if indexed > SEARCH_TARGET_S:
        missed.append(f"{name} search p50 {indexed * 1e3:.2f} ms > {SEARCH_TARGET_S * 1e3:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
