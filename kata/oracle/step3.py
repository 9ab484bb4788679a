"""Step 3: the cases, and what right closures add to each input.

The expected contribution of an op's closure is computed from the numbers the student's own nodes
hold (their data): so a wrong forward value (a step 2 bug) never makes a right closure look wrong.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation, Spec, reported
from kata.harness.build import CLOSURE_FORMS, FORMS
from kata.numbers import EXACT, close, is_real
from kata.oracle import by_hand
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear
from kata.oracle.graphs import evaluate, op_cases, op_inputs, op_label, random_graph
from kata.oracle.ops import FORMULAS, LIMIT, forward, safe

RELU_ALIKE = {"relu-passes-negative", "relu-grad-is-value", "relu-grad-threshold", "forgets-out-grad"}

GRAPHS = 3


def local_expectation(
    name: str, positions: list[int], data: list[object], out: object, const: object, g: float
) -> dict[str, Any]:
    """What a right closure adds to each distinct operand (positions[i]: which distinct operand the op's
    input i is), from the student's data; and what classic wrong closures would add."""
    distinct = max(positions) + 1 if positions else 0
    operands = [data[positions[i]] for i in range(len(positions))]
    inputs = [x for x in operands if is_real(x)]
    if len(inputs) != len(operands):
        return {"for data": [*data, out], "not numbers": True}
    formula = FORMULAS[name]

    def contributions(local: tuple[float, ...] | None, scale: float) -> list[float] | None:
        if local is None:
            return None
        total = [0.0] * distinct
        for i, d in enumerate(local):
            total[positions[i]] += d * scale
        return total if all(math.isfinite(x) for x in total) else None

    true_out = safe(lambda: forward(name, inputs, const))
    accept: list[list[float] | None] = []
    if is_real(out):
        accept.append(contributions(safe(partial(formula.partials, inputs, out, const)), g))
    if true_out is not None and (formula.from_output or not is_real(out)):
        accept.append(contributions(safe(lambda: formula.partials(inputs, true_out, const)), g))
    accept = [a for a in accept if a is not None]
    y = out if is_real(out) else true_out
    if y is None:  # neither the student's output nor the right one is a number: no closure to compare with
        return {"accept": accept, "alternatives": [], "for data": [*data, out]}
    alternatives: list[list[object]] = []
    right = contributions(safe(lambda: formula.partials(inputs, y, const)), 1.0)
    if right is not None and g != 1.0:
        alternatives.append(["forgets-out-grad", right])
    for bug, wrong in formula.wrong_partials.items():
        value = contributions(safe(partial(wrong, inputs, y, const)), g)
        if value is not None:
            alternatives.append([bug, value])
    return {"accept": accept, "alternatives": alternatives, "for data": [*data, out]}


def expect_op(args: Args, observation: Observation) -> Expectation:
    if not observation.get("built"):
        return {}
    nodes = reported(observation, "nodes", list)
    count = reported(observation, "operands", int)
    positions = [0] * FORMS[args["op"]].arity if args.get("same operand") else list(range(count))
    data = [n["data"] for n in nodes[:count]]
    out = nodes[count]["data"] if len(nodes) > count else None
    return local_expectation(args["op"], positions, data, out, args.get("const"), args["out_grad"])


def expect_graph(args: Args, observation: Observation) -> Expectation:
    if not observation.get("built"):
        return {}
    spec = args["spec"]
    data = reported(observation, "data", list)
    first = len(spec["leaves"])
    per_node = []
    for j, node in enumerate(spec["nodes"]):
        distinct = list(dict.fromkeys(node["args"]))
        positions = [distinct.index(i) for i in node["args"]]
        operand_data = [data[i] for i in distinct]
        per_node.append(
            local_expectation(node["op"], positions, operand_data, data[first + j], node.get("const"), args["out_grad"])
        )
    truth = evaluate(spec)
    # a step 2 bug can carry the graph far out of the range it was drawn in (1e18 where the reference has
    # 1.3): there, float rounding hides what a closure adds, so its closures cannot be judged fairly
    off_scale = any(not (is_real(d) and abs(d) <= LIMIT) and not close(t, d, EXACT) for t, d in zip(truth, data))
    return {"ops": per_node, "for data": data, "truth": truth, "off scale": off_scale}


EXPECT = {
    "step3.by-hand": by_hand.expect,
    "step3.op-backward": expect_op,
    "step3.accumulate": expect_op,
    "step3.graph-closures": expect_graph,
}


