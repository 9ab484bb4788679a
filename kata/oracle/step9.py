"""Step 9: the cases (graph shapes: their values do not matter) and the operation counts of a
right count, with what each classic counting mistake gives instead.

The counts (the lesson's model, kata/lessons/step9.md), for a graph of T op nodes with E inputs in
all (an entry of an op's _prev is one input) and L leaves:
    forward pass    T
    backward()      1 + 2 E              (the seed, then a multiply and an add per input)
    forward mode    L (1 + T + 2 E)      (one pass per leaf: its seed, then per op its value and
                                          a multiply and an add per input)
Every graph has shared nodes, and is drawn so that every classic mistake gives another number than
the right one and than every other mistake: the same bugs show whatever the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation, Spec
from kata.harness.build import FORMS
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear

BINARY = ["add", "sub", "mul", "div"]
UNARY = ["tanh", "exp", "neg", "relu", "sigmoid"]
GRAPHS = 2  # random graphs per count check
WIDTHS = (2, 4, 8)  # the inputs of the networks of the cheap-gradient check


def shape(spec: Spec) -> dict[str, Any]:
    """T, E, L and, per node, how many paths lead to it from the root (what a walk without a visited set
    meets it)."""
    first = len(spec["leaves"])
    count = first + len(spec["nodes"])
    paths = [0] * count
    paths[-1] = 1
    for k in range(count - 1, first - 1, -1):
        for i in spec["nodes"][k - first]["args"]:
            paths[i] += paths[k]
    inputs = [len(node["args"]) for node in spec["nodes"]]
    return {
        "T": len(spec["nodes"]),
        "E": sum(inputs),
        "L": first,
        "op paths": sum(paths[first:]),
        "leaf paths": sum(paths[:first]),
        "input paths": sum(paths[first + j] * n for j, n in enumerate(inputs)),
    }


def right_counts(spec: Spec) -> dict[str, float]:
    s = shape(spec)
    return {
        "forward": float(s["T"]),
        "backward": float(1 + 2 * s["E"]),
        "forward mode": float(s["L"] * (1 + s["T"] + 2 * s["E"])),
    }


def wrong_counts(spec: Spec) -> dict[str, list[Any]]:
    """Per count, [bug id, what that mistake gives]."""
    s = shape(spec)
    t, e, leaves = s["T"], s["E"], s["L"]
    one_pass = 1 + t + 2 * e
    twice_pass = 1 + s["op paths"] + 2 * s["input paths"]
    return {
        "forward": [
            ["cost-counts-leaves", float(t + leaves)],
            ["cost-shared-twice", float(s["op paths"])],
        ],
        "backward": [
            ["cost-seed-forgotten", float(2 * e)],
            ["cost-leaf-backward", float(1 + 2 * e + 2 * leaves)],
            ["cost-leaf-backward", float(1 + 2 * e + leaves)],
            ["cost-shared-twice", float(1 + 2 * s["input paths"])],
        ],
        "forward mode": [
            ["cost-forward-mode-one-pass", float(one_pass)],
            ["cost-seed-forgotten", float(leaves * (one_pass - 1))],
            ["cost-counts-leaves", float(leaves * (one_pass + leaves))],
            ["cost-shared-twice", float(leaves * twice_pass)],
            ["cost-shared-twice", float(s["leaf paths"] * twice_pass)],
        ],
    }


def explain(spec: Spec, count: str) -> str:
    """How the right count is made up, in words."""
    s = shape(spec)
    t, e, leaves = s["T"], s["E"], s["L"]
    if count == "forward":
        return f"{t} op nodes, 1 operation each (the {leaves} leaves are given, not computed)"
    if count == "backward":
        return f"1 (the seed) + 2 x {e} (a multiply and an add per input of the {t} op nodes)"
    return f"{leaves} leaves x (1 (the seed) + {t} values + 2 x {e} inputs) per pass"


FIELD = {"step9.forward-ops": "forward", "step9.backward-ops": "backward", "step9.forward-mode-ops": "forward mode"}


def expect_nodes(args: Args, observation: Observation) -> Expectation:
    spec = args["spec"]
    return {"expected": {"nodes": list(range(len(spec["leaves"]) + len(spec["nodes"])))}}


def expect_count(field: str) -> Callable[[Args, Observation], Expectation]:
    def expect(args: Args, observation: Observation) -> Expectation:
        spec = args["spec"]
        return {
            "expected": {"count": right_counts(spec)[field]},
            "alternatives": [[bug, {"count": value}] for bug, value in wrong_counts(spec)[field]],
            "explain": explain(spec, field),
        }

    return expect


def expect_cheap_gradient(args: Args, observation: Observation) -> Expectation:
    networks = args["networks"]
    return {
        "expected": {"networks": [right_counts(spec) for spec in networks]},
        "alternatives": [wrong_counts(spec) for spec in networks],  # per network, per count
        "inputs": [len(spec["leaves"]) for spec in networks],
        "explain": [{field: explain(spec, field) for field in FIELD.values()} for spec in networks],
    }


EXPECT = {
    "step9.nodes": expect_nodes,
    "step9.forward-ops": expect_count("forward"),
    "step9.backward-ops": expect_count("backward"),
    "step9.forward-mode-ops": expect_count("forward mode"),
    "step9.cheap-gradient": expect_cheap_gradient,
}


# ---- Drawing the graphs ----------------------------------------------------------------------------


def _distinct_args(choose: Chooser, count: int, arity: int) -> list[int]:
    """arity different earlier nodes, the recent ones more often."""
    args: list[int] = []
    while len(args) < arity:
        pick = (
            choose.integer(0, count - 1) if choose.integer(0, 2) == 0 else choose.integer(max(0, count - 3), count - 1)
        )
        if pick not in args:
            args.append(pick)
    return args


def random_structure(choose: Chooser) -> dict[str, Any]:
    """Random op nodes over 2-4 leaves, every node used by the root, some used by several nodes."""
    leaves = [number_between(choose, -2, 2, 0.2) for _ in range(choose.integer(2, 4))]
    nodes: list[dict[str, Any]] = []
    for _ in range(choose.integer(5, 8)):
        count = len(leaves) + len(nodes)
        op = choose.pick(BINARY + UNARY)
        nodes.append({"op": op, "args": _distinct_args(choose, count, FORMS[op].arity)})
    while True:  # join every node no other node uses, until one root is left
        count = len(leaves) + len(nodes)
        used = {i for node in nodes for i in node["args"]}
        ends = [k for k in range(count) if k not in used]
        if len(ends) == 1:
            return {"leaves": leaves, "nodes": nodes}
        nodes.append({"op": choose.pick(["add", "mul"]), "args": ends[:2]})


def telling(spec: Spec) -> bool:
    """Shared nodes, and every counting mistake gives a number of its own."""
    right, wrong = right_counts(spec), wrong_counts(spec)
    return all(clear(right[field], wrong[field]) for field in right)


def graph_case(key: str, title: str) -> Callable[[Chooser], Case]:
    def draw(choose: Chooser) -> Case:
        for _ in attempts():
            spec = random_structure(choose)
            if telling(spec):
                size = f"{len(spec['leaves'])} leaves, {len(spec['nodes'])} ops"
                return Case(key, {"spec": spec}, f"{title}, {size}")
        raise AssertionError("unreachable")

    return draw


def network(choose: Chooser, inputs: int, hidden: int) -> dict[str, Any]:
    """The graph of MLP(inputs, [hidden, hidden, 1]) on one input, as step 5's Neuron builds it: per
    neuron b + w1 x1 + w2 x2 + ... (the products, then the sums from the bias on), tanh in the hidden
    layers. Its leaves: the inputs, then every neuron's weights and bias."""
    leaves: list[float] = [number_between(choose, -2, 2) for _ in range(inputs)]
    layers = []
    for size, fan_in in ((hidden, inputs), (hidden, hidden), (1, hidden)):
        layer = []
        for _ in range(size):
            ws = [len(leaves) + i for i in range(fan_in)]
            leaves.extend(number_between(choose, -1, 1) for _ in range(fan_in + 1))
            layer.append((ws, len(leaves) - 1))
        layers.append(layer)
    first = len(leaves)
    nodes: list[dict[str, Any]] = []

    def node(op: str, args: list[int]) -> int:
        nodes.append({"op": op, "args": args})
        return first + len(nodes) - 1

    xs = list(range(inputs))
    for depth, layer in enumerate(layers):
        outputs = []
        for ws, b in layer:
            products = [node("mul", [w, x]) for w, x in zip(ws, xs)]
            total = b
            for product in products:
                total = node("add", [total, product])
            outputs.append(node("tanh", [total]) if depth < len(layers) - 1 else total)
        xs = outputs
    return {"leaves": leaves, "nodes": nodes}


def cheap_gradient_case(choose: Chooser) -> Case:
    hidden = choose.pick([3, 4])
    networks = [network(choose, n, hidden) for n in WIDTHS]
    sizes = ", ".join(f"MLP({n}, [{hidden}, {hidden}, 1])" for n in WIDTHS)
    return Case("step9.cheap-gradient", {"networks": networks}, sizes)


RANDOM = {
    "step9.nodes": graph_case("step9.nodes", "a random graph"),
    "step9.forward-ops": graph_case("step9.forward-ops", "a random graph"),
    "step9.backward-ops": graph_case("step9.backward-ops", "a random graph"),
    "step9.forward-mode-ops": graph_case("step9.forward-mode-ops", "a random graph"),
}


def cases(choose: Chooser) -> list[Case]:
    made = []
    for key in ("step9.nodes", "step9.forward-ops", "step9.backward-ops", "step9.forward-mode-ops"):
        for i in range(GRAPHS):
            made.append(graph_case(key, f"graph {i + 1}")(choose))
    made.append(cheap_gradient_case(choose))
    return made
