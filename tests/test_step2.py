"""Step 2: the Value graph (micrograd/engine.py). Run: make test-step2

Value(data) holds a float. Every operation (+, -, *, /, **, unary -, exp, log, tanh, relu, sigmoid,
and the reflected 2 + x, 2 - x, 2 * x, 2 / x, 2 ** x) returns a NEW Value with the right data, made
from its inputs: they are reachable through its _prev, and it has an _op. tanh and sigmoid do not
overflow at +-1000; log of a number <= 0 raises ValueError naming it, and so does c ** x for a number
c <= 0; ** takes only int and float exponents.
"""

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step2


# ---- What step 2 expects, by example -----------------------------------------------------------------


def test_a_new_value_is_a_leaf(student):
    v = student.Value(3)
    assert (v.data, type(v.data), v.grad, len(v._prev)) == (3.0, float, 0.0, 0)


def test_a_product_is_a_new_value_that_remembers_its_inputs(student):
    a, b = student.Value(2.0), student.Value(-3.0)
    c = a * b
    assert c.data == -6.0
    assert c is not a and c is not b
    assert any(p is a for p in c._prev) and any(p is b for p in c._prev)


def test_the_lecture_expression(student):
    a, b, c, f = student.Value(2.0), student.Value(-3.0), student.Value(10.0), student.Value(-2.0)
    assert ((a * b + c) * f).data == -8.0


def test_plain_numbers_work_on_both_sides(student):
    x = student.Value(5.0)
    assert [(x + 1).data, (1 + x).data, (2 - x).data, (x - 2).data, (10 / x).data, (x / 10).data] == [
        6.0, 6.0, -3.0, 3.0, 2.0, 0.5,
    ]  # fmt: skip


def test_a_number_to_the_power_of_a_value(student):
    x = student.Value(3.0)
    assert (2**x).data == pytest.approx(8.0)  # Python calls x.__rpow__(2): the plain number is the base
    with pytest.raises(ValueError, match="-2"):
        (-2) ** x  # c ** x is exp(x ln c): no ln for c <= 0


def test_tanh_and_sigmoid_stay_finite_at_1000(student):
    assert student.Value(1000.0).tanh().data == 1.0
    assert student.Value(-1000.0).sigmoid().data == 0.0


def test_log_of_a_negative_number_raises_and_names_it(student):
    with pytest.raises(ValueError, match="-1"):
        student.Value(-1.0).log()


# ---- The catalogue's checks (kata/catalogue/step2.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_every_node_of_any_graph_has_the_right_data(run_case):
    check_random_cases(run_case, 2, "step2.graph-forward")
