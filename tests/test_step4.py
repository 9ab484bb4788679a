"""Step 4: topological order and backward() (micrograd/engine.py). Run: make test-step4

topological_order(root) lists every node root depends on, once, each after all of its inputs, with
an explicit stack (a chain 5,000 deep must work, without recursion). backward() sets self.grad = 1.0, then runs every
node's _backward in reverse topological order: the output first.

The graphs here are bare nodes (your class, the kata's attributes) whose closures only record that
they ran: none of your operators or closures (steps 2-3) is used.
"""

import pytest

from kata.harness.build import bare_node
from tests.random_cases import check_random_cases, needs_oracle

pytestmark = pytest.mark.step4


def graph(student, edges):
    """Bare nodes of your Value class: edges = {name: [input names]}, in an order inputs come first."""
    nodes = {}
    for name, inputs in edges.items():
        nodes[name] = bare_node(student.Value, 0.0, tuple(nodes[i] for i in inputs))
        nodes[name].label = name
    return nodes


def labels(nodes):
    return [node.label for node in nodes]


# ---- What step 4 expects, by example -----------------------------------------------------------------


def test_a_chain_is_listed_from_the_leaf_to_the_root(student):
    g = graph(student, {"a": [], "b": ["a"], "c": ["b"]})
    assert labels(student.engine.topological_order(g["c"])) == ["a", "b", "c"]


def test_a_node_reached_twice_is_listed_once_after_all_its_inputs(student):
    g = graph(student, {"x": [], "a": ["x"], "b": ["a"], "c": ["x"], "out": ["b", "c"]})
    order = labels(student.engine.topological_order(g["out"]))
    assert sorted(order) == ["a", "b", "c", "out", "x"]
    assert order.index("x") < order.index("a") < order.index("b") < order.index("out")
    assert order.index("x") < order.index("c") < order.index("out")


def test_backward_seeds_the_output_and_runs_the_closures_output_first(student):
    g = graph(student, {"x": [], "a": ["x"], "out": ["a"]})
    ran = []
    for name, node in g.items():
        node._backward = lambda name=name, node=node: ran.append((name, node.grad))
    g["out"].backward()
    assert ran[0] == ("out", 1.0)
    assert [name for name, _ in ran if name != "x"] == ["out", "a"]


# ---- The catalogue's checks (kata/catalogue/step4.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)


# ---- Random cases of the same checks ---------------------------------------------------------------


@needs_oracle
def test_any_graph_is_ordered_inputs_first(run_case):
    check_random_cases(run_case, 4, "step4.topological-order")


@needs_oracle
def test_backward_runs_any_graph_output_first(run_case):
    check_random_cases(run_case, 4, "step4.backward-order")
