"""BioCode-Code-v0: hidden tests drawn from the seed, run in a real sandbox, judged outside it."""

import json

import gymnasium as gym
import pytest

import palaestra  # noqa: F401
from palaestra.core import info as keys
from palaestra.envs.medical import biocode_grading
from palaestra.envs.medical.biocode_grading import same
from palaestra.envs.medical.biocode_tasks import FUNCTIONS
from palaestra.sandboxes import available_backends

pytestmark = pytest.mark.skipif(not available_backends(), reason="no sandbox backend works here")


def play(function, answer, seed=0, **settings):
    """Reset on ``function`` and answer ``answer``: (reward, success, env.unwrapped)."""
    env = gym.make("BioCode-Code-v0", functions=(function,), **settings)
    try:
        env.reset(seed=seed)
        _, reward, terminated, _, info = env.step(f"answer[{answer}]")
        assert terminated and info[keys.ACTION_VALID]
        return reward, info[keys.SUCCESS], env.unwrapped
    finally:
        env.close()


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_reference_passes_every_hidden_test(function):
    env = gym.make("BioCode-Code-v0", functions=(function,))
    try:
        for seed in (0, 1):
            env.reset(seed=seed)
            *_, reward, terminated, _, info = env.step(env.unwrapped.expert_action())
            assert (reward, terminated, info[keys.SUCCESS]) == (1.0, True, True)
    finally:
        env.close()


def test_hidden_tests_change_with_the_seed_and_hold_edge_cases():
    env = gym.make("BioCode-Code-v0", functions=("gc_content",))
    try:
        env.reset(seed=0)
        first = env.unwrapped.cases
        env.reset(seed=1)
        second = env.unwrapped.cases
        env.reset(seed=0)
        assert env.unwrapped.cases == first != second
        assert [""] in first  # the empty sequence is always asked
    finally:
        env.close()


def test_a_partly_right_submission_scores_the_fraction_it_passes():
    # right only on sequences of even length (or without a T)
    code = "def transcribe(seq):\n    return seq.replace('T', 'U') if len(seq) % 2 == 0 else seq"
    for seed in range(6):
        reward, success, env = play("transcribe", code, seed)
        right = sum(len(seq) % 2 == 0 or "T" not in seq for (seq,) in env.cases)
        assert reward == pytest.approx(right / len(env.cases))
        assert success == (right == len(env.cases))
    assert 0 < reward < 1


def test_right_code_written_differently_passes():
    fenced = "```python\nimport numpy as np\ndef hamming_distance(a, b):\n    return np.sum(np.array(list(a)) != np.array(list(b))) if a else 0\n```"  # noqa: E501
    assert play("hamming_distance", fenced)[:2] == (1.0, True)  # numpy's integers, in a Markdown fence
    as_list = "def count_nucleotides(seq):\n    return [seq.count(b) for b in 'ACGT']"
    assert play("count_nucleotides", as_list)[:2] == (1.0, True)
    unordered = "def kmer_counts(seq, k):\n    import collections\n    return dict(sorted(collections.Counter(seq[i:i + k] for i in range(len(seq) - k + 1)).items(), reverse=True))"  # noqa: E501
    assert play("kmer_counts", unordered)[:2] == (1.0, True)


ADVERSARIES = {
    "says it passed": "print('All 10 tests passed')\ndef gc_content(seq):\n    return 'passed'",
    "exits early": "import sys\nprint('OK: 10 passed')\nsys.exit(0)",
    "exits the interpreter at once": "import os\nprint('10/10 passed', flush=True)\nos._exit(0)",
    "reads the tests and returns the inputs": (
        "import json\nCASES = json.load(open('cases.json'))\ndef gc_content(seq):\n    return seq"
    ),
    "prints fake case results": (
        "import json\nfor i in range(len(json.load(open('cases.json')))):\n"
        "    print('BIOCODE-CASE', json.dumps({'case': i, 'value': 'passed', 'passed': True}))\n"
        "import os\nos._exit(0)"
    ),
    "equal to everything": (
        "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = float.__hash__\n"
        "def gc_content(seq):\n    return Anything(-1)"
    ),
    "an object equal to everything": (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "def gc_content(seq):\n    return Anything()"
    ),
    "patches assert and the harness": (
        "import builtins, json\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n"
        'json.dumps = lambda *a, **k: \'{"case": 0, "value": 0.5}\'\n'
        "def gc_content(seq):\n    return 0.5"
    ),
    "rewrites the test files": (
        "open('cases.json', 'w').write('[]')\nopen('solution.py', 'w').write('')\n"
        "def gc_content(seq):\n    raise SystemExit(0)"
    ),
    "never returns": "def gc_content(seq):\n    while True:\n        pass",
    "returns a number past any float": "def gc_content(seq):\n    return 10 ** 400",
    "is no python": "this is not python (",
    "holds a lone surrogate": "def gc_content(seq):\n    return '\ud800'",
    "holds null bytes": "def gc_content(seq):\x00\n    return 0.5",
}


@pytest.mark.parametrize("name", list(ADVERSARIES))
def test_adversarial_submissions_do_not_score(name):
    reward, success, env = play("gc_content", ADVERSARIES[name], seed=4, step_timeout=3)
    # 0.5 is right only where a sequence is exactly half G or C; no such case at this seed
    assert not any(same(0.5, value) for value in env.expected_results)
    assert (reward, success) == (0.0, False)


def test_the_sandbox_gets_the_inputs_and_never_the_expected_results(monkeypatch):
    seen = []
    real_run = biocode_grading.run

    def spy(code, **kwargs):
        seen.append(kwargs["files"])
        return real_run(code, **kwargs)

    monkeypatch.setattr(biocode_grading, "run", spy)
    _, _, env = play("reverse_complement", FUNCTIONS["reverse_complement"].source, seed=4)
    (files,) = seen
    assert files == {
        "solution.py": FUNCTIONS["reverse_complement"].source.strip().encode(),
        "cases.json": json.dumps(env.cases),
    }


def test_results_are_compared_by_structure_and_value():
    assert same(3, 3.0) and same(0.1 + 0.2, 0.3)
    assert not same(3, "3") and not same(True, 1) and not same(1, True)
    assert not same([1, 2], [2, 1]) and not same({"__set__": [1]}, [1])
    assert not same(0.3, 0.31) and not same("ACGT", "acgt")


def test_settings_are_checked():
    with pytest.raises(ValueError, match="function"):
        gym.make("BioCode-Code-v0", functions=("no_such_function",))
