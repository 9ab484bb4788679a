"""Step 4: topological order and backward() (micrograd/engine.py).

The graphs here are built with the student's constructor, Value(data, children, op), and get the
kata's own correct _backward closures. So these checks need only Value.__init__ from step 2, and
a bug in a local derivative (step 3) costs no point here.
"""

from __future__ import annotations

import gc
import itertools
import random
import sys

from kata.checks.core import Case, check, compare
from kata.diagnosis import graph_report
from kata.graphs import RandomChooser, build_with_constructor, listing, names, random_graph
from kata.observe import number

DEEP = 100_000


def _index(nodes: list) -> dict:
    return {id(node): k for k, node in enumerate(nodes)}


def _reachable(spec: dict) -> set[int]:
    first = len(spec["leaves"])
    root = first + len(spec["nodes"]) - 1
    seen, stack = set(), [root]
    while stack:
        k = stack.pop()
        if k not in seen:
            seen.add(k)
            if k >= first:
                stack.extend(spec["nodes"][k - first]["args"])
    return seen


def order_problems(spec: dict, order: list | None) -> list[str]:
    """What is wrong with a topological order of the spec's graph ([] if it is right)."""
    if order is None:
        return ["topological_order must return a list"]
    label = names(spec)
    first = len(spec["leaves"])
    reachable = _reachable(spec)
    shown = [label[k] if k >= 0 else "(a node that is not in the graph)" for k in order]
    problems = []
    duplicates = sorted({label[k] for k in order if k >= 0 and order.count(k) > 1})
    if duplicates:
        problems.append(f"{', '.join(duplicates)} appear(s) more than once: keep a visited set")
    if -1 in order:
        problems.append("the order holds a node that is not part of the graph")
    missing = sorted(reachable - set(order))
    if missing:
        problems.append(f"missing: {', '.join(label[k] for k in missing)} (reachable from the root)")
    extra = sorted({k for k in order if k >= 0} - reachable)
    if extra:
        problems.append(f"{', '.join(label[k] for k in extra)} cannot be reached from the root and must not be listed")
    position = {k: i for i, k in enumerate(order) if k >= 0}
    for k in sorted(position):
        if k < first:
            continue
        late = [i for i in spec["nodes"][k - first]["args"] if i in position and position[i] > position[k]]
        if late:
            problems.append(
                f"{label[k]} comes before its input {label[late[0]]}: a node must come after all of its "
                "inputs (append it only once its inputs are done: post-order)"
            )
            break
    if problems:
        problems.insert(0, f"got the order [{', '.join(shown)}]")
        problems[1:1] = ["for the graph:", *(f"  {line}" for line in listing(spec))]
    return problems


def _judge_order(args: dict, expected: dict, got: dict) -> list[str]:
    orders = got.get("orders")
    if not isinstance(orders, list) or len(orders) != args.get("calls", 1):
        return compare(expected, got)
    problems = order_problems(args["spec"], expected["orders"][0])  # the reference must be right too
    if problems:
        return ["(the reference itself fails this check)", *problems]
    for call, order in enumerate(orders):
        problems = order_problems(args["spec"], order)
        if problems:
            if call > 0:
                problems.insert(
                    0,
                    f"the first call was right but call {call + 1} was not: does the function keep "
                    "state between calls (a global or default-argument visited set)?",
                )
            return problems
    return []


@check(
    4,
    "topological-order",
    "topological_order(root): every node reachable from root once, each after its inputs",
    judge=_judge_order,
)
def topological_order(mg, args):
    nodes = build_with_constructor(args["spec"], mg.Value)
    where = _index(nodes)
    orders = []
    for _ in range(args.get("calls", 1)):
        order = mg.engine.topological_order(nodes[-1])
        orders.append([where.get(id(node), -1) for node in order] if type(order) is list else None)
    return {"orders": orders}


