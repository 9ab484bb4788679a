"""Step 8: the cases, and what right dual numbers give: values, and derivatives by the chain rule
(equal to reverse mode's, cross-checked with central differences by the repository's own tests)."""

from __future__ import annotations

from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation, Spec
from kata.harness.build import FORMS
from kata.numbers import DISTINCT, close
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear
from kata.oracle.graphs import evaluate, gradients, op_cases, op_label, random_graph
from kata.oracle.ops import forward, partials

GRAPHS = 3
# the op forms of Dual numbers: every form of the Value graph except number ** Value (Dual has no __rpow__)
DUAL_FORMS = [name for name in FORMS if name != "rpow"]


def expect_op(args: Args, observation: Observation) -> Expectation:
    name, inputs, const, seeds = args["op"], args["inputs"], args.get("const"), args["seeds"]
    value = forward(name, inputs, const)
    local = partials(name, inputs, value, const)
    slope = sum(d * s for d, s in zip(local, seeds))
    alternatives = [["dual-chain-rule-forgotten", {"value": value, "derivative": sum(local)}]]
    if name == "mul":
        alternatives.append(["dual-product-rule-half", {"value": value, "derivative": seeds[0] * inputs[1]}])
        alternatives.append(["dual-product-rule-half", {"value": value, "derivative": inputs[0] * seeds[1]}])
    if name == "relu" and 0 < inputs[0] <= 1:
        alternatives.insert(0, ["dual-relu-threshold", {"value": 0.0, "derivative": 0.0}])
    return {"expected": {"value": value, "derivative": slope}, "alternatives": alternatives}


def forward_mode(spec: Spec, bug: tuple[str, str] | None = None) -> tuple[list[float], list[list[float]]]:
    """Every node's value, and for every leaf i, every node's derivative with respect to it; with bug =
    (kind, op), every node of that op computes its derivative the classic wrong way kind
    ("chain" forgets the inputs' derivatives, "product" keeps only a'b)."""
    values = evaluate(spec)
    first = len(spec["leaves"])
    passes = []
    for i in range(first):
        d = [1.0 if k == i else 0.0 for k in range(first)]
        for j, node in enumerate(spec["nodes"]):
            inputs = [values[a] for a in node["args"]]
            local = partials(node["op"], inputs, values[first + j], node.get("const"))
            if bug == ("chain", node["op"]):
                d.append(sum(local))
            elif bug == ("product", node["op"]):
                d.append(d[node["args"][0]] * inputs[1])
            else:
                d.append(sum(p * d[a] for p, a in zip(local, node["args"])))
        passes.append(d)
    return values, passes


def root_visible(spec: Spec, leaves: int) -> bool:
    """Whether every classic dual bug of the graph's ops changes d(root)/d(leaf) for one of its first
    `leaves` leaves (the derivative-and-gradient check only sees the root)."""
    _, right = forward_mode(spec)
    ops = {node["op"] for node in spec["nodes"]}
    bugs = [("chain", op) for op in ops] + ([("product", "mul")] if "mul" in ops else [])
    for bug in bugs:
        _, wrong = forward_mode(spec, bug)
        if all(close(r[-1], w[-1], DISTINCT) for r, w in zip(right[:leaves], wrong[:leaves])):
            return False
    return True


def node_alternatives(spec: Spec, values: list[float], passes: list[list[float]], k: int) -> list[Any]:
    """What classic dual bugs give at node k (from the right inputs): [bug, [value, [derivative per pass]]]."""
    first = len(spec["leaves"])
    node = spec["nodes"][k - first]
    name, args, const = node["op"], node["args"], node.get("const")
    inputs = [values[a] for a in args]
    local = partials(name, inputs, values[k], const)
    made = [["dual-chain-rule-forgotten", [values[k], [sum(local) for _ in passes]]]]
    if name == "mul":
        made.append(["dual-product-rule-half", [values[k], [d[args[0]] * inputs[1] for d in passes]]])
        made.append(["dual-product-rule-half", [values[k], [inputs[0] * d[args[1]] for d in passes]]])
    if name == "relu":
        x = inputs[0]
        made.insert(0, ["dual-relu-threshold", [x if x > 1 else 0.0, [d[args[0]] if x > 1 else 0.0 for d in passes]]])
    return made


