"""The cases of every step, drawn from a seed (and, in the grader, a submission's salt)."""

from __future__ import annotations

from kata.catalogue.core import Case
from kata.oracle import step1, step2, step3, step4, step5, step6, step7, step8, step9, step10
from kata.oracle.choose import step_chooser

STEP_MODULES = {
    1: step1,
    2: step2,
    3: step3,
    4: step4,
    5: step5,
    6: step6,
    7: step7,
    8: step8,
    9: step9,
    10: step10,
}


def cases(step: int, seed: int, salt: str = "") -> list[Case]:
    """The cases of one step; the same (step, seed, salt) always gives the same cases."""
    if step not in STEP_MODULES:
        raise KeyError(f"the catalogue has no step {step}")
    made: list[Case] = STEP_MODULES[step].cases(step_chooser(seed, step, salt))
    return made
