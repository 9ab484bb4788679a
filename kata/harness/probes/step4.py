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

DEEP = 5_000  # nodes of the deep chain: far more than HEADROOM
HEADROOM = 200  # frames the student's code gets below the probe for the deep chain: plenty for a loop,
# far too few for a recursion along the chain, whatever limit the student's code set beforehand
MAX_REPORTED = 2_000  # items of an order or a call list reported at most (their lengths are always reported)

_id = id
_len = len
_type = type
_list = list
_range = range
_enumerate = enumerate
_getframe = sys._getframe
_getrecursionlimit = sys.getrecursionlimit


class RecursionLimitWatch:
    """Counts the student's calls to sys.setrecursionlimit while it is installed.

    The child (and the local suites' plugin) installs one before any student code runs, so even a
    `from sys import setrecursionlimit` taken at import time is the watched one; in-process, a probe
    installs it around the call."""

    def __init__(self) -> None:
        self.real = sys.setrecursionlimit
        self.calls = 0

    def set(self, limit: int) -> None:
        self.calls += 1
        self.real(limit)

    def install(self) -> None:
        sys.setrecursionlimit = self.set


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


def _depth() -> int:
    """How many frames deep this call is."""
    depth, frame = 0, _getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def deep_chain(mg, args: dict) -> dict:
    """topological_order and backward() on a chain DEEP nodes long, with only HEADROOM frames of
    recursion allowed below this one: a loop with its own stack needs a few, a recursion along the
    chain needs DEEP (and raising the limit during the call is seen by the watch)."""
    was_enabled = gc.isenabled()
    watch, installed = _watch()
    calls, before = watch.calls, _getrecursionlimit()
    gc.disable()  # DEEP nodes: collecting them mid-check only costs time
    watch.real(_depth() + HEADROOM)
    try:
        report = _deep_chain(mg.Value, mg.engine.topological_order)
    finally:
        watch.real(before)
        if installed:
            sys.setrecursionlimit = watch.real
        if was_enabled:
            gc.enable()
    report["recursion limit raised"] = watch.calls > calls
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
