"""Bonus step 8: forward mode with dual numbers (micrograd/forward.py). Run: make test-step8

Dual(a, b) is a + b e with e^2 = 0: every op returns the value and, by the chain rule, the
derivative. derivative(f, x) seeds x with derivative 1; gradient(f, xs) makes one pass per input.
Dual log of x <= 0 raises ValueError, and sigmoid stays finite at +-1000.
"""

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step8


# ---- What step 8 expects, by example -----------------------------------------------------------------


def test_the_product_rule_comes_for_free(student):
    Dual = student.forward.Dual
    out = Dual(3.0, 1.0) * Dual(2.0, 0.0)  # d(x * 2)/dx at x = 3
    assert (out.value, out.derivative) == (6.0, 2.0)


def test_the_derivative_of_x_cubed_at_2_is_12(student):
    assert student.forward.derivative(lambda x: x**3, 2.0) == 12.0


def test_one_pass_per_input_gives_the_gradient(student):
    gradient = student.forward.gradient(lambda xs: xs[0] * xs[1] + xs[0], [2.0, 5.0])
    assert gradient == [6.0, 2.0]


# ---- The catalogue's checks (kata/catalogue/step8.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_forward_mode_on_any_graph(run_case):
    check_random_cases(run_case, 8, "step8.graph")
