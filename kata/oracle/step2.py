"""Step 2: the cases, and what a right Value gives on them."""

from __future__ import annotations

from functools import partial
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.harness.build import FORMS
from kata.oracle.choose import Chooser, number_between
from kata.oracle.graphs import evaluate, op_cases, op_label, random_graph
from kata.oracle.ops import FORMULAS, forward, safe

GRAPHS = 4


def expect_new_value(args: Args, observation: Observation) -> Expectation:
    return {
        "expected": {
            "data": float(args["x"]),
            "Value(int).data": float(args["n"]),
            "grad": 0.0,
            "inputs": 0,
            "op": "",
            "label": "w",
            "_backward() returns": None,
            "grad after _backward()": 0.0,
            "Value(x, (a, b), op) keeps a and b in _prev": [True, True],
        }
    }


def expect_op(args: Args, observation: Observation) -> Expectation:
    name, inputs, const = args["op"], args["inputs"], args.get("const")
    arity = FORMS[name].arity
    alternatives = []
    for bug, wrong in FORMULAS[name].wrong_forward.items():
        value = safe(partial(wrong, inputs, const))
        if value is not None:
            alternatives.append([bug, {"data": value}])
    return {
        "expected": {
            "result is a Value": True,
            "data": forward(name, inputs, const),
            "inputs reachable through _prev": [True] * arity,
            "a new node": True,
            "inputs unchanged": [float(x) for x in inputs],
            "_op is a non-empty string": True,
        },
        "alternatives": alternatives,
    }


def expect_pow_type(args: Args, observation: Observation) -> Expectation:
    return {"expected": {f"x ** {name}": "TypeError" for name in ("Value", "Fraction", "str")}}


def expect_log(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"raises": "ValueError"}, "names the value as one of": _forms(float(args["x"]))}


def expect_rpow_domain(args: Args, observation: Observation) -> Expectation:
    base = float(args["base"])
    return {"expected": {"raises": "ValueError"}, "names the base as one of": _forms(base)}


def _forms(x: float) -> list[str]:
    """How a message may write the number x."""
    return sorted({repr(x), str(x), f"{x:g}", str(int(x)) if x.is_integer() else repr(x)})


def expect_stable(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"tanh(+big)": 1.0, "tanh(-big)": -1.0, "sigmoid(+big)": 1.0, "sigmoid(-big)": 0.0}}


def expect_graph(args: Args, observation: Observation) -> Expectation:
    spec = args["spec"]
    values = evaluate(spec)
    first = len(spec["leaves"])
    alternatives: dict[str, list[Any]] = {}
    for j, node in enumerate(spec["nodes"]):
        inputs = [values[i] for i in node["args"]]
        for bug, wrong in FORMULAS[node["op"]].wrong_forward.items():
            value = safe(partial(wrong, inputs, node.get("const")))
            if value is not None:
                alternatives.setdefault(str(first + j), []).append([bug, value])
    return {"expected": {"data": values}, "alternatives": alternatives}


EXPECT = {
    "step2.new-value": expect_new_value,
    "step2.op-forward": expect_op,
    "step2.pow-exponent-type": expect_pow_type,
    "step2.log-domain": expect_log,
    "step2.rpow-domain": expect_rpow_domain,
    "step2.stable": expect_stable,
    "step2.graph-forward": expect_graph,
}


def graph_case(choose: Chooser, title: str = "a random graph") -> Case:
    spec = random_graph(choose, list(FORMS))
    return Case("step2.graph-forward", {"spec": spec}, f"{title}, {len(spec['nodes'])} ops")


RANDOM = {"step2.graph-forward": graph_case}


def cases(choose: Chooser) -> list[Case]:
    x, n = number_between(choose, -3, 3, 0.1), choose.integer(-9, 9)
    made = [Case("step2.new-value", {"x": x, "n": n}, f"x = {x}, n = {n}")]
    for args in op_cases(choose, list(FORMS)):
        made.append(Case("step2.op-forward", args, op_label(args)))
    x = number_between(choose, 0.5, 2.0)
    made.append(Case("step2.pow-exponent-type", {"x": x, "n": 2}, f"{x} ** Value(2), ** Fraction(1, 2), ** '2'"))
    for x in (0.0, number_between(choose, -3.0, -0.5)):
        made.append(Case("step2.log-domain", {"x": x}, f"x = {x}"))
    for base in (0.0, -float(choose.integer(1, 4))):
        x = float(choose.integer(1, 3)) if base else number_between(choose, 0.5, 2.5)
        made.append(Case("step2.rpow-domain", {"base": base, "x": x}, f"({base:g}) ** Value({x:g})"))
    big = float(choose.integer(800, 1200))
    made.append(Case("step2.stable", {"big": big}, f"big = {big:g}"))
    for i in range(GRAPHS):
        made.append(graph_case(choose, f"graph {i + 1}"))
    return made
