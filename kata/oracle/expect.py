"""What a right implementation observes on a case: one function per check key, from the oracle's maths."""

from __future__ import annotations

from collections.abc import Callable

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.oracle.draw import STEP_MODULES

EXPECT: dict[str, Callable[[Args, Observation], Expectation]] = {
    key: function for module in STEP_MODULES.values() for key, function in module.EXPECT.items()
}


def expectation(case: Case, observation: Observation) -> Expectation:
    return EXPECT[case.key](case.args, observation)
