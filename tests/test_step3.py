"""Step 3: local derivatives, the _backward closures (micrograd/engine.py). Run: make test-step3

The checks live in kata/checks/step3.py (shared with the grader).
"""

import pytest
from hypothesis import given

from kata.checks import cases
from kata.checks.core import require
from kata.checks.step3 import graph_closures
from kata.diagnosis import graph_report
from kata.graphs import central_differences, every_op_spec
from kata.numbers import FINITE_DIFFERENCE, close, show
from tests.strategies import graph_expectation, graph_specs

pytestmark = pytest.mark.step3
CASES = cases(3)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)


def test_closures_on_any_graph(student, reference):
    """Run output-first, the closures give every node the reference's and the central difference's gradient."""
    graph_closures.probe(student, {"spec": every_op_spec()})  # a stub stops the test here, before Hypothesis starts

    @given(graph_specs())
    def check(spec):
        got = graph_closures.probe(student, {"spec": spec})
        expected = graph_expectation(spec, reference)
        problems = graph_report(spec, expected, got, mode="closures")
        require(problems, "run output-first, your closures give other gradients than the reference")
        measured = central_differences(spec)
        off = [k for k, (m, g) in enumerate(zip(measured, got["grad"])) if not close(m, g, FINITE_DIFFERENCE)]
        require(
            [f"node {k}: central difference {show(measured[k])}, got {show(got['grad'][k])}" for k in off],
            "gradients differ from central differences",
        )

    check()
