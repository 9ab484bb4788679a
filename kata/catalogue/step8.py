"""Step 8: forward mode with dual numbers (micrograd/forward.py). What is checked, how it is judged."""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check, compare, compared, looks_like
from kata.catalogue.graphs import listing, names, with_listing
from kata.harness.build import FORMS
from kata.numbers import show


@check(8, "op", "a Dual operation returns the value and, by the chain rule, the derivative")
def op(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if problems and not any(p.bug for p in problems):
        problems.append(Problem(f"look at Dual.{FORMS[args['op']].method}"))
    return problems


@check(
    8,
    "graph",
    "one forward pass per leaf gives every node's value and derivative, as reverse mode does",
    weight=2.0,
)
def graph(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    spec = args["spec"]
    expected = expectation["expected"]
    values, passes = got.get("values"), got.get("derivatives")
    if (
        not isinstance(values, list)
        or not isinstance(passes, list)
        or len(values) != len(expected["values"])
        or len(passes) != len(expected["derivatives"])
        or any(not isinstance(p, list) or len(p) != len(values) for p in passes)
    ):
        return with_listing(spec, compared(expected, got))
    label = names(spec)
    first = len(spec["leaves"])
    for k in range(len(values)):  # inputs first: the first node that goes wrong
        right = [expected["values"][k], [d[k] for d in expected["derivatives"]]]
        seen = [values[k], [p[k] for p in passes]]
        if not compare(right, seen):
            continue
        wanted = ", ".join(f"d/d{label[i]} = {show(d)}" for i, d in enumerate(right[1]))
        shown = ", ".join(f"d/d{label[i]} = {show(d)}" for i, d in enumerate(seen[1]))
        problems = [
            Problem(
                f"first wrong node: {listing(spec)[k]}\n  expected value {show(right[0])}, {wanted}\n"
                f"  got value {show(seen[0])}, {shown}"
            )
        ]
        if k >= first:
            method = FORMS[spec["nodes"][k - first]["op"]].method
            for bug, alternative in expectation["alternatives"].get(str(k), []):
                if not compare(alternative, seen):
                    problems.append(looks_like(bug, f"in Dual.{method}"))
                    break
            else:
                problems.append(Problem(f"look at Dual.{method}"))
        return with_listing(spec, problems)
    return []


@check(8, "derivative-and-gradient", "derivative(f, x) and gradient(f, xs) differentiate any function in forward mode")
def derivative_and_gradient(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(8, "domain", "Dual log of x <= 0 raises ValueError; Dual sigmoid saturates at large |x|")
def domain(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    if got.get("log of x <= 0") != "ValueError":
        problems.append(looks_like("dual-log-no-error"))
    if any(isinstance(got.get(k), dict) for k in ("sigmoid(+big)", "sigmoid(-big)")):
        problems.append(looks_like("dual-sigmoid-overflows"))
    return problems
