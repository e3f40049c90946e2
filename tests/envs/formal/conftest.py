"""Fixtures of the formal family's tests: one warm coqtop per module, and a small problem set."""

from pathlib import Path

import pytest

from palaestra.envs.formal.provers import CoqProver

SMALL_PROBLEMS = Path(__file__).with_name("small_problems.json")


@pytest.fixture(scope="module")
def coq():
    prover = CoqProver(timeout=10)
    yield prover
    prover.close()
