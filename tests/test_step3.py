"""Step 3: local derivatives, the _backward closures (micrograd/engine.py). Run: make test-step3

First, the warm-up: backprop_by_hand(x, y, z) is the backward pass of f = (x + y) * z + exp(x * z),
worked out by hand: every node's value and d(f)/d(node), as formulas of x, y, z (the checks try them
at other points too). Then the closures. Each op stores a closure that, once out.grad is known,
ADDS out.grad * (local derivative) to each input's grad (+=: a Value used twice gets both
contributions). The checks run each closure on its
own (set out.grad, call out._backward(), read the inputs' grads), so backward() (step 4) is not
needed. If you build an op from others (a - b as a + (-b)), the checks also run the closures of the
nodes it made on its way.
"""

import math

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step3


# ---- What step 3 expects, by example -----------------------------------------------------------------


def test_backprop_by_hand_at_1_2_minus_1(student):
    """f(x, y, z) = (x + y) * z + exp(x * z) at x = 1, y = 2, z = -1, node by node (exp(-1) = 0.3679):

    node          value     d(f)/d(node)
    f = p + r    -2.6321    1
    p = s * z    -3         1
    r = exp(q)    0.3679    1
    q = x * z    -1         0.3679     r's gradient times exp(q)
    s = x + y     3        -1          p's gradient times z
    z            -1         3.3679     two paths: p's gradient times s, plus q's gradient times x
    y             2        -1
    x             1        -1.3679     two paths: s's gradient, plus q's gradient times z
    """
    nodes = student.engine.backprop_by_hand(1.0, 2.0, -1.0)
    table = {
        "f": (-2.6321, 1.0),
        "p": (-3.0, 1.0),
        "r": (0.3679, 1.0),
        "q": (-1.0, 0.3679),
        "s": (3.0, -1.0),
        "z": (-1.0, 3.3679),
        "y": (2.0, -1.0),
        "x": (1.0, -1.3679),
    }
    for name, (value, gradient) in table.items():
        got_value, got_gradient = nodes[name]
        assert got_value == pytest.approx(value, abs=1e-4), f"the value of {name}"
        assert got_gradient == pytest.approx(gradient, abs=1e-4), f"d(f)/d({name})"


def test_a_product_sends_each_input_the_other_ones_value(student):
    a, b = student.Value(2.0), student.Value(-3.0)
    out = a * b
    out.grad = 1.0
    out._backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_the_local_derivative_is_multiplied_by_out_grad(student):
    x = student.Value(0.5)
    out = x.tanh()
    out.grad = 2.0
    out._backward()
    assert x.grad == pytest.approx(2.0 * (1 - math.tanh(0.5) ** 2))


def test_a_value_used_twice_gets_both_contributions(student):
    a = student.Value(3.0)
    b = a + a  # d(b)/da = 2: += keeps both; = would keep one
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_relu_passes_no_gradient_where_its_input_was_negative(student):
    x = student.Value(-1.5)
    out = x.relu()
    out.grad = 1.0
    out._backward()
    assert x.grad == 0.0


# ---- The catalogue's checks (kata/catalogue/step3.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_backprop_by_hand_at_any_point(run_case):
    check_random_cases(run_case, 3, "step3.by-hand")


@needs_oracle
def test_every_closure_of_any_graph(run_case):
    check_random_cases(run_case, 3, "step3.graph-closures")
