"""Hypothesis strategies and profiles for the step suites.

Profiles (choose with KATA_HYPOTHESIS=student|grade|dev):
    student  what `make test-stepN` / `python -m kata test N` use (the runner sets it): a bounded
             search (25 examples, one failure reported, no explain phase), an example database
             under .kata/ so a failing example is replayed first on the next run; the runner's
             launcher seeds each test's examples by its name, so the same code gets the same
             examples, and the same verdict, on every run
    grade    derandomized: the same examples on every run, no database, no deadline (make check,
             the zoo, GitHub Classroom)
    dev      random examples on every run, to find what the fixed cases miss (a plain `pytest`)
Every profile has no deadline (a busy machine must not fail a check) and a bounded shrink: at most
MAX_SHRINKS shrinks, for at most KATA_SHRINK_SECONDS (the runner gives it a share of the step's
budget), so a failing example is reported while it is still being simplified rather than never.
Hypothesis would load its own "ci" profile whenever a CI variable is set; loading ours
explicitly keeps local and CI runs the same.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.internal.conjecture import engine as _engine

from kata.graphs import ALL_OPS, random_graph

MAX_SHRINKS = 100
EXAMPLES = Path(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", ".kata/hypothesis")) / "examples"

# Hypothesis documents both limits as settable; its defaults are 500 shrinks and 300 s.
_engine.MAX_SHRINKS = MAX_SHRINKS
_engine.MAX_SHRINKING_SECONDS = float(os.environ.get("KATA_SHRINK_SECONDS", "2"))

settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "student",
    max_examples=25,
    deadline=None,
    database=DirectoryBasedExampleDatabase(str(EXAMPLES)),
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "grade",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("KATA_HYPOTHESIS", "dev"))


class DrawChooser:
    """kata.graphs' Chooser, with Hypothesis making the choices (so failures shrink)."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, low, high):
        return self.draw(st.integers(low, high))

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))


@st.composite
def graph_specs(draw, allowed=ALL_OPS):
    """Random expression graphs over every op of the engine (see kata.graphs.random_graph)."""
    return random_graph(DrawChooser(draw), leaves=(1, 3), ops=(1, 8), allowed=allowed)


@st.composite
def quadratics(draw):
    """(a, b, c, x) for f(x) = a x^2 + b x + c: its central difference is exact up to rounding."""
    number = st.integers(-300, 300).map(lambda n: n / 100)
    return draw(number), draw(number), draw(number), draw(number)


def graph_expectation(spec, reference, whole_engine=False):
    """What every node of the graph should hold after backward: from the reference engine when this
    checkout has it, else from the plain-float oracle (kata.graphs, proven equal to the reference by
    the repository's own tests)."""
    from kata.graphs import build_with_ops, evaluate, reverse_sweep
    from kata.observe import number

    if reference is None:
        values = evaluate(spec)
        return {"data": values, "grad": reverse_sweep(spec, values)}
    if not whole_engine:
        from kata.checks.step3 import graph_closures

        return graph_closures.probe(reference, {"spec": spec})
    nodes = build_with_ops(spec, reference.Value)
    nodes[-1].backward()
    return {"data": [number(n.data) for n in nodes], "grad": [number(n.grad) for n in nodes]}