def _grads(choose: Chooser) -> tuple[float, float]:
    """out.grad and the p the other grads are preset to: neither 0 nor 1, so no mistake hides."""
    return number_between(choose, 1.2, 2.5), number_between(choose, 0.3, 0.9)


def _op_clear(name: str, inputs: list[float], const: object, g: float, positions: list[int] | None = None) -> bool:
    """No classic closure bug gives the right contribution, or another bug's, by accident here."""
    positions = positions if positions is not None else list(range(len(inputs)))
    data: list[object] = []
    for i, x in zip(positions, inputs):
        if i == len(data):
            data.append(x)
    expected = local_expectation(name, positions, data, forward(name, inputs, const), const, g)
    if expected.get("not numbers") or not expected["accept"]:
        return False
    return clear(expected["accept"][0], expected["alternatives"], RELU_ALIKE if name == "relu" else set())


def _closure_case(choose: Chooser, args: Args) -> dict[str, Any]:
    """args (an op form's inputs) with an out.grad and a p under which every classic bug shows apart."""
    for _ in range(100):
        g, p = _grads(choose)
        if _op_clear(args["op"], args["inputs"], args.get("const"), g):
            return {**args, "out_grad": g, "p": p}
        args = {**op_inputs(choose, args["op"], _constraint(args)), **{}}
    raise RuntimeError(f"no clear case for {args['op']}")


def _constraint(args: Args) -> object:
    if args["op"] == "relu":
        x = args["inputs"][0]
        return "negative" if x < 0 else "below one" if x < 1 else "above one"
    if args["op"] == "pow":
        c = args["const"]
        return (2, 3) if c in (2, 3) else (-1, -2) if c in (-1, -2) else (0.5, 1.5)
    return None


def _graph_ops(spec: Spec) -> list[tuple[str, list[Any], object, list[int]]]:
    """Each node of the graph as _op_clear takes it: op, input values, constant, argument positions."""
    values = evaluate(spec)
    ops = []
    for node in spec["nodes"]:
        distinct = list(dict.fromkeys(node["args"]))
        positions = [distinct.index(i) for i in node["args"]]
        ops.append((node["op"], [values[i] for i in node["args"]], node.get("const"), positions))
    return ops


def _graph_clear(ops: list[tuple[str, list[Any], object, list[int]]], g: float) -> bool:
    """Every op of the graph clear under g. An op that is not goes to the front of ops: the next g is
    tried on it first (the answer is the same in any order; a graph has one or two hard ops)."""
    for index, (name, inputs, const, positions) in enumerate(ops):
        if not _op_clear(name, inputs, const, g, positions):
            ops.insert(0, ops.pop(index))
            return False
    return True


def graph_case(choose: Chooser, title: str = "a random graph") -> Case:
    for _ in attempts():
        spec = random_graph(choose, CLOSURE_FORMS)
        ops = _graph_ops(spec)
        for _ in range(20):
            g, p = _grads(choose)
            if _graph_clear(ops, g):
                return Case(
                    "step3.graph-closures", {"spec": spec, "out_grad": g, "p": p}, f"{title}, {len(spec['nodes'])} ops"
                )
    raise AssertionError("attempts() raises NoClearCase when it runs out")


RANDOM = {"step3.graph-closures": graph_case, "step3.by-hand": by_hand.case}

BY_HAND_POINTS = 2  # the warm-up's share of the step: 2 cases of weight 1 (the checks' weights sum to 27)


def cases(choose: Chooser) -> list[Case]:
    made = [by_hand.case(choose, f"point {i + 1}") for i in range(BY_HAND_POINTS)]
    for args in op_cases(choose, CLOSURE_FORMS):
        args = _closure_case(choose, args)
        made.append(Case("step3.op-backward", args, f"{op_label(args)}, out.grad = {args['out_grad']}"))
    zero: Args = {"op": "relu", "inputs": [0.0]}
    zero["out_grad"], zero["p"] = _grads(choose)
    made.append(
        Case("step3.op-backward", zero, f"a.relu() with a = 0.0 (slope 0 there), out.grad = {zero['out_grad']}")
    )
    for name in ("add", "mul"):
        a = number_between(choose, 0.3, 1.5)
        g, p = _grads(choose)
        args = {"op": name, "inputs": [a, a], "same operand": True, "out_grad": g, "p": p}
        text = f"b = a {'+' if name == 'add' else '*'} a with a = {a}, b.grad = {g}"
        made.append(Case("step3.accumulate", args, text))
    for i in range(GRAPHS):
        made.append(graph_case(choose, f"graph {i + 1}"))
    return made
