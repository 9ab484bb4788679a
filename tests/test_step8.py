"""Bonus step 8: Forward mode with dual numbers (micrograd/forward.py). Run: make test-step8

Extra credit. The checks live in kata/checks/step8.py (shared with the grader).
"""

import pytest
from hypothesis import given

from kata.checks import cases
from kata.checks.core import require
from kata.checks.step8 import graph
from kata.graphs import evaluate, every_op_spec, reverse_sweep
from kata.numbers import close, show
from tests.strategies import graph_specs

pytestmark = pytest.mark.step8
CASES = cases(8)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)


def test_forward_mode_equals_reverse_mode_on_any_graph(student):
    """For any graph, one forward pass per leaf gives the gradient reverse mode gives in one pass."""
    graph.probe(student, {"spec": every_op_spec()})  # a stub stops the test here, before Hypothesis starts

    @given(graph_specs())
    def check(spec):
        got = graph.probe(student, {"spec": spec})["d root / d leaf"]
        reverse = reverse_sweep(spec, evaluate(spec))[: len(spec["leaves"])]
        off = [i for i, (r, g) in enumerate(zip(reverse, got)) if not close(r, g)]
        require(
            [f"x{i}: reverse mode {show(reverse[i])}, forward mode {show(got[i])}" for i in off],
            "forward mode disagrees with reverse mode",
        )

    check()
