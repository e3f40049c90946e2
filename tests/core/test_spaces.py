import copy
import multiprocessing as mp

import numpy as np
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

from palaestra.core import UnicodeText, split_seed


def test_unicode_text_contains_any_string_within_bounds():
    space = UnicodeText(10, min_length=1)
    assert space.contains("田中 ←é")
    assert not space.contains("")
    assert not space.contains("x" * 11)
    assert not space.contains(b"bytes")


def test_samples_are_members_and_short():
    space = UnicodeText(1 << 20, seed=0)
    samples = [space.sample() for _ in range(50)]
    assert all(space.contains(s) and len(s) <= 64 for s in samples)


def test_shared_memory_round_trip_keeps_unicode():
    space = UnicodeText(32)
    memory = create_shared_memory(space, n=3, ctx=mp.get_context("spawn"))
    values = ["Snake ← 🐍", "", "x" * 32]
    for i, value in enumerate(values):
        write_to_shared_memory(space, i, value, memory)
    assert read_from_shared_memory(space, memory, n=3) == tuple(values)


def test_the_shared_memory_view_shows_later_writes_and_copies_to_a_tuple():
    # AsyncVectorEnv reads its shared memory once, at start, and returns a deep copy of that read
    # after every step: the read must be a live view, its copy the strings of the moment.
    space = UnicodeText(16)
    memory = create_shared_memory(space, n=2, ctx=mp.get_context("spawn"))
    view = read_from_shared_memory(space, memory, n=2)
    write_to_shared_memory(space, 0, "turn 1 ✓", memory)
    write_to_shared_memory(space, 1, "\ud800 lone", memory)
    snapshot = copy.deepcopy(view)
    assert type(snapshot) is tuple and snapshot == ("turn 1 ✓", "\ud800 lone")
    write_to_shared_memory(space, 0, "turn 2", memory)
    assert view[0] == "turn 2" and snapshot[0] == "turn 1 ✓" and list(view) == ["turn 2", "\ud800 lone"]


def test_splits_map_to_disjoint_generator_seeds():
    train = {split_seed(s, "train") for s in range(1000)}
    test = {split_seed(s, "test") for s in range(1000)}
    assert not train & test
    assert np.all(np.array(sorted(train)) % 2 == 0)
