"""Bonus step 8: forward-mode differentiation with dual numbers (micrograd/forward.py).

Independent of the Value engine: the expected derivatives come from the reference's duals and are
cross-checked against the reverse-mode oracle and central differences.
"""

from __future__ import annotations

import random

from kata.checks.core import Case, check, compare
from kata.checks.step2 import op_inputs, op_label
from kata.graphs import (
    OPS,
    RandomChooser,
    build_with_ops,
    central_differences,
    evaluate,
    listing,
    number_between,
    random_graph,
    reverse_sweep,
)
from kata.numbers import EXACT, FINITE_DIFFERENCE, close, show
from kata.observe import number


def _judge_op(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    op = OPS[args["op"]]
    inputs, const = args["inputs"], args.get("const")
    value = op.forward(inputs, const)
    slope = sum(d * s for d, s in zip(op.partials(inputs, value, const), args["seeds"]))
    if not close(value, got.get("value")) and not problems:
        problems.append(f"value: expected {show(value)}, got {show(got.get('value'))}")
    if not close(slope, got.get("derivative")) and not problems:
        problems.append(f"derivative: expected {show(slope)}, got {show(got.get('derivative'))}")
    if problems and close(value, got.get("value")):
        problems.append(
            "the value is right, the derivative is not: apply the chain rule with the inputs' "
            "derivatives (a' and b'), not just the local derivative"
        )
    return problems


@check(8, "op", "a Dual operation returns the value and, by the chain rule, the derivative", judge=_judge_op)
def op(mg, args):
    Dual = mg.forward.Dual
    operands = [Dual(x, s) for x, s in zip(args["inputs"], args["seeds"])]
    out = OPS[args["op"]].build(operands, args.get("const"))
    return {"value": number(out.value), "derivative": number(out.derivative)}


def _judge_graph(args: dict, expected: dict, got: dict) -> list[str]:
    spec = args["spec"]
    problems = compare(expected, got)
    derivatives = got.get("d root / d leaf")
    reverse = reverse_sweep(spec, evaluate(spec))[: len(spec["leaves"])]
    measured = central_differences(spec)[: len(spec["leaves"])]
    if not problems and isinstance(derivatives, list):
        if not all(close(r, d, EXACT) for r, d in zip(reverse, derivatives)):
            problems.append(f"forward mode disagrees with reverse mode: {derivatives} vs {reverse}")
        elif not all(close(m, d, FINITE_DIFFERENCE) for m, d in zip(measured, derivatives)):
            problems.append(f"forward mode disagrees with central differences: {derivatives} vs {measured}")
    if problems:
        problems[:0] = ["the graph (inputs before outputs):", *(f"  {line}" for line in listing(spec))]
    return problems


@check(
    8,
    "graph",
    "one forward pass per leaf gives d(root)/d(leaf), equal to reverse mode and central differences",
    judge=_judge_graph,
    weight=2.0,
)
def graph(mg, args):
    Dual = mg.forward.Dual
    spec = args["spec"]
    found = []
    for i in range(len(spec["leaves"])):
        leaves = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(spec["leaves"])]
        found.append(number(build_with_ops(spec, Dual, leaves)[-1].derivative))
    return {"d root / d leaf": found}


def _as_function(spec: dict):
    """The spec's root as a function of a list of its leaves."""
    return lambda xs: build_with_ops(spec, None, list(xs))[-1]


@check(8, "derivative-and-gradient", "derivative(f, x) and gradient(f, xs) differentiate any function in forward mode")
def derivative_and_gradient(mg, args):
    one, many = args["one"], args["many"]
    f = _as_function(one)
    d = mg.forward.derivative(lambda x: f([x]), one["leaves"][0])
    g = mg.forward.gradient(_as_function(many), list(many["leaves"]))
    return {"derivative": number(d), "gradient": [number(x) for x in g] if isinstance(g, list) else number(g)}


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = []
    for name in OPS:
        args = op_inputs(name, choose)
        args["seeds"] = [number_between(choose, -2, 2, 0.1) for _ in args["inputs"]]
        made.append(Case(op, args, f"{op_label(args)}, derivatives {args['seeds']}"))
    for i in range(4):
        spec = random_graph(choose)
        made.append(Case(graph, {"spec": spec}, f"graph {i + 1}, {len(spec['nodes'])} ops"))
    one = random_graph(choose, leaves=(1, 1))
    many = random_graph(choose, leaves=(3, 3))
    made.append(Case(derivative_and_gradient, {"one": one, "many": many}, "random functions of 1 and 3 inputs"))
    return made
