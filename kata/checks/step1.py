"""Step 1: finite differences (micrograd/numeric.py)."""

from __future__ import annotations

import math
import random

from kata.checks.core import Case, check, compare
from kata.graphs import RandomChooser, number_between
from kata.numbers import EXACT, FINITE_DIFFERENCE, close, show
from kata.observe import number, numbers

# ---- The functions differentiated, by name (the probe runs where only names can travel) ----------


def univariate(args: dict):
    """f(x) for a family: cubic a x^3 + b x^2 + c x, sin(k x), or exp(k x)."""
    family, p = args["family"], args["params"]
    if family == "cubic":
        return lambda x: p[0] * x**3 + p[1] * x**2 + p[2] * x
    if family == "sin":
        return lambda x: math.sin(p[0] * x)
    if family == "exp":
        return lambda x: math.exp(p[0] * x)
    raise ValueError(family)


def exact_derivative(args: dict) -> float:
    family, p, x = args["family"], args["params"], args["x"]
    if family == "cubic":
        return 3 * p[0] * x**2 + 2 * p[1] * x + p[2]
    if family == "sin":
        return p[0] * math.cos(p[0] * x)
    return p[0] * math.exp(p[0] * x)


def multivariate(args: dict):
    """f(xs) for a family: the seeds' (x + y) sin(x), or a quadratic form plus sines."""
    if args["family"] == "seed-example":
        return lambda xs: (xs[0] + xs[1]) * math.sin(xs[0])
    a, b, c = args["a"], args["b"], args["c"]
    n = len(a)

    def f(xs):
        total = sum(a[i] * xs[i] ** 2 + c[i] * math.sin(xs[i]) for i in range(n))
        return total + sum(b[i][j] * xs[i] * xs[j] for i in range(n) for j in range(i + 1, n))

    return f


def exact_gradient(args: dict) -> list[float]:
    xs = args["xs"]
    if args["family"] == "seed-example":
        x, y = xs
        return [math.sin(x) + (x + y) * math.cos(x), math.sin(x)]
    a, b, c = args["a"], args["b"], args["c"]
    n = len(a)
    gradient = []
    for i in range(n):
        g = 2 * a[i] * xs[i] + c[i] * math.cos(xs[i])
        g += sum(b[min(i, j)][max(i, j)] * xs[j] for j in range(n) if j != i)
        gradient.append(g)
    return gradient


# ---- Probes and judges -----------------------------------------------------------------------


def _judge_derivative(args: dict, expected: dict, got: dict) -> list[str]:
    value = got.get("derivative")
    if "h" in args:
        truth, tolerance = _central(args, args["h"]), EXACT  # the central formula itself, whatever h is
    else:
        truth, tolerance = exact_derivative(args), FINITE_DIFFERENCE
    problems = compare(expected, got)
    if not problems and not close(truth, value, tolerance):
        problems.append(f"derivative: expected about {show(truth)}, got {show(value)}")
    if problems:
        hint = _derivative_hint(args, value)
        if hint:
            problems.append(f"looks like: {hint}")
    return problems


def _central(args: dict, h: float) -> float:
    """What the contract's formula gives, computed here to judge against."""
    f, x = univariate(args), args["x"]
    rise = f(x + h) - f(x - h)
    return rise / (h + h)


def _derivative_hint(args: dict, value: object) -> str:
    f, x, h = univariate(args), args["x"], args.get("h", 1e-6)
    if close((f(x + h) - f(x)) / h, value) or close((f(x) - f(x - h)) / h, value):
        return "a one-sided difference; use the central one, (f(x + h) - f(x - h)) / (2h)"
    if "h" in args and close(_central(args, 1e-6), value, FINITE_DIFFERENCE):
        return "the h argument is ignored; use the h the caller passes"
    if close(_central(args, h) * 2, value) or close(_central(args, h) / 2, value):
        return "a factor 2 is off: divide the difference by 2h, the distance between x - h and x + h"
    return ""


@check(1, "derivative", "numerical_derivative(f, x) matches the exact derivative", judge=_judge_derivative)
def derivative(mg, args):
    return {"derivative": number(mg.numeric.numerical_derivative(univariate(args), args["x"]))}


@check(
    1,
    "derivative-large-h",
    "numerical_derivative(f, x, h) is the CENTRAL difference, even for a large h",
    judge=_judge_derivative,
)
def derivative_large_h(mg, args):
    return {"derivative": number(mg.numeric.numerical_derivative(univariate(args), args["x"], args["h"]))}


