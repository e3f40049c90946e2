"""``BioCode-Code-v0``: implement a bioinformatics function; hidden unit tests in a sandbox score it."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from palaestra.envs.medical.biocode_grading import canonical, run_hidden_tests, submission_code
from palaestra.envs.medical.biocode_tasks import FUNCTIONS, BioFunction
from palaestra.envs.medical.code_env import CodeTask, CodeTaskEnv

GRADING_TIMEOUT = 10.0  # seconds for all of a submission's hidden tests together


class BioCodeEnv(CodeTaskEnv):
    """Write a bioinformatics function (reverse complement, GC content, translation, k-mer counts,
    Hamming distance, ORFs, FASTA parsing, ...); hidden unit tests decide how much of it is right.

    The task gives the function's signature, its description and an example call. The agent may try
    code with ``run_python[...]``, then submits the module that defines the function with
    ``answer[code]`` (a Markdown fence around it is fine). The hidden tests are drawn from the seed
    (about ten inputs, edge cases among them); they run in a fresh sandbox that holds the inputs but
    never the expected results, which the env computes with the reference and compares itself
    (``biocode_grading``), so reading or patching the tests, exiting early or printing "passed" earns
    nothing.

    Spaces: text, the contract's bounds. Reward: on ``answer[...]``, the fraction of hidden tests
    passed (the episode then ends); success when all pass; 15 turns.

    Args:
        functions: the names of the functions to draw from (``biocode_tasks.FUNCTIONS``; all by default).

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("BioCode-Code-v0")
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("run_python[print('ACGT'[::-1])]")
    """

    def __init__(self, *, functions: Sequence[str] | None = None, **base: Any):
        if isinstance(functions, str):
            functions = (functions,)
        self.functions = tuple(FUNCTIONS) if functions is None else tuple(functions)
        unknown = [name for name in self.functions if name not in FUNCTIONS]
        if unknown or not self.functions:
            raise ValueError(f"unknown function(s) {unknown}; the functions are: {', '.join(FUNCTIONS)}")
        super().__init__(**base)
        self.function: BioFunction | None = None
        self.cases: list[list] = []  # the hidden tests' inputs
        self.expected_results: list[object] = []  # their results by the reference, in canonical form

    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        function = FUNCTIONS[self.functions[int(self.np_random.integers(len(self.functions)))]]
        cases = function.draw_cases(self.np_random)
        # through JSON, as the sandbox will see them; each call gets its own copy of its inputs
        cases = json.loads(json.dumps(cases))
        expected = [json.loads(json.dumps(canonical(function.reference(*copy.deepcopy(c))))) for c in cases]
        self.function, self.cases, self.expected_results = function, cases, expected
        timeout = min(GRADING_TIMEOUT, self.step_timeout)

        def grade(answer: str) -> float:
            report = run_hidden_tests(
                submission_code(answer),
                function.name,
                cases,
                expected,
                backend=self.backend,
                timeout=timeout,
                memory_mb=self.memory_mb,
            )
            return report.score

        example = f"{function.name}({', '.join(map(repr, function.example))})"
        return CodeTask(
            key=f"biocode:{function.name}:{json.dumps(cases)}",
            question=(
                f"Implement\n\n    {function.signature}\n\n{function.description}\n\n"
                f"Example: {example} returns {function.reference(*copy.deepcopy(function.example))!r}"
            ),
            grade=grade,
            rules=(
                f"Submit with answer[...] the Python source that defines {function.name} (it may define "
                "helpers and import the standard library, numpy or pandas). Hidden unit tests call it on "
                f"about {len(cases)} inputs in a fresh sandbox, {timeout:g} s for all of them; the reward "
                "is the fraction passed."
            ),
            example_code="print('ACGT'[::-1])",
            expert_answer=function.source,
        )
