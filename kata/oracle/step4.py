"""Step 4: the cases (graph shapes; their values do not matter) and what a right order looks like.

Every random graph holds an asymmetric diamond (a node reached along a path of length 2 and one of
length 3): there, a pre-order, a missing visited set and a forward-order backward all show, so
every classic order bug fails every graph, whatever the seed.
"""

from __future__ import annotations

from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation, Spec
from kata.harness.build import CLOSURE_FORMS, FORMS
from kata.harness.probes.step4 import DEEP
from kata.oracle.choose import Chooser, number_between

UNARY = [f for f in CLOSURE_FORMS if FORMS[f].arity == 1 and f != "pow"]
BINARY = [f for f in CLOSURE_FORMS if FORMS[f].arity == 2]


def _node(choose: Chooser, args: list[int]) -> dict[str, Any]:
    if len(args) == 1:
        return {"op": choose.pick(UNARY), "args": args}
    return {"op": choose.pick(BINARY), "args": args}


def random_shape(choose: Chooser) -> dict[str, Any]:
    """Random nodes, then the diamond motif d -> a -> b -> root and d -> c -> root, d made from earlier nodes."""
    leaves = [number_between(choose, -2, 2, 0.2) for _ in range(choose.integer(2, 3))]
    nodes: list[dict[str, Any]] = []

    def count() -> int:
        return len(leaves) + len(nodes)

    for _ in range(choose.integer(2, 5)):
        arity = choose.pick([1, 2])
        nodes.append(_node(choose, [choose.integer(0, count() - 1) for _ in range(arity)]))
    d = count()
    nodes.append(_node(choose, [choose.integer(0, count() - 1), choose.integer(0, count() - 1)]))
    a = count()
    nodes.append(_node(choose, [d]))
    b = count()
    nodes.append(_node(choose, [a]))
    c = count()
    nodes.append(_node(choose, [d, choose.integer(0, d - 1)]))
    ends = [b, c]
    if choose.integer(0, 1):
        ends.reverse()
    nodes.append(_node(choose, ends))
    return {"leaves": leaves, "nodes": nodes}


def hand_built(choose: Chooser) -> dict[str, dict[str, Any]]:
    a = choose.integer(30, 150) / 100
    b = choose.integer(-150, -30) / 100
    return {
        # x0 feeds v2 and v3, which meet again in v4; v1 uses x0 but the root does not use v1
        "diamond (and a node the root does not use)": {
            "leaves": [a],
            "nodes": [
                {"op": "tanh", "args": [0]},
                {"op": "mul_const", "args": [0], "const": 2.0},
                {"op": "exp", "args": [0]},
                {"op": "add", "args": [2, 3]},
            ],
        },
        "a leaf used three times": {
            "leaves": [a, b],
            "nodes": [{"op": "mul", "args": [0, 0]}, {"op": "add", "args": [2, 0]}, {"op": "mul", "args": [3, 1]}],
        },
        "a chain": {
            "leaves": [b],
            "nodes": [
                {"op": "tanh", "args": [0]},
                {"op": "exp", "args": [1]},
                {"op": "mul_const", "args": [2], "const": 3.0},
                {"op": "sigmoid", "args": [3]},
            ],
        },
    }


def structure(spec: Spec) -> dict[str, Any]:
    """What a judge needs to know of a graph's shape: every node's inputs, and which nodes the root reaches."""
    first = len(spec["leaves"])
    inputs = [[] for _ in range(first)] + [list(node["args"]) for node in spec["nodes"]]
    root = len(inputs) - 1
    seen, stack = {root}, [root]
    while stack:
        for i in inputs[stack.pop()]:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return {"inputs": inputs, "reachable": sorted(seen), "leaves": first}


def expect_shape(args: Args, observation: Observation) -> Expectation:
    return structure(args["spec"])


def expect_seed(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"leaf.backward(): leaf.grad": 1.0, "root.backward(): root.grad": 1.0}}


def expect_deep(args: Args, observation: Observation) -> Expectation:
    return {"nodes": DEEP + 1}


EXPECT = {
    "step4.topological-order": expect_shape,
    "step4.backward-order": expect_shape,
    "step4.seed": expect_seed,
    "step4.deep-chain": expect_deep,
}


RANDOM = {
    "step4.topological-order": lambda choose: Case(
        "step4.topological-order", {"spec": random_shape(choose)}, "a random graph"
    ),
    "step4.backward-order": lambda choose: Case(
        "step4.backward-order", {"spec": random_shape(choose)}, "a random graph"
    ),
}


def cases(choose: Chooser) -> list[Case]:
    made = []
    graphs = hand_built(choose)
    for title, spec in graphs.items():
        made.append(Case("step4.topological-order", {"spec": spec}, title))
    diamond = graphs["diamond (and a node the root does not use)"]
    made.append(Case("step4.topological-order", {"spec": diamond, "calls": 2}, "called twice on the same graph"))
    for i in range(2):
        made.append(Case("step4.topological-order", {"spec": random_shape(choose)}, f"random graph {i + 1}"))
    made.append(Case("step4.deep-chain", {}, ""))
    made.append(Case("step4.seed", {"x": number_between(choose, -2, 2, 0.1), "spec": graphs["a chain"]}, ""))
    for title, spec in graphs.items():
        made.append(Case("step4.backward-order", {"spec": spec}, title))
    for i in range(3):
        made.append(Case("step4.backward-order", {"spec": random_shape(choose)}, f"random graph {i + 1}"))
    return made
