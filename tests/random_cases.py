"""Random cases of the catalogue for the property tests: drawn by Hypothesis, so a failing one shrinks.

The same generators as the catalogue's (kata.oracle), with Hypothesis making the choices; each
drawn case is probed and judged exactly as a catalogue case is (run_case). They need the kata's
oracle, which the student release does not ship: there, the property tests are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import strategies as st

import tests.strategies  # noqa: F401 - the Hypothesis profiles
from kata.catalogue import Case, has_oracle

needs_oracle = pytest.mark.skipif(
    not has_oracle(), reason="random cases need the kata's oracle; the grader runs them (the fixed cases above ran)"
)


class DrawChooser:
    """kata.oracle.choose's Chooser, with Hypothesis making the choices."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def pick(self, options: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(list(options)))


@st.composite
def random_case(draw: Any, step: int, key: str) -> Case:
    """One case of the check `key`, drawn from the step's own case generator."""
    from hypothesis import reject

    from kata.oracle.choose import NoClearCase
    from kata.oracle.draw import STEP_MODULES

    try:
        return STEP_MODULES[step].RANDOM[key](DrawChooser(draw))
    except NoClearCase:
        reject()


def check_random_cases(run_case: Any, step: int, key: str) -> None:
    """Run the check `key` on random cases; its first public case first, so that a stub stops the test at
    once instead of being shrunk by Hypothesis."""
    from hypothesis import HealthCheck, given, settings

    from kata.catalogue import public_cases

    run_case(next(case for case in public_cases(step) if case.key == key))

    @settings(suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(random_case(step, key))
    def check(case: Case) -> None:
        run_case(case)

    check()
