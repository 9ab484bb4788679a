"""Graph descriptions as a student reads them, and where a graph observation first goes wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kata.catalogue.core import Problem, Spec, looks_like
from kata.harness.build import FORMS
from kata.numbers import EXACT, Tolerance, close, is_real, show


def names(spec: Spec) -> list[str]:
    """'x0', 'x1', ... for leaves, 'v2', 'v3', ... for op nodes."""
    first = len(spec["leaves"])
    return [f"x{k}" if k < first else f"v{k}" for k in range(first + len(spec["nodes"]))]


def listing(spec: Spec) -> list[str]:
    """The graph as lines a student can read: 'x0 = 1.25', 'v2 = x0 * x1', ..."""
    label = names(spec)
    lines = [f"{label[k]} = {show(float(x))}" for k, x in enumerate(spec["leaves"])]
    first = len(spec["leaves"])
    for j, node in enumerate(spec["nodes"]):
        form = FORMS[node["op"]]
        lines.append(f"{label[first + j]} = {form.describe([label[i] for i in node['args']], node.get('const'))}")
    return lines


def with_listing(spec: Spec, problems: list[Problem]) -> list[Problem]:
    """The problems, after the graph they are about."""
    if not problems:
        return problems
    text = "\n".join(["the graph (inputs before outputs):", *(f"  {line}" for line in listing(spec))])
    return [Problem(text), *problems]


def describe_node(spec: Spec, k: int, values: Sequence[Any]) -> str:
    label = names(spec)
    first = len(spec["leaves"])
    if k < first:
        return f"{label[k]} (a leaf)"
    node = spec["nodes"][k - first]
    form = FORMS[node["op"]]
    inputs = ", ".join(f"{label[i]} = {show(values[i])}" for i in dict.fromkeys(node["args"]))
    return f"{label[k]} = {form.describe([label[i] for i in node['args']], node.get('const'))}   (with {inputs})"


def first_wrong_value(
    spec: Spec, expected: Sequence[float], got: object, alternatives: dict[str, Any], tolerance: Tolerance = EXACT
) -> list[Problem]:
    """The first node (inputs first) whose value is wrong, and the classic bug it looks like.

    alternatives: {str(k): [[bug, value], ...]}, what each classic wrong forward formula gives at node
    k from the right inputs (made by trusted code)."""
    if not isinstance(got, list) or len(got) != len(expected):
        return [Problem(f"expected {len(expected)} node values, got {show(got)}")]
    first = len(spec["leaves"])
    for k, (e, g) in enumerate(zip(expected, got)):
        if close(e, g, tolerance):
            continue
        problems = [
            Problem(f"first wrong value: {describe_node(spec, k, expected)}\n  expected {show(e)}, got {show(g)}")
        ]
        if k < first:
            problems.append(Problem("Value(x) does not keep x as its data"))
            return problems
        form = FORMS[spec["nodes"][k - first]["op"]]
        if not is_real(g):
            problems.append(Problem(f"{form.method} returned something that is not a finite number"))
            return problems
        for bug, value in alternatives.get(str(k), []):
            if close(value, g, tolerance):
                problems.append(looks_like(bug, f"in {form.method}"))
                break
        else:
            problems.append(Problem(f"look at the forward computation in Value.{form.method}"))
        return problems
    return []
