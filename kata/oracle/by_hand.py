"""Step 3's warm-up, the backward pass by hand: f(x, y, z) = (x + y) * z + exp(x * z) (the chapter's
exercise 28.3), its values and gradients by the oracle's chain rule, and the classic mistakes of a
hand computation, at points drawn so that each mistake gives its own number.

A student's backprop_by_hand(x, y, z) returns every node's (value, d(f)/d(node)); the judge names the
first node that is off. A mistake is local: it is made at one node, with every gradient above it right,
so the alternatives of a node are computed from the right gradients of the nodes that use it.
"""

from __future__ import annotations

import math
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear
from kata.oracle.graphs import evaluate, gradients
from kata.oracle.ops import LIMIT

NAMES = ("x", "y", "z", "s", "p", "q", "r", "f")  # the nodes, inputs first (as the docstring names them)
LECTURE = (1.0, 2.0, -1.0)  # the chapter's point


def spec(x: float, y: float, z: float) -> dict[str, Any]:
    """The expression as a graph description: s = x + y, p = s * z, q = x * z, r = exp(q), f = p + r."""
    return {
        "leaves": [x, y, z],
        "nodes": [
            {"op": "add", "args": [0, 1]},
            {"op": "mul", "args": [3, 2]},
            {"op": "mul", "args": [0, 2]},
            {"op": "exp", "args": [5]},
            {"op": "add", "args": [4, 6]},
        ],
    }


def truth(x: float, y: float, z: float) -> tuple[dict[str, float], dict[str, float]]:
    """Every node's value and d(f)/d(node), by the chain rule over the graph (kata.oracle.graphs)."""
    drawn = spec(x, y, z)
    values = evaluate(drawn)
    grads = gradients(drawn, values)
    return dict(zip(NAMES, values)), dict(zip(NAMES, grads))


def mistakes(v: dict[str, float], g: dict[str, float]) -> dict[str, list[list[Any]]]:
    """What the classic mistakes give at each node, made there with every gradient above it right."""
    return {
        # r = exp(q): the derivative taken from the input q instead of exp(q)
        "q": [["exp-grad-from-input", g["r"] * v["q"]]],
        # p = s * z: s gets its own value instead of its partner's
        "s": [["mul-own-value", g["p"] * v["s"]]],
        # z feeds p = s * z and q = x * z
        "z": [
            ["hand-one-path", g["p"] * v["s"]],
            ["hand-one-path", g["q"] * v["x"]],
            ["hand-inner-derivative", g["p"] * v["s"] + g["q"]],
            ["mul-own-value", g["p"] * v["z"] + g["q"] * v["z"]],
        ],
        # x feeds s = x + y and q = x * z
        "x": [
            ["hand-one-path", g["s"]],
            ["hand-one-path", g["q"] * v["z"]],
            ["hand-inner-derivative", g["s"] + g["q"]],
            ["mul-own-value", g["s"] + g["q"] * v["x"]],
        ],
    }


def expect(args: Args, observation: Observation) -> Expectation:
    values, grads = truth(args["x"], args["y"], args["z"])
    return {
        "expected": {name: [values[name], grads[name]] for name in NAMES},
        "alternatives": mistakes(values, grads),
    }


def _clear(x: float, y: float, z: float) -> bool:
    """Every node's mistakes give numbers apart from the right one and from each other's; all values
    are well scaled."""
    values, grads = truth(x, y, z)
    if not all(math.isfinite(a) and abs(a) <= LIMIT for a in (*values.values(), *grads.values())):
        return False
    return all(clear(grads[name], wrong) for name, wrong in mistakes(values, grads).items())


def case(choose: Chooser, title: str = "a point") -> Case:
    for _ in attempts():
        x, y, z = (number_between(choose, -high, high, avoid_below=0.3) for high in (1.5, 2.5, 1.5))
        if _clear(x, y, z):
            return Case("step3.by-hand", {"x": x, "y": y, "z": z}, f"{title}: x = {x}, y = {y}, z = {z}")
    raise AssertionError("unreachable: attempts() raises when no clear point is found")
