"""Step 4: topological order and backward() (micrograd/engine.py). Run: make test-step4

The checks live in kata/checks/step4.py (shared with the grader). The property test at the end
runs your whole engine (steps 2-4) on random graphs.
"""

import pytest
from hypothesis import given

from kata.checks import cases
from kata.checks.core import require
from kata.diagnosis import graph_report
from kata.graphs import build_with_ops, central_differences, every_op_spec
from kata.numbers import FINITE_DIFFERENCE, close, show
from kata.observe import number
from tests.strategies import graph_expectation, graph_specs

pytestmark = pytest.mark.step4
CASES = cases(4)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)


def _backward_through(implementation, spec):
    nodes = build_with_ops(spec, implementation.Value)
    nodes[-1].backward()
    return {"data": [number(n.data) for n in nodes], "grad": [number(n.grad) for n in nodes]}


def test_your_whole_engine_on_any_graph(student, reference):
    """Your ops, closures and backward() together agree with the reference and with central differences."""
    _backward_through(student, every_op_spec())  # a stub stops the test here, before Hypothesis starts

    @given(graph_specs())
    def check(spec):
        got = _backward_through(student, spec)
        problems = graph_report(spec, graph_expectation(spec, reference, whole_engine=True), got, mode="end-to-end")
        require(problems, "your whole engine gives other gradients than the reference")
        measured = central_differences(spec)
        off = [k for k, (m, g) in enumerate(zip(measured, got["grad"])) if not close(m, g, FINITE_DIFFERENCE)]
        require(
            [f"node {k}: central difference {show(measured[k])}, got {show(got['grad'][k])}" for k in off],
            "gradients differ from central differences",
        )

    check()
