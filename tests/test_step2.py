"""Step 2: the Value graph and forward values (micrograd/engine.py). Run: make test-step2

The checks live in kata/checks/step2.py (shared with the grader).
"""

import pytest
from hypothesis import given

from kata.checks import cases
from kata.checks.core import require
from kata.diagnosis import diagnose_values
from kata.graphs import build_with_ops, evaluate, every_op_spec, listing
from kata.observe import number
from tests.strategies import graph_specs

pytestmark = pytest.mark.step2
CASES = cases(2)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_check(case, run_case):
    run_case(case)


def test_forward_values_of_any_graph(student):
    """Every node of any expression graph has the value plain-float maths gives."""
    build_with_ops(every_op_spec(), student.Value)  # a stub stops the test here, before Hypothesis starts

    @given(graph_specs())
    def check(spec):
        got = [number(node.data) for node in build_with_ops(spec, student.Value)]
        problems = diagnose_values(spec, evaluate(spec), got)
        require(
            [*listing(spec), *problems] if problems else [], "a random graph's values differ from plain-float maths"
        )

    check()