def _judge_deep(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if got.get("recursion limit") != expected.get("recursion limit"):
        problems.append(
            "the recursion limit was raised: that can crash Python on a deep graph, and the contract "
            "asks for an order that works with the default limit; use an explicit stack instead"
        )
    if problems and got.get("misplaced", 0):
        problems.append("in a chain, the order must be exactly leaf, v1, v2, ..., root")
    return problems


@check(
    4,
    "deep-chain",
    f"a chain {DEEP:,} nodes deep: topological_order and backward() work without recursion",
    judge=_judge_deep,
)
def deep_chain(mg, args):
    # 100,000 nodes with reference cycles: collecting them mid-check only costs time
    was_enabled = gc.isenabled()
    limit = sys.getrecursionlimit()
    gc.disable()
    try:
        report = _deep_chain(mg.Value, mg.engine.topological_order)
        report["recursion limit"] = sys.getrecursionlimit()  # the contract: the default limit, untouched
        return report
    finally:
        sys.setrecursionlimit(limit)
        if was_enabled:
            gc.enable()


def _deep_chain(Value, topological_order):
    leaf = Value(0.0)
    node = leaf
    chain = [leaf]
    for _ in range(DEEP):
        node = Value(node.data + 1.0, (node,), "+")
        chain.append(node)
    order = topological_order(node)
    misplaced = sum(1 for a, b in zip(order, chain) if a is not b) if type(order) is list else -1
    report = {"length": len(order) if type(order) is list else -1, "misplaced": misplaced}
    for previous, current in itertools.pairwise(chain):
        current._backward = _add_one(previous, current)
    node.backward()
    report["leaf grad"] = number(leaf.grad)
    report["root grad"] = number(node.grad)
    return report


def _add_one(previous, current):
    def _backward():
        previous.grad += current.grad

    return _backward


@check(4, "seed", "backward() seeds the output: out.grad becomes 1.0, also for a lone leaf")
def seed(mg, args):
    leaf = mg.Value(args["x"])
    leaf.backward()
    nodes = build_with_constructor(args["spec"], mg.Value)
    nodes[-1].backward()
    return {"leaf.backward(): leaf.grad": number(leaf.grad), "root.backward(): root.grad": number(nodes[-1].grad)}


def _judge_backward(args: dict, expected: dict, got: dict) -> list[str]:
    if "grad" not in got:
        return compare(expected, got)
    return graph_report(args["spec"], expected, got, mode="backward")


@check(
    4,
    "graph-backward",
    "backward() gives every node of a random graph its gradient (with the kata's closures)",
    judge=_judge_backward,
    weight=2.0,
)
def graph_backward(mg, args):
    nodes = build_with_constructor(args["spec"], mg.Value)
    nodes[-1].backward()
    return {"data": [number(n.data) for n in nodes], "grad": [number(n.grad) for n in nodes]}


# ---- Hand-built graphs ------------------------------------------------------------------------------


def hand_built(choose: RandomChooser) -> dict[str, dict]:
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
        # x0 is used three times
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


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = []
    graphs = hand_built(choose)
    for title, spec in graphs.items():
        made.append(Case(topological_order, {"spec": spec}, title))
    made.append(
        Case(
            topological_order,
            {"spec": graphs["diamond (and a node the root does not use)"], "calls": 2},
            "called twice on the same graph",
        )
    )
    for i in range(2):
        spec = random_graph(choose)
        made.append(Case(topological_order, {"spec": spec}, f"random graph {i + 1}"))
    made.append(Case(deep_chain, {}, ""))
    made.append(Case(seed, {"x": choose.integer(-200, 200) / 100, "spec": graphs["a chain"]}, ""))
    for title, spec in graphs.items():
        made.append(Case(graph_backward, {"spec": spec}, title))
    for i in range(4):
        spec = random_graph(choose)
        made.append(Case(graph_backward, {"spec": spec}, f"random graph {i + 1}, {len(spec['nodes'])} ops"))
    return made