def _judge_gradient(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    gradient = got.get("gradient")
    exact = exact_gradient(args)
    comparable = isinstance(gradient, list) and len(gradient) == len(exact)
    if comparable and not all(close(e, g, FINITE_DIFFERENCE) for e, g in zip(exact, gradient)):
        problems.append(f"the exact gradient is [{', '.join(show(e) for e in exact)}]")
        # nudging every coordinate at once measures the slope along (1, 1, ...): the sum of the partials
        if len(exact) > 1 and close(sum(exact), gradient[0], FINITE_DIFFERENCE):
            problems.append("looks like every coordinate was nudged at once: nudge one at a time, the others fixed")
    return problems


@check(1, "gradient", "numerical_gradient(f, xs) gives every partial derivative, as a list", judge=_judge_gradient)
def gradient(mg, args):
    result = mg.numeric.numerical_gradient(multivariate(args), list(args["xs"]))
    return {"type": type(result).__name__, "gradient": numbers(result)}


def _judge_calls(args: dict, expected: dict, got: dict) -> list[str]:
    xs, h = args["xs"], args["h"]
    problems = []
    if got.get("xs_after") != [float(x) for x in xs]:
        problems.append(f"xs changed: it was {xs}, after the call it is {got.get('xs_after')}; work on copies")
    seen: dict[int, set[int]] = {i: set() for i in range(len(xs))}
    for call in got.get("calls", []):
        if not isinstance(call, list) or len(call) != len(xs):
            problems.append(f"f was called with {show(call)}: it must get a list of {len(xs)} numbers")
            break
        moved = [i for i, (a, b) in enumerate(zip(call, xs)) if a != b]
        if len(moved) > 1:
            problems.append(
                f"f was called with {call}: coordinates {moved} moved at once; nudge ONE coordinate at a time"
            )
            break
        for i in moved:
            step = call[i] - xs[i]
            if close(step, h, EXACT) or close(step, -h, EXACT):
                seen[i].add(1 if step > 0 else -1)
    missing = [i for i, signs in seen.items() if signs != {1, -1}]
    if not problems and missing:
        problems.append(f"coordinate(s) {missing} were not evaluated at both x + h and x - h")
    return problems


@check(
    1,
    "gradient-calls",
    "numerical_gradient nudges one coordinate at a time by +-h and leaves xs unchanged",
    judge=_judge_calls,
)
def gradient_calls(mg, args):
    calls = []

    def f(point):
        calls.append(numbers(list(point)) if type(point) in (list, tuple) else numbers(point))
        return sum((i + 1) * v * v for i, v in enumerate(point))

    xs = list(args["xs"])
    mg.numeric.numerical_gradient(f, xs, args["h"])
    return {"xs_after": numbers(xs), "calls": calls[:50]}


# ---- Cases --------------------------------------------------------------------------------


def _univariate_case(rng: random.Random, family: str) -> dict:
    choose = RandomChooser(rng)
    if family == "cubic":
        params = [number_between(choose, 0.5, 2.0), number_between(choose, -2, 2), number_between(choose, -2, 2)]
    else:
        params = [number_between(choose, 1.5, 3.0)]
    return {"family": family, "params": params, "x": number_between(choose, -1.5, 1.5)}


def _signed(x: float) -> str:
    return f"- {-x}" if x < 0 else f"+ {x}"


def _label(args: dict) -> str:
    p = args["params"]
    if args["family"] == "cubic":
        text = f"f(x) = {p[0]} x^3 {_signed(p[1])} x^2 {_signed(p[2])} x"
    else:
        text = f"f(x) = {args['family']}({p[0]} x)"
    text += f", x = {args['x']}"
    if "h" in args:
        text += f", h = {args['h']}"
    return text


def cases(rng: random.Random) -> list[Case]:
    made = []
    for family in ("cubic", "sin", "exp"):
        args = _univariate_case(rng, family)
        made.append(Case(derivative, args, _label(args)))
    for _ in range(2):
        args = _univariate_case(rng, "cubic")
        args["h"] = rng.choice([0.1, 0.25, 0.5])
        made.append(Case(derivative_large_h, args, _label(args)))
    choose = RandomChooser(rng)
    point = [number_between(choose, 1.0, 3.0), number_between(choose, 1.0, 3.0)]
    made.append(Case(gradient, {"family": "seed-example", "xs": point}, f"f(x, y) = (x + y) sin(x) at {point}"))
    for n in (3, 4):
        a = [number_between(choose, -2, 2) for _ in range(n)]
        b = [[number_between(choose, -2, 2) for _ in range(n)] for _ in range(n)]
        c = [number_between(choose, -1, 1) for _ in range(n)]
        xs = [number_between(choose, -2, 2) for _ in range(n)]
        made.append(
            Case(
                gradient,
                {"family": "quadratic", "a": a, "b": b, "c": c, "xs": xs},
                f"a quadratic form in {n} variables at {xs}",
            )
        )
    xs = [number_between(choose, -2, 2) for _ in range(3)]
    made.append(Case(gradient_calls, {"xs": xs, "h": 0.25}, f"xs = {xs}, h = 0.25"))
    return made
