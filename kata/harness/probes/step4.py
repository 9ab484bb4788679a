"""Step 4 probes: topological_order and backward() (micrograd/engine.py).

The graphs here are made of bare nodes: nodes of the student's own class whose attributes the kata
sets (kata.harness.build.bare_node), whose _backward closures only record that they ran (and the
node's grad at that moment). So these checks need none of the student's operators or closures
(steps 2 and 3), and nothing here computes a gradient or an order: the judge decides whether the
order in which the closures ran, and the seed, are those of a right backward pass.
"""

from __future__ import annotations

import gc
import sys

from kata.harness.build import bare_maker, bare_node
from kata.harness.observe import number

DEEP = 100_000
MAX_REPORTED = 2_000  # items of an order or a call list reported at most (their lengths are always reported)

_id = id
_len = len
_type = type
_list = list
_range = range
_enumerate = enumerate


class RecursionLimitWatch:
    """Records the highest recursion limit the student's code sets while it is installed.

    The child installs one before any student code runs (so even a `from sys import
    setrecursionlimit` taken at import time is the watched one); in-process, a probe installs it
    around the call."""

    def __init__(self) -> None:
        self.real = sys.setrecursionlimit
        self.highest = sys.getrecursionlimit()

    def set(self, limit: int) -> None:
        self.highest = max(self.highest, limit)
        self.real(limit)

    def install(self) -> None:
        sys.setrecursionlimit = self.set

    def reset(self) -> int:
        self.highest = sys.getrecursionlimit()
        return self.highest


WATCH: RecursionLimitWatch | None = None  # installed for good by the child


def _watch() -> tuple[RecursionLimitWatch, bool]:
    if WATCH is not None and sys.setrecursionlimit == WATCH.set:
        return WATCH, False
    watch = RecursionLimitWatch()
    watch.install()
    return watch, True


def bare_graph(Value: type, spec: dict) -> list:
    """The spec's nodes as bare nodes of the student's class (data: the node's index)."""
    make = bare_maker(Value)
    first = _len(spec["leaves"])
    nodes = [make(float(k)) for k in _range(first)]
    for j, node in _enumerate(spec["nodes"]):
        nodes.append(make(float(first + j), tuple(nodes[i] for i in node["args"]), node["op"]))
    return nodes


def _indices(order: object, where: dict) -> object:
    if _type(order) is not _list:
        return {"not a list": _type(order).__name__}
    return {"length": _len(order), "items": [where.get(_id(node), -1) for node in order[:MAX_REPORTED]]}


def order_of_a_graph(mg, args: dict) -> dict:
    nodes = bare_graph(mg.Value, args["spec"])
    where = {_id(node): k for k, node in _enumerate(nodes)}
    orders = []
    for _ in _range(args.get("calls", 1)):
        orders.append(_indices(mg.engine.topological_order(nodes[-1]), where))
    return {"orders": orders}


def _recorder(calls: list, k: int, node: object):
    def _backward() -> None:
        if _len(calls) < MAX_REPORTED:
            calls.append([k, number(node.grad)])  # type: ignore[attr-defined]
        else:
            calls.append(None)  # counted, not reported

    return _backward


def backward_order(mg, args: dict) -> dict:
    # the student's own order of the same graph, on a copy of it: the judge charges a wrong order to
    # topological_order, and only a wrong use of a right order to backward()
    twin = bare_graph(mg.Value, args["spec"])
    where = {_id(node): k for k, node in _enumerate(twin)}
    try:
        order = _indices(mg.engine.topological_order(twin[-1]), where)
    except Exception:  # noqa: BLE001 - the order's own check reports it
        order = None
    nodes = bare_graph(mg.Value, args["spec"])
    calls: list = []
    for k, node in _enumerate(nodes):
        node._backward = _recorder(calls, k, node)
    nodes[-1].backward()
    return {
        "calls": [c for c in calls if c is not None],
        "call count": _len(calls),
        "root grad": number(nodes[-1].grad),
        "topological_order of a copy": order,
    }


def seed(mg, args: dict) -> dict:
    leaf = bare_node(mg.Value, args["x"])
    leaf.backward()
    nodes = bare_graph(mg.Value, args["spec"])
    nodes[-1].backward()
    return {"leaf.backward(): leaf.grad": number(leaf.grad), "root.backward(): root.grad": number(nodes[-1].grad)}


def deep_chain(mg, args: dict) -> dict:
    was_enabled = gc.isenabled()
    watch, installed = _watch()
    before = watch.reset()
    gc.disable()  # 100,000 nodes: collecting them mid-check only costs time
    try:
        report = _deep_chain(mg.Value, mg.engine.topological_order)
    finally:
        report_limit = watch.highest
        sys.setrecursionlimit = watch.real if installed else sys.setrecursionlimit
        watch.real(before)
        if was_enabled:
            gc.enable()
    report["recursion limit raised"] = report_limit > before
    return report


def _chain(Value) -> list:
    make = bare_maker(Value)
    chain = [make(0.0)]
    for k in _range(1, DEEP + 1):
        chain.append(make(float(k), (chain[-1],), "+"))
    return chain


def _deep_chain(Value, topological_order) -> dict:
    chain = _chain(Value)
    order = topological_order(chain[-1])
    if _type(order) is _list:
        misplaced = sum(1 for a, b in zip(order, chain) if a is not b)
        report = {"length": _len(order), "misplaced": misplaced}
    else:
        report = {"length": -1, "misplaced": -1}
    calls = [0]
    out_of_order = [0]
    root_grad: list = []

    def recorder(k: int, node: object):
        def _backward() -> None:
            if k != DEEP - calls[0]:
                out_of_order[0] += 1
            if k == DEEP and not root_grad:
                root_grad.append(number(node.grad))  # type: ignore[attr-defined]
            calls[0] += 1

        return _backward

    chain = _chain(Value)  # another chain: what the order was computed on stays out of backward's way
    for k, node in _enumerate(chain):
        node._backward = recorder(k, node)
    chain[-1].backward()
    report["closures run"] = calls[0]
    report["out of order"] = out_of_order[0]
    report["root grad when its closure ran"] = root_grad[0] if root_grad else None
    return report


PROBES = {
    "step4.topological-order": order_of_a_graph,
    "step4.backward-order": backward_order,
    "step4.seed": seed,
    "step4.deep-chain": deep_chain,
}
