"""The catalogue of checks: one module per step, shared by the pytest suites and the grader.

cases(step, seed)  the cases of a step, their numbers drawn from the seed
REGISTRY           check key ("step3.op-backward") -> Check, for the grader's child
"""

from __future__ import annotations

from kata.checks import step1, step2, step3, step4, step5, step6, step7, step8
from kata.checks.core import PUBLIC_SEED, REGISTRY, Case, Check, CheckFailed, run_in_process, step_rng

STEP_MODULES = {1: step1, 2: step2, 3: step3, 4: step4, 5: step5, 6: step6, 7: step7, 8: step8}


def cases(step: int, seed: int = PUBLIC_SEED) -> list[Case]:
    """The cases of one step; the same (step, seed) always gives the same cases."""
    if step not in STEP_MODULES:
        raise KeyError(f"the catalogue has no step {step}")
    return STEP_MODULES[step].cases(step_rng(seed, step))


__all__ = ["PUBLIC_SEED", "REGISTRY", "STEP_MODULES", "Case", "Check", "CheckFailed", "cases", "run_in_process"]
