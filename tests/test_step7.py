"""Bonus step 7: Optimizers: momentum and Adam (micrograd/optim.py). Run: make test-step7

Extra credit. The checks live in kata/checks/step7.py (shared with the grader).
"""

import pytest

from kata.checks import cases

pytestmark = pytest.mark.step7
CASES = cases(7)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)
