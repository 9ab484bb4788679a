"""Step 1 probes: numerical_derivative and numerical_gradient (micrograd/numeric.py).

The functions differentiated are test functions named by the case (a cubic, a sine, an exponential,
a quadratic form): the probe builds them, hands them to the student's code, and reports the numbers
it returned, and for the gradient, how the student's code called them.
"""

from __future__ import annotations

import math

from kata.harness.observe import number, numbers

_type = type
_list = list
_tuple = tuple
_len = len
_sum = sum
_range = range
_enumerate = enumerate


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


def multivariate(args: dict):
    """f(xs) for a family: the lesson's (x + y) sin(x), or a quadratic form plus sines."""
    if args["family"] == "seed-example":
        return lambda xs: (xs[0] + xs[1]) * math.sin(xs[0])
    a, b, c = args["a"], args["b"], args["c"]
    n = _len(a)

    def f(xs):
        total = _sum(a[i] * xs[i] ** 2 + c[i] * math.sin(xs[i]) for i in _range(n))
        return total + _sum(b[i][j] * xs[i] * xs[j] for i in _range(n) for j in _range(i + 1, n))

    return f


def derivative(mg, args: dict) -> dict:
    return {"derivative": number(mg.numeric.numerical_derivative(univariate(args), args["x"]))}


def derivative_with_h(mg, args: dict) -> dict:
    return {"derivative": number(mg.numeric.numerical_derivative(univariate(args), args["x"], args["h"]))}


def gradient(mg, args: dict) -> dict:
    xs = _list(args["xs"])
    result = mg.numeric.numerical_gradient(multivariate(args), xs)
    return {"type": _type(result).__name__, "gradient": numbers(result), "xs after": numbers(xs)}


def gradient_calls(mg, args: dict) -> dict:
    calls: list = []

    def f(point):
        calls.append(numbers(_list(point)) if _type(point) in (_list, _tuple) else numbers(point))
        return _sum((i + 1) * v * v for i, v in _enumerate(point))

    xs = _list(args["xs"])
    mg.numeric.numerical_gradient(f, xs, args["h"])
    return {"xs after": numbers(xs), "calls": calls[:50], "call count": _len(calls)}


PROBES = {
    "step1.derivative": derivative,
    "step1.derivative-large-h": derivative_with_h,
    "step1.gradient": gradient,
    "step1.gradient-calls": gradient_calls,
}
