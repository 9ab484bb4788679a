"""The catalogue of checks: what each step checks, and how a result is judged.

    CHECKS                 check key ("step3.op-backward") -> Check (step, title, weight, judge)
    judge(case, e, obs)    the problems of one observation, given its expectation
    public_cases(step)     the cases of the public suites (drawn by kata.oracle where it exists,
                           else read from the student release's tests/expected.json)
    expectation(case, o)   what a right implementation gives on a case (kata.oracle, or recorded)

Judges only compare plain data: they run anywhere, and compute no right answer themselves.
"""

from __future__ import annotations

from kata.catalogue import step1, step2, step3, step4, step5, step6, step7, step8, step9, step10  # noqa: F401
from kata.catalogue.core import CHECKS, PUBLIC_SEED, Case, Check, Expectation, Observation, Problem
from kata.catalogue.recorded import expectation, has_oracle, public_cases

STEPS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


def judge(case: Case, expectation_: Expectation, observation: Observation) -> list[Problem]:
    """The problems of an observation ([] when it is right)."""
    return case.check.judge(case.args, expectation_, observation)


__all__ = [
    "CHECKS",
    "PUBLIC_SEED",
    "STEPS",
    "Case",
    "Check",
    "Problem",
    "expectation",
    "has_oracle",
    "judge",
    "public_cases",
]
