"""Step 1: finite differences (micrograd/numeric.py). Run: make test-step1

numerical_derivative(f, x, h=1e-6) is the central difference (f(x + h) - f(x - h)) / (2h);
numerical_gradient(f, xs, h=1e-6) nudges one coordinate at a time, both ways, and returns the list
of partial derivatives, leaving xs as it was.
"""

import math

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step1


# ---- What step 1 expects, by example -----------------------------------------------------------------


def test_the_derivative_of_x_cubed_at_1_is_3(student):
    assert student.numeric.numerical_derivative(lambda x: x**3, 1.0) == pytest.approx(3.0, rel=1e-6)


def test_a_large_h_shows_the_central_difference_3_25_not_the_forward_one_4_75(student):
    # x^3 at 1 with h = 0.5: ((1.5)^3 - (0.5)^3) / 1 = 3.25; a forward difference would give 4.75
    assert student.numeric.numerical_derivative(lambda x: x**3, 1.0, h=0.5) == pytest.approx(3.25, rel=1e-12)


def test_the_gradient_of_x_plus_y_times_sin_x_at_2_3(student):
    f = lambda xs: (xs[0] + xs[1]) * math.sin(xs[0])
    gradient = student.numeric.numerical_gradient(f, [2.0, 3.0])
    assert gradient == pytest.approx([math.sin(2) + 5 * math.cos(2), math.sin(2)], rel=1e-6)  # [-1.1714, 0.9093]


def test_numerical_gradient_leaves_xs_as_it_was(student):
    xs = [1.0, 2.0, 3.0]
    student.numeric.numerical_gradient(lambda p: p[0] * p[1] * p[2], xs)
    assert xs == [1.0, 2.0, 3.0]


# ---- The catalogue's checks (kata/catalogue/step1.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_any_cubic_with_any_large_h(run_case):
    check_random_cases(run_case, 1, "step1.derivative-large-h")


@needs_oracle
def test_any_quadratic_form(run_case):
    check_random_cases(run_case, 1, "step1.gradient")
