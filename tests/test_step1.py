"""Step 1: finite differences (micrograd/numeric.py). Run: make test-step1

The checks live in kata/checks/step1.py (shared with the grader); read them to see exactly what
is expected.
"""

import pytest
from hypothesis import given

from kata.checks import cases
from kata.checks.core import require
from kata.numbers import FINITE_DIFFERENCE, close, show
from tests.strategies import quadratics

pytestmark = pytest.mark.step1
CASES = cases(1)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)


def test_derivative_of_any_quadratic(student):
    """For f(x) = a x^2 + b x + c the central difference equals f'(x) = 2 a x + b, up to rounding."""
    student.numeric.numerical_derivative(lambda t: t * t, 1.0)  # a stub stops the test here

    @given(quadratics())
    def check(coefficients):
        a, b, c, x = coefficients
        got = student.numeric.numerical_derivative(lambda t: a * t * t + b * t + c, x)
        expected = 2 * a * x + b
        if not close(expected, got, FINITE_DIFFERENCE):
            require([f"expected {show(expected)}, got {show(got)}"], f"f(x) = {a} x^2 + {b} x + {c} at x = {x}")

    check()
