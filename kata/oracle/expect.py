"""What a right implementation observes on a case: one function per check key, from the oracle's maths."""

from __future__ import annotations

from kata.catalogue.core import Case
from kata.oracle.draw import STEP_MODULES

EXPECT = {key: function for module in STEP_MODULES.values() for key, function in module.EXPECT.items()}


def expectation(case: Case, observation: dict) -> dict:
    return EXPECT[case.key](case.args, observation)
