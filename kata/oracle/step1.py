"""Step 1: the cases, and what a right numerical_derivative / numerical_gradient gives on them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.harness.probes.step1 import univariate
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear

H_DEFAULT = 1e-6
LARGE_H = (0.1, 0.25, 0.5)


def exact_derivative(args: Args) -> float:
    family: str = args["family"]
    p: list[float] = args["params"]
    x: float = args["x"]
    if family == "cubic":
        return 3 * p[0] * x**2 + 2 * p[1] * x + p[2]
    if family == "sin":
        return p[0] * math.cos(p[0] * x)
    return p[0] * math.exp(p[0] * x)


def central(args: Args, h: float) -> float:
    f: Callable[[float], float] = univariate(args)
    x: float = args["x"]
    return (f(x + h) - f(x - h)) / (2 * h)


def exact_gradient(args: Args) -> list[float]:
    xs = args["xs"]
    if args["family"] == "seed-example":
        x, y = xs
        return [math.sin(x) + (x + y) * math.cos(x), math.sin(x)]
    a, b, c = args["a"], args["b"], args["c"]
    n = len(a)
    out = []
    for i in range(n):
        g = 2 * a[i] * xs[i] + c[i] * math.cos(xs[i])
        g += sum(b[min(i, j)][max(i, j)] * xs[j] for j in range(n) if j != i)
        out.append(g)
    return out


# ---- Expectations ------------------------------------------------------------------------------


def expect_derivative(args: Args, observation: Observation) -> Expectation:
    c = central(args, H_DEFAULT)
    return {
        "expected": {"derivative": exact_derivative(args)},
        "tolerance": "finite-difference",
        "alternatives": [["factor-two", {"derivative": 2 * c}], ["factor-two", {"derivative": c / 2}]],
    }


def expect_derivative_with_h(args: Args, observation: Observation) -> Expectation:
    f, x, h = univariate(args), args["x"], args["h"]
    c = central(args, h)
    return {
        "expected": {"derivative": c},
        "tolerance": "exact",
        "alternatives": [
            ["one-sided-difference", {"derivative": (f(x + h) - f(x)) / h}],
            ["one-sided-difference", {"derivative": (f(x) - f(x - h)) / h}],
            ["ignores-h", {"derivative": central(args, H_DEFAULT)}],
            ["factor-two", {"derivative": 2 * c}],
            ["factor-two", {"derivative": c / 2}],
        ],
    }


def expect_gradient(args: Args, observation: Observation) -> Expectation:
    exact = exact_gradient(args)
    alternatives = [
        ["factor-two", {"gradient": [2 * g for g in exact]}],
        ["factor-two", {"gradient": [g / 2 for g in exact]}],
    ]
    if len(exact) > 1:  # nudging every coordinate at once measures the slope along (1, 1, ...)
        alternatives.insert(0, ["nudges-all-coordinates", {"gradient": [sum(exact)] * len(exact)}])
    return {
        "expected": {"type": "list", "gradient": exact},
        "tolerance": "finite-difference",
        "xs": [float(x) for x in args["xs"]],
        "alternatives": alternatives,
    }


def expect_calls(args: Args, observation: Observation) -> Expectation:
    return {"xs": [float(x) for x in args["xs"]], "h": args["h"]}


EXPECT = {
    "step1.derivative": expect_derivative,
    "step1.derivative-large-h": expect_derivative_with_h,
    "step1.gradient": expect_gradient,
    "step1.gradient-calls": expect_calls,
}


# ---- Cases -----------------------------------------------------------------------------------------


def _univariate(choose: Chooser, family: str) -> dict[str, Any]:
    if family == "cubic":
        params = [
            number_between(choose, 0.5, 2.0),
            number_between(choose, -2, 2, 0.1),
            number_between(choose, -2, 2, 0.1),
        ]
    else:
        params = [number_between(choose, 1.5, 3.0)]
    return {"family": family, "params": params, "x": number_between(choose, -1.5, 1.5, 0.1)}


def _signed(x: float) -> str:
    return f"- {-x}" if x < 0 else f"+ {x}"


def _label(args: Args) -> str:
    p = args["params"]
    if args["family"] == "cubic":
        text = f"f(x) = {p[0]} x^3 {_signed(p[1])} x^2 {_signed(p[2])} x"
    else:
        text = f"f(x) = {args['family']}({p[0]} x)"
    text += f", x = {args['x']}"
    if "h" in args:
        text += f", h = {args['h']}"
    return text


def large_h_case(choose: Chooser, h: float | None = None) -> Case:
    for _ in attempts():
        args = _univariate(choose, "cubic")
        args["h"] = h if h is not None else choose.pick(LARGE_H)
        expected = expect_derivative_with_h(args, {})
        if clear(expected["expected"], expected["alternatives"]):
            return Case("step1.derivative-large-h", args, _label(args))
    raise AssertionError("attempts() raises NoClearCase when it runs out")


def quadratic_case(choose: Chooser, n: int | None = None) -> Case:
    n = n if n is not None else choose.pick([2, 3, 4])
    a = [number_between(choose, 0.5, 2, 0.5) * choose.pick([-1, 1]) for _ in range(n)]
    b = [[number_between(choose, -2, 2) for _ in range(n)] for _ in range(n)]
    c = [number_between(choose, -1, 1) for _ in range(n)]
    xs = [number_between(choose, -2, 2, 0.2) for _ in range(n)]
    args = {"family": "quadratic", "a": a, "b": b, "c": c, "xs": xs}
    return Case("step1.gradient", args, f"a quadratic form in {n} variables at {xs}")


RANDOM = {"step1.derivative-large-h": large_h_case, "step1.gradient": quadratic_case}


def cases(choose: Chooser) -> list[Case]:
    made = []
    for family in ("cubic", "sin", "exp"):
        args = _univariate(choose, family)
        made.append(Case("step1.derivative", args, _label(args)))
    for h in LARGE_H:  # a cubic has f''' != 0: every classic mistake shows at every one of these
        made.append(large_h_case(choose, h))
    point = [number_between(choose, 1.0, 3.0), number_between(choose, 1.0, 3.0)]
    made.append(Case("step1.gradient", {"family": "seed-example", "xs": point}, f"f(x, y) = (x + y) sin(x) at {point}"))
    for n in (3, 4):
        made.append(quadratic_case(choose, n))
    xs = [number_between(choose, -2, 2, 0.2) for _ in range(3)]
    made.append(Case("step1.gradient-calls", {"xs": xs, "h": 0.25}, f"xs = {xs}, h = 0.25"))
    return made
