"""From "these numbers are wrong" to "this node, this op, and the bug it looks like".

Given a graph spec, the reference's observation and the student's, find the first node whose
value is wrong (in topological order, inputs before outputs) or, if every value is right, the
first node whose gradient is wrong in the order backward visits them (output first). Then try the
classic bugs on it: each is simulated with plain floats, and the one that reproduces the
student's number is named.

Runs in trusted code only (pytest or the grader's parent process).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from kata.graphs import OPS, listing, names, reverse_sweep
from kata.numbers import EXACT, close, is_real, show


def _same(expected: Sequence[Any], got: Sequence[Any]) -> bool:
    return len(expected) == len(got) and all(close(e, g, EXACT) for e, g in zip(expected, got))


def _consumers(spec: dict, k: int) -> list[tuple[int, int]]:
    """(consumer node, argument position) for every use of node k."""
    first = len(spec["leaves"])
    return [
        (first + j, position)
        for j, node in enumerate(spec["nodes"])
        for position, arg in enumerate(node["args"])
        if arg == k
    ]


def _describe_node(spec: dict, k: int, values: Sequence[float]) -> str:
    label = names(spec)
    first = len(spec["leaves"])
    if k < first:
        return f"{label[k]} (a leaf)"
    node = spec["nodes"][k - first]
    op = OPS[node["op"]]
    inputs = ", ".join(f"{label[i]} = {show(values[i])}" for i in dict.fromkeys(node["args"]))
    return f"{label[k]} = {op.describe([label[i] for i in node['args']], node.get('const'))}   (with {inputs})"


def diagnose_values(spec: dict, expected: Sequence[Any], got: Sequence[Any]) -> list[str]:
    """The first node whose value is wrong, and the bug it looks like; [] if all are right."""
    names(spec)
    first = len(spec["leaves"])
    if len(got) != len(expected):
        return [f"expected {len(expected)} node values, got {len(got)}"]
    for k, (e, g) in enumerate(zip(expected, got)):
        if close(e, g):
            continue
        lines = [f"first wrong value: {_describe_node(spec, k, expected)}", f"  expected {show(e)}, got {show(g)}"]
        if k < first:
            lines.append("  looks like: Value(x) does not keep x as its data")
            return lines
        node = spec["nodes"][k - first]
        op = OPS[node["op"]]
        if not is_real(g):
            lines.append(f"  looks like: {op.method or op.name} returned something that is not a finite number")
            return lines
        inputs = [expected[i] for i in node["args"]]
        for bug, forward in op.wrong_forward.items():
            try:
                if close(forward(inputs, node.get("const")), g):
                    lines.append(f"  looks like: {bug}")
                    break
            except (ArithmeticError, ValueError):
                continue
        else:
            lines.append(f"  look at the forward computation in Value.{op.method}")
        return lines
    return []


def _orders(spec: dict) -> dict[str, list[int]]:
    """The backward orders of classic step-4 bugs, as lists of op nodes in the order they run.

    Spec graphs are a dozen nodes at most, so plain recursion is fine here (and it is not the
    iterative sort the students write)."""
    first = len(spec["leaves"])
    root = first + len(spec["nodes"]) - 1
    inputs = {first + j: node["args"] for j, node in enumerate(spec["nodes"])}

    def after_inputs(k: int, listed: list[int], done: set[int] | None) -> list[int]:
        """Inputs first, then k; without `done`, a shared node is listed again each time it is met."""
        if done is not None and k in done:
            return listed
        if done is not None:
            done.add(k)
        for i in inputs.get(k, []):
            after_inputs(i, listed, done)
        listed.append(k)
        return listed

    def before_inputs(k: int, listed: list[int], done: set[int]) -> list[int]:
        if k not in done:
            done.add(k)
            listed.append(k)
            for i in inputs.get(k, []):
                before_inputs(i, listed, done)
        return listed

    forward = "backward ran the nodes in forward order (inputs first): it must run them in REVERSE topological order"
    duplicates = (
        "the topological order has duplicates (no visited set), so a shared node's _backward ran more than once"
    )
    pre = "the topological order is a pre-order (a node before its inputs): append a node only after all of its inputs"
    return {
        forward: list(range(first, root + 1)),
        duplicates: [k for k in reversed(after_inputs(root, [], None)) if k >= first],
        pre: [k for k in before_inputs(root, [], set()) if k >= first],
    }


def diagnose_grads(
    spec: dict, values: Sequence[float], expected: Sequence[Any], got: Sequence[Any], mode: str
) -> list[str]:
    """Why the gradients differ. mode: 'closures' (the student's _backward closures, our driver),
    'backward' (our closures, the student's backward()) or 'end-to-end' (all the student's)."""
    if len(got) != len(expected):
        return [f"expected {len(expected)} gradients, got {len(got)}"]
    wrong = [k for k, (e, g) in enumerate(zip(expected, got)) if not close(e, g)]
    if not wrong:
        return []
    label = names(spec)
    root = len(values) - 1
    lines: list[str] = []
    if any(not is_real(g) for g in got):
        k = next(k for k, g in enumerate(got) if not is_real(g))
        lines.append(f"{label[k]}.grad is {show(got[k])}: a gradient must be a finite number")
    simulations: dict[str, Callable[[], list[float]]] = {}
    if mode in ("backward", "end-to-end"):
        simulations["the seed is missing: backward() must start with self.grad = 1.0"] = lambda: reverse_sweep(
            spec, values, seed=0.0
        )
        for bug, order in _orders(spec).items():
            simulations[bug] = lambda order=order: reverse_sweep(spec, values, order=order)
    if mode in ("closures", "end-to-end"):
        assign = "`=` instead of `+=`: a node used more than once must ADD each contribution to its grad"
        simulations[assign] = lambda: reverse_sweep(spec, values, accumulate=False)
    for bug, simulate in simulations.items():
        try:
            if _same(simulate(), got):
                lines.append(f"looks like: {bug}")
                break
        except (ArithmeticError, ValueError, RecursionError):
            continue
    if mode in ("backward", "end-to-end") and not close(expected[root], got[root]):
        lines.insert(0, f"the output {label[root]} has grad {show(got[root])}; backward() must set it to 1.0 first")
        return lines
    k = max(wrong)  # the first wrong one in the order backward visits nodes
    lines.insert(0, f"first wrong gradient (backward visits the output first): {_describe_node(spec, k, values)}")
    lines.insert(1, f"  expected {label[k]}.grad = {show(expected[k])}, got {show(got[k])}")
    users = _consumers(spec, k)
    if not users:
        lines.append(f"  {label[k]} is not used by any node, so its gradient must stay 0")
        return lines
    described = ", ".join(dict.fromkeys(_describe_node(spec, c, values).split("   ")[0] for c, _ in users))
    lines.append(f"  {label[k]} is used by {described}, whose gradients are right")
    if mode in ("closures", "end-to-end") and not any(line.startswith("looks like") for line in lines):
        bug = _local_bug(spec, k, values, expected, got[k])
        if bug:
            lines.append(f"  looks like: {bug}")
        else:
            ops = sorted({OPS[spec["nodes"][c - len(spec["leaves"])]["op"]].method for c, _ in users})
            lines.append(f"  so look at the _backward closure of {', '.join('Value.' + m for m in ops)}")
    return lines


def _local_bug(spec: dict, k: int, values: Sequence[float], grads: Sequence[Any], got: Any) -> str:
    """Which classic local-derivative bug in a consumer of node k reproduces got."""
    if not is_real(got):
        return ""
    first = len(spec["leaves"])
    contributions: list[tuple[int, int, float]] = []
    for c, position in _consumers(spec, k):
        node = spec["nodes"][c - first]
        op = OPS[node["op"]]
        local = op.partials([values[i] for i in node["args"]], values[c], node.get("const"))
        contributions.append((c, position, local[position] * grads[c]))
    total = sum(x for _, _, x in contributions)
    if len(contributions) > 1 and any(close(x, got) for _, _, x in contributions):
        return "`=` instead of `+=`: this node is used more than once, and only one contribution was kept"
    for c, position, contribution in contributions:
        node = spec["nodes"][c - first]
        op = OPS[node["op"]]
        inputs = [values[i] for i in node["args"]]
        rest = total - contribution
        local = op.partials(inputs, values[c], node.get("const"))[position]
        candidates = {"the chain factor out.grad is missing: multiply the local derivative by out.grad": local}
        for bug, wrong in op.wrong_partials.items():
            try:
                candidates[bug] = wrong(inputs, values[c], node.get("const"))[position] * grads[c]
            except (ArithmeticError, ValueError):
                continue
        candidates["the closure adds nothing for this input (is out._backward set? is the input updated?)"] = 0.0
        for bug, alternative in candidates.items():
            if math.isfinite(alternative) and close(rest + alternative, got):
                return f"{bug} (in {OPS[node['op']].method})"
    return ""


def graph_report(spec: dict, expected: dict, got: dict, mode: str) -> list[str]:
    """All problems of a graph observation: the listing of the graph, then the diagnosis."""
    problems = diagnose_values(spec, expected["data"], got.get("data", []))
    if not problems and "grad" in expected:
        problems = diagnose_grads(spec, expected["data"], expected["grad"], got.get("grad", []), mode)
    if not problems:
        return []
    return ["the graph (inputs before outputs):", *(f"  {line}" for line in listing(spec)), *problems]
