"""Step 1: finite differences (micrograd/numeric.py). What is checked, and how a result is judged."""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check, compared, looks_like
from kata.numbers import EXACT, close, is_real, show


@check(1, "derivative", "numerical_derivative(f, x) matches the exact derivative")
def derivative(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(1, "derivative-large-h", "numerical_derivative(f, x, h) is the CENTRAL difference, even for a large h")
def derivative_large_h(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(1, "gradient", "numerical_gradient(f, xs) gives every partial derivative, as a list")
def gradient(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    if got.get("xs after") != expectation["xs"]:
        found = compared(expectation["expected"], got)
        return [*found, looks_like("xs-mutated")] if found else [looks_like("xs-mutated")]
    return against(expectation, got)


@check(1, "gradient-calls", "numerical_gradient nudges one coordinate at a time by +-h and leaves xs unchanged")
def gradient_calls(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    xs, h = expectation["xs"], expectation["h"]
    if got.get("xs after") != xs:
        return [Problem(f"xs was {xs} before the call and {got.get('xs after')} after it"), looks_like("xs-mutated")]
    calls = got.get("calls")
    if not isinstance(calls, list):
        return [Problem(f"could not read how f was called: {show(calls)}")]
    seen: dict[int, set[int]] = {i: set() for i in range(len(xs))}
    for call in calls:
        if not isinstance(call, list) or len(call) != len(xs):
            return [Problem(f"f was called with {show(call)}: it must get a list of {len(xs)} numbers")]
        moved = [i for i, (a, b) in enumerate(zip(call, xs)) if a != b]
        if len(moved) > 1:
            return [
                Problem(f"f was called with {call}: coordinates {moved} moved at once"),
                looks_like("nudges-all-coordinates"),
            ]
        for i in moved:
            if not is_real(call[i]):
                return [Problem(f"f was called with {show(call)}: its coordinates must be numbers")]
            step = call[i] - xs[i]
            if close(step, h, EXACT) or close(step, -h, EXACT):
                seen[i].add(1 if step > 0 else -1)
    missing = [i for i, signs in seen.items() if signs != {1, -1}]
    if missing:
        return [Problem(f"coordinate(s) {missing} were not evaluated at both x + h and x - h (h = {h})")]
    return []
