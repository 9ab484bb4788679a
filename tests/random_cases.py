"""Random cases of the catalogue for the property tests: each one drawn whole from a seed Hypothesis picks.

The same generators as the catalogue's (kata.oracle): Hypothesis picks a seed, and the step's own
case generator draws the case from it, exactly as the grader draws its cases from the course's seed;
each case is probed and judged exactly as a catalogue case is (run_case). A case is drawn whole, not
choice by choice: the generators try again until no classic bug could hide in the case, and
Hypothesis making every one of those choices cost 25 times the check itself. So there is nothing to
shrink (a smaller seed is not a smaller case; no profile shrinks): a failure is reported as drawn,
and the catalogue's message describes it. Hypothesis still replays a failing seed first on the next
run (the student profile's database). They need the kata's oracle, which the student release does
not ship: there, the property tests are skipped.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import strategies as st

import tests.strategies  # noqa: F401 - the Hypothesis profiles
from kata.catalogue import Case, has_oracle

needs_oracle = pytest.mark.skipif(
    not has_oracle(), reason="random cases need the kata's oracle; the grader runs them (the fixed cases above ran)"
)


@st.composite
def random_case(draw: Any, step: int, key: str) -> Case:
    """One case of the check `key`, drawn by the step's own case generator from a seed Hypothesis picks."""
    from hypothesis import reject

    from kata.oracle.choose import NoClearCase, RandomChooser
    from kata.oracle.draw import STEP_MODULES

    seed = draw(st.integers(0, 2**32 - 1))
    try:
        return STEP_MODULES[step].RANDOM[key](RandomChooser(random.Random(f"{key}/{seed}")))
    except NoClearCase:
        reject()


def check_random_cases(run_case: Any, step: int, key: str) -> None:
    """Run the check `key` on random cases; its first public case first, so that a stub stops the test at
    once instead of being tried on every random case."""
    from hypothesis import HealthCheck, given, settings

    from kata.catalogue import public_cases

    run_case(next(case for case in public_cases(step) if case.key == key))

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(random_case(step, key))
    def check(case: Case) -> None:
        run_case(case)

    check()