def expect_graph(args: Args, observation: Observation) -> Expectation:
    spec = args["spec"]
    values, passes = forward_mode(spec)
    first = len(spec["leaves"])
    alternatives = {str(k): node_alternatives(spec, values, passes, k) for k in range(first, len(values))}
    return {"expected": {"values": values, "derivatives": passes}, "alternatives": alternatives}


def dual_visible(spec: Spec) -> bool:
    """At every node, each classic dual bug of its op shows (and no two give the same numbers)."""
    values, passes = forward_mode(spec)
    first = len(spec["leaves"])
    for k in range(first, len(values)):
        slopes = [d[k] for d in passes]
        right = [values[k], slopes]
        made = node_alternatives(spec, values, passes, k)
        name = spec["nodes"][k - first]["op"]
        x = values[spec["nodes"][k - first]["args"][0]]
        structural: set[str] = set()
        if name == "relu" and not 0 < x <= 1:
            structural = {"dual-relu-threshold"}
        if (name == "relu" and x <= 0) or all(d == 0 for d in slopes):
            structural |= {"dual-chain-rule-forgotten"}
        if not clear(right, made, structural):
            return False
    return True


def expect_derivative(args: Args, observation: Observation) -> Expectation:
    one, many = args["one"], args["many"]
    return {
        "expected": {
            "derivative": gradients(one, evaluate(one))[0],
            "gradient": gradients(many, evaluate(many))[: len(many["leaves"])],
        }
    }


def expect_domain(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"log of x <= 0": "ValueError", "sigmoid(+big)": 1.0, "sigmoid(-big)": 0.0}}


EXPECT = {
    "step8.op": expect_op,
    "step8.graph": expect_graph,
    "step8.derivative-and-gradient": expect_derivative,
    "step8.domain": expect_domain,
}


def graph_case(choose: Chooser, title: str = "a random graph") -> Case:
    for _ in attempts():
        spec = random_graph(choose, DUAL_FORMS)
        if dual_visible(spec):
            return Case("step8.graph", {"spec": spec}, f"{title}, {len(spec['nodes'])} ops")
    raise AssertionError("attempts() raises NoClearCase when it runs out")


RANDOM = {"step8.graph": graph_case}


def cases(choose: Chooser) -> list[Case]:
    made = []
    for args in op_cases(choose, DUAL_FORMS):
        while True:
            args["seeds"] = [number_between(choose, -2, 2, 0.3) for _ in args["inputs"]]
            expected = expect_op(args, {})
            structural = {"dual-chain-rule-forgotten"} if args["op"] == "relu" and args["inputs"][0] <= 0 else set()
            if clear(expected["expected"], expected["alternatives"], structural):
                break
        made.append(Case("step8.op", args, f"{op_label(args)}, derivatives {args['seeds']}"))
    for i in range(GRAPHS):
        made.append(graph_case(choose, f"graph {i + 1}"))
    one = random_graph(choose, ["mul", "tanh", "exp", "add_const"], leaves=(1, 1))
    while not root_visible(one, 1):
        one = random_graph(choose, ["mul", "tanh", "exp", "add_const"], leaves=(1, 1))
    many = random_graph(choose, ["mul", "sub", "sigmoid", "div"], leaves=(3, 3))
    while not root_visible(many, len(many["leaves"])):
        many = random_graph(choose, ["mul", "sub", "sigmoid", "div"], leaves=(3, 3))
    made.append(Case("step8.derivative-and-gradient", {"one": one, "many": many}, "random functions of 1 and 3 inputs"))
    x = -number_between(choose, 0.5, 3)
    big = float(choose.integer(800, 1200))
    made.append(Case("step8.domain", {"x": x, "big": big}, f"Dual({x}).log(), sigmoid at +-{big:g}"))
    return made
