"""Step 5: Neuron, Layer, MLP (micrograd/nn.py). Run: make test-step5

The checks live in kata/checks/step5.py (shared with the grader).
"""

import pytest

from kata.checks import cases

pytestmark = pytest.mark.step5
CASES = cases(5)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)
