"""Step 6: losses, SGD and the training loop (micrograd/train.py). Run: make test-step6

The checks live in kata/checks/step6.py (shared with the grader). The last one trains a network
written entirely by you on XOR.
"""

import pytest

from kata.checks import cases

pytestmark = pytest.mark.step6
CASES = cases(6)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)
