"""Bonus step 10: gradient checkpointing (micrograd/checkpoint.py). Run: make test-step10

checkpoint(f, *inputs) returns f(*inputs) as ONE Value whose _prev is the inputs: f's own graph is
not kept. Its _backward builds f again on stand-ins Value(x.data), runs backward() there, and adds
out.grad * stand-in.grad to each input's grad. sequential(functions, x, every=k) applies the
functions in turn, each run of k of them one checkpointed segment. The gradients are those of plain
backward(); what changes is how many Values are alive at once.
"""

import math

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step10


# ---- What step 10 expects, by example ----------------------------------------------------------------


@pytest.mark.uses(2, 3, 4)
def test_a_checkpoint_is_one_node_over_its_inputs(mg):
    x = mg.Value(0.5)
    y = mg.checkpoint.checkpoint(lambda v: (v * v).tanh(), x)
    assert y.data == pytest.approx(math.tanh(0.25))
    assert list(y._prev) == [x]  # v * v is not kept: it is built again by backward()


@pytest.mark.uses(2, 3, 4)
def test_the_gradient_through_a_checkpoint_is_the_plain_one(mg):
    x = mg.Value(0.5)
    y = mg.checkpoint.checkpoint(lambda v: (v * v).tanh(), x)
    (y * 3.0).backward()
    assert x.grad == pytest.approx(3.0 * (1 - math.tanh(0.25) ** 2) * 2 * 0.5)


@pytest.mark.uses(2, 3, 4)
def test_an_input_used_outside_the_checkpoint_gets_both_contributions(mg):
    a, b = mg.Value(2.0), mg.Value(-1.0)
    loss = mg.checkpoint.checkpoint(lambda p, q: p * q, a, b) + a  # d/da = b + 1
    loss.backward()
    assert (a.grad, b.grad) == (pytest.approx(0.0), pytest.approx(2.0))


@pytest.mark.uses(2, 3, 4)
def test_segments_of_a_chain_give_the_same_gradient_as_the_chain(mg):
    functions = [lambda v, c=c: (v * c).tanh() for c in (0.9, 1.2, 0.8, 1.1, 1.3, 0.7)]
    grads = []
    for every in (0, 1, 2, 4):
        x = mg.Value(0.4)
        mg.checkpoint.sequential(functions, x, every).backward()
        grads.append(x.grad)
    assert grads[1:] == [pytest.approx(grads[0])] * 3


# ---- The catalogue's checks (kata/catalogue/step10.py), on the public seed's numbers -----------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_any_chain_gives_the_plain_gradient(run_case):
    check_random_cases(run_case, 10, "step10.gradients")
