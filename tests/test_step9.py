"""Bonus step 9: the cheap gradient principle (micrograd/cost.py). Run: make test-step9

Count the elementary operations on the graph itself. The forward pass: 1 per op node (a leaf is
given, a shared node computed once). backward(): 1 for the seed, then a multiply and an add per
input of every op node. Forward mode over every leaf: one pass per leaf, each its seed plus every
op node's value (1) and derivative (2 per input). backward() stays under 5 x the forward pass;
forward mode grows with the number of inputs.
"""

import pytest

from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step9


# ---- What step 9 expects, by example -----------------------------------------------------------------


def product_graph(mg):
    """e = (a * b + a) * (a * b): 2 leaves, 3 op nodes, and c = a * b used twice."""
    a, b = mg.Value(1.0), mg.Value(2.0)
    c = a * b
    d = c + a
    return (a, b, c, d, d * c)


@pytest.mark.uses(2)
def test_every_node_once_even_the_one_used_twice(mg):
    a, b, c, d, e = product_graph(mg)
    assert sorted(map(id, mg.cost.nodes(e))) == sorted(map(id, [a, b, c, d, e]))


@pytest.mark.uses(2)
def test_the_forward_pass_computed_three_ops(mg):
    assert mg.cost.forward_ops(product_graph(mg)[-1]) == 3  # c, d, e; the leaves a and b were given


@pytest.mark.uses(2)
def test_backward_is_the_seed_and_two_per_input(mg):
    assert mg.cost.backward_ops(product_graph(mg)[-1]) == 1 + 2 * 6  # c, d and e have 2 inputs each


@pytest.mark.uses(2)
def test_forward_mode_pays_forward_and_backward_once_per_leaf(mg):
    e = product_graph(mg)[-1]
    assert mg.cost.forward_mode_ops(e) == 2 * (1 + 3 + 2 * 6)  # 2 leaves, so 2 passes
    assert mg.cost.forward_mode_ops(e) == 2 * (mg.cost.forward_ops(e) + mg.cost.backward_ops(e))


# ---- The catalogue's checks (kata/catalogue/step9.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_the_counts_on_any_graph(run_case):
    check_random_cases(run_case, 9, "step9.backward-ops")
