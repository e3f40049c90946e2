"""``MicroBatcher``: requests from many threads become batched calls; failures reach every caller."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from palaestra.agents import AgentError
from palaestra.agents.llm.batching import MicroBatcher


def test_concurrent_requests_share_batches_and_keep_their_order():
    def square_slowly(batch):
        time.sleep(0.05)
        return [x * x for x in batch]

    batcher = MicroBatcher(square_slowly, name="squares", max_batch=4, window=0.02)
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda x: batcher.submit(x).result(timeout=5), range(10)))
    batcher.close()
    assert results == [x * x for x in range(10)]
    assert sum(batcher.batch_sizes) == 10 and max(batcher.batch_sizes) <= 4
    assert len(batcher.batch_sizes) < 10


def test_a_failing_batch_fails_each_of_its_requests_with_an_agent_error():
    def broken(batch):
        raise RuntimeError("out of memory")

    batcher = MicroBatcher(broken, name="broken", window=0.05)
    futures = [batcher.submit(i) for i in range(3)]
    for future in futures:
        with pytest.raises(AgentError, match="broken: generation failed.*out of memory"):
            future.result(timeout=5)
    batcher.close()


def test_a_wrong_number_of_results_is_an_error_not_a_hang():
    batcher = MicroBatcher(lambda batch: batch[:1], name="short", window=0.05)
    futures = [batcher.submit(i) for i in range(2)]
    with pytest.raises(AgentError, match="1 results for a batch of 2"):
        futures[1].result(timeout=5)
    batcher.close()


def test_close_finishes_queued_requests_then_refuses_new_ones():
    release = threading.Event()

    def wait_then_echo(batch):
        release.wait(5)
        return list(batch)

    batcher = MicroBatcher(wait_then_echo, name="echo", max_batch=1, window=0.001)
    futures = [batcher.submit(i) for i in range(3)]
    release.set()
    batcher.close()
    assert [f.result(timeout=0) for f in futures] == [0, 1, 2]
    with pytest.raises(AgentError, match="closed"):
        batcher.submit(3)
