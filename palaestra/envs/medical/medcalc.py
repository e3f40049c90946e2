"""``MedCalc-Code-v0``: compute a named clinical score or value from a generated patient note."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palaestra.envs.medical.calculators import CALCULATORS, Calculator
from palaestra.envs.medical.code_env import CodeTask, CodeTaskEnv
from palaestra.envs.medical.grading import grade_number
from palaestra.envs.medical.notes import Case, write_case

NOTE_FILE = "note.txt"


def calculation_rules(exact: bool, unit: str | None) -> str:
    """How the answer must be written, and how it is graded."""
    form = (
        "the score alone (for example answer[3])" if exact else f"the number, optionally with its unit {unit}"
    )
    grading = "it must match exactly" if exact else "it must lie within 5% of the true value"
    return (
        f"Answer with {form}: one number, no ranges or alternatives; {grading}. "
        "Use the values measured at this presentation."
    )


class MedCalcEnv(CodeTaskEnv):
    """MedCalc-Bench-style calculations on generated patient notes, answered by code (MedAgentGym's way).

    Each episode draws a calculator (of ``calculators``, every one of ``calculators.CALCULATORS`` by
    default) and writes a patient note for it (``notes.write_case``): a narrative with the values the
    formula needs in mixed units (lb or kg, in, m or cm, µmol/L or mg/dL, mmol/L or mg/dL, °F or °C),
    other vitals and labs, unrelated history and an older weight. The question asks for the named
    score or value. The note is shown and is the file ``note.txt`` in the sandbox's work directory.

    Actions: ``run_python[code]``, ``answer[value]`` (``CodeTaskEnv``). Reward: 1 for a right
    answer, which ends the episode: a score must match exactly, a decimal lie within 5% of the
    truth (MedCalc-Bench's rule); the answer must be one number, optionally named and followed by the
    unit asked for (``grading.grade_number``). Splits: train and test episodes come from disjoint
    seeds. Expert: answers the value computed from the note's facts by the calculator's formula.

    Example:
        >>> import gymnasium as gym, palaestra
        >>> env = gym.make("MedCalc-Code-v0", calculators=["bmi"])
        >>> obs, info = env.reset(seed=0)
        >>> obs, reward, terminated, truncated, info = env.step("<action>run_python[print(2 + 2)]</action>")
    """

    def __init__(self, *, calculators: Sequence[str] | None = None, **base: Any):
        if isinstance(calculators, str):
            calculators = (calculators,)
        chosen = tuple(CALCULATORS) if calculators is None else tuple(calculators)
        unknown = [name for name in chosen if name not in CALCULATORS]
        if unknown or not chosen:
            given = f"unknown calculator(s) {unknown}" if unknown else "no calculator given"
            raise ValueError(f"{given}; known: {', '.join(CALCULATORS)}")
        self.calculators: tuple[Calculator, ...] = tuple(CALCULATORS[name] for name in chosen)
        super().__init__(**base)
        self.case: Case | None = None

    def _new_task(self, options: dict[str, Any]) -> CodeTask:
        calculator = self.calculators[int(self.np_random.integers(len(self.calculators)))]
        case = self.case = write_case(self.np_random, calculator)
        answer = case.answer

        def grade(text: str) -> float:
            return grade_number(
                text, answer, exact=calculator.exact, unit=calculator.unit, aliases=calculator.aliases
            )

        return CodeTask(
            key=f"{calculator.id}\x00{case.note}",
            question=calculator.question(),
            grade=grade,
            context=f"Patient note:\n{case.note}",
            files={NOTE_FILE: case.note + "\n"},
            rules=calculation_rules(calculator.exact, calculator.unit),
            example_code=f"note = open('{NOTE_FILE}').read(); print(note)",
            expert_answer=case.expert_answer(),
        )

    def _extra_info(self) -> dict[str, Any]:
        return {"calculator": self.case.calculator.id}
