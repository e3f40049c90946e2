"""Hidden unit tests for BioCode submissions, run in a sandbox and judged outside it.

Only the test *inputs* enter the sandbox (``cases.json``), with the submission (``solution.py``) and a
small harness that calls the function on each input and prints each result in a canonical JSON form
(``canonical``). The expected results never enter the sandbox: the env computes them with the
reference in its own process and compares them there. So a submission that reads the tests, patches
the harness, exits early, prints "passed", or redefines ``assert``, ``==`` or ``json`` gains nothing:
the only way to score is to print, for each input, the right value.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from palaestra.sandboxes import run

CASE_MARK = "BIOCODE-CASE"
_FENCE = re.compile(r"\A\s*```[A-Za-z0-9_+-]*[ \t]*\n(.*?)\n?```\s*\Z", re.DOTALL)


def canonical(value, depth=0):
    """``value`` as JSON-ready data that keeps what a test compares: tuples as lists, dicts and sets as
    sorted pairs and items under a tag, numbers (numpy's too) as int or float. Other types raise."""
    import json
    import numbers

    if depth > 30:
        raise TypeError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [canonical(item, depth + 1) for item in value]
    if isinstance(value, dict):
        pairs = [[canonical(k, depth + 1), canonical(v, depth + 1)] for k, v in value.items()]
        return {"__dict__": sorted(pairs, key=lambda pair: json.dumps(pair[0], sort_keys=True))}
    if isinstance(value, (set, frozenset)):
        items = [canonical(item, depth + 1) for item in value]
        return {"__set__": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    raise TypeError(f"a {type(value).__name__} is no value a test can compare")


HARNESS = f'''
import json, sys

{inspect.getsource(canonical)}

def _main(name):
    with open("cases.json") as handle:
        cases = json.load(handle)
    namespace = {{"__name__": "solution"}}
    try:
        with open("solution.py") as handle:
            exec(compile(handle.read(), "solution.py", "exec"), namespace)
        function = namespace[name]
    except BaseException as error:
        print(f"the solution did not load: {{type(error).__name__}}: {{error}}", file=sys.stderr)
        return
    for index, arguments in enumerate(cases):
        try:
            line = json.dumps({{"case": index, "value": canonical(function(*arguments))}})
        except BaseException as error:
            line = json.dumps({{"case": index, "error": f"{{type(error).__name__}}: {{error}}"[:300]}})
        print("{CASE_MARK}", line, flush=True)

_main(__FUNCTION_NAME__)
'''


@dataclass(frozen=True)
class TestReport:
    """How a submission did: cases passed out of the total, and a line per failed case."""

    passed: int
    total: int
    failures: tuple[str, ...]

    @property
    def score(self) -> float:
        return self.passed / self.total if self.total else 0.0


def submission_code(answer: str) -> str:
    """The code of an answer, taken out of a Markdown fence if it sits in one."""
    fenced = _FENCE.match(answer)
    return fenced.group(1) if fenced else answer


def run_hidden_tests(
    code: str,
    name: str,
    cases: Sequence[Sequence[object]],
    expected: Sequence[object],
    *,
    backend: str | None = None,
    timeout: float = 10.0,
    memory_mb: int = 1024,
) -> TestReport:
    """Call function ``name`` of ``code`` on each of ``cases`` in a fresh sandbox and compare the results
    with ``expected`` (canonical values, computed outside the sandbox). A case with no result (an
    exception, a timeout, a crash) fails."""
    harness = HARNESS.replace("__FUNCTION_NAME__", json.dumps(name))
    result = run(
        harness,
        backend=backend,
        timeout=timeout,
        memory_mb=memory_mb,
        files={
            # as bytes: text no encoding takes (a lone surrogate) is the submission's error, not the env's
            "solution.py": code.encode("utf-8", "surrogatepass"),
            "cases.json": json.dumps([list(case) for case in cases]),
        },
    )
    results = _read_results(result.stdout, len(cases))
    failures = []
    for index, want in enumerate(expected):
        got = results.get(index)
        if got is None:
            failures.append(f"case {index + 1}: no result" + (" (time limit)" if result.timed_out else ""))
        elif "error" in got:
            failures.append(f"case {index + 1}: raised {str(got['error'])[:200]}")
        elif not same(want, got.get("value")):
            failures.append(f"case {index + 1}: wrong result")
    return TestReport(len(expected) - len(failures), len(expected), tuple(failures))


def _read_results(stdout: str, count: int) -> dict[int, dict]:
    """The last result line printed for each case (what the harness, or anything else, printed)."""
    results: dict[int, dict] = {}
    for line in stdout.splitlines():
        if not line.startswith(CASE_MARK + " "):
            continue
        try:
            record = json.loads(line[len(CASE_MARK) + 1 :])
        except (ValueError, RecursionError):
            continue
        if not isinstance(record, dict):
            continue
        index = record.get("case")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < count:
            results[index] = record
    return results


def same(expected: object, got: object) -> bool:
    """Whether a canonical result ``got`` equals the canonical ``expected``: the same structure, the same
    text and booleans, integers equal in value, floats within 1e-6 (relative) or 1e-9."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, (int, float)):
        if not isinstance(got, (int, float)):
            return False
        if isinstance(expected, int):
            return got == expected
        try:
            return math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9)
        except OverflowError:  # an integer past any float
            return False
    if isinstance(expected, str) or expected is None:
        return type(got) is type(expected) and got == expected
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(same(e, g) for e, g in zip(expected, got))
        )
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(same(expected[key], got[key]) for key in expected)
        )
    return False
