"""Random graph descriptions (kata.harness.build's specs), drawn so that every check covers the same
kinds of input whatever the seed, and plain-float maths over them.

A graph is drawn from a list of slots, one op form each: every graph holds every form the check is
about (ReLU on both sides of its kink, the power rule with every class of exponent), in a random
order, wired to random earlier nodes (sometimes the same node twice, which is what `+=` is for).
Every input lies in its op's domain with a margin, every value stays below LIMIT, and no classic
wrong forward formula gives the right value by accident; so a bug in one op fails every graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from kata.harness.build import FORMS
from kata.numbers import DISTINCT, close
from kata.oracle.choose import Chooser, number_between
from kata.oracle.ops import EXPONENT_CLASSES, FORMULAS, LIMIT, forward, partials, safe

if TYPE_CHECKING:  # the oracle's graph maths needs nothing of the catalogue at run time
    from kata.catalogue.core import Args, Spec

Slot = tuple[str, Any]  # (form, constraint): constraint is a const class or a side of a kink


def slots_for(forms: Sequence[str]) -> list[Slot]:
    """One slot per form, and more where a form has several kinds of input."""
    slots: list[Slot] = []
    for name in forms:
        if name == "pow":
            slots += [("pow", exponents) for exponents in EXPONENT_CLASSES]
        elif name == "relu":
            slots += [("relu", "negative"), ("relu", "below one"), ("relu", "above one")]
        else:
            slots.append((name, None))
    return slots


def _fits(name: str, constraint: Any, inputs: list[float], const: Any) -> bool:
    formula = FORMULAS[name]
    if not formula.valid(inputs, const):
        return False
    if name == "relu":
        x = inputs[0]
        return {"negative": x <= -0.1, "below one": 0.1 <= x <= 0.9, "above one": x >= 1.1}.get(constraint, True)
    return True


def distinguishable(name: str, inputs: Sequence[float], const: Any, out_grad: float = 1.5) -> bool:
    """Whether every classic wrong formula of the form gives another number than the right one here."""
    formula = FORMULAS[name]
    right = safe(lambda: formula.forward(inputs, const))
    if right is None or not math.isfinite(right):
        return False
    for wrong in formula.wrong_forward.values():
        value = safe(partial(wrong, inputs, const))
        if value is not None and close(right, value, DISTINCT) and not (name == "relu" and value == right):
            return False
    local = formula.partials(inputs, right, const)
    for wrong_partials in formula.wrong_partials.values():
        values = safe(partial(wrong_partials, inputs, right, const))
        if values is None:
            continue
        # ReLU's wrong slopes agree with the right one on a whole side of the kink, by design (the
        # sides are separate slots); anywhere else, agreeing by accident would hide the bug here
        if name == "relu" and all(d == w for d, w in zip(local, values)):
            continue
        if all(close(d, w, DISTINCT) for d, w in zip(local, values)):
            return False
    # forgetting out.grad must show too: local * g differs from local unless local is 0
    return all(d == 0 or not close(d * out_grad, d, DISTINCT) for d in local)


def _const(name: str, constraint: Any, choose: Chooser) -> Any:
    if name == "pow":
        return choose.pick(constraint or FORMULAS["pow"].consts)
    consts = FORMULAS[name].consts
    return choose.pick(consts) if consts else None


def _fresh_leaf(name: str, constraint: Any, choose: Chooser) -> float:
    """A leaf value in the op's domain, for a slot no earlier node fits."""
    if name == "relu":
        low, high, sign = {"negative": (0.1, 2.0, -1), "below one": (0.1, 0.9, 1), "above one": (1.1, 2.0, 1)}[
            constraint
        ]
        return sign * number_between(choose, low, high)
    if name in ("log", "pow", "rpow"):
        return number_between(choose, 0.4, 2.0)
    side: int = choose.pick([-1, 1])
    return side * number_between(choose, 0.4, 2.0)


def random_graph(
    choose: Chooser, forms: Sequence[str], leaves: tuple[int, int] = (2, 3), extra: int = 0
) -> dict[str, Any]:
    """A graph holding every slot of `forms` (and `extra` more random ones), each in its domain."""
    values = [number_between(choose, -2.0, 2.0, avoid_below=0.2) for _ in range(choose.integer(*leaves))]
    spec: Spec = {"leaves": list(values), "nodes": []}
    slots = slots_for(forms)
    slots += [(choose.pick(list(forms)), None) for _ in range(extra)]
    order = list(range(len(slots)))
    for i in range(len(order) - 1, 0, -1):  # a Fisher-Yates shuffle through the chooser
        j = choose.integer(0, i)
        order[i], order[j] = order[j], order[i]
    for index in order:
        name, constraint = slots[index]
        if name == "pow" and constraint is None:
            constraint = choose.pick(EXPONENT_CLASSES)
        if name == "relu" and constraint is None:
            constraint = choose.pick(["negative", "below one", "above one"])
        _place(spec, values, name, constraint, choose)
    return spec


def _place(spec: Spec, values: list[float], name: str, constraint: Any, choose: Chooser) -> None:
    arity = FORMS[name].arity
    for _ in range(80):
        args = []
        for _ in range(arity):
            if choose.integer(0, 3) == 0:
                args.append(choose.integer(0, len(values) - 1))
            else:
                args.append(choose.integer(max(0, len(values) - 3), len(values) - 1))
        const = _const(name, constraint, choose)
        if _accept(spec, values, name, constraint, args, const):
            return
    # no earlier node fits: give the op a leaf of its own (appended to the leaves, so indices shift)
    for _ in range(200):
        value = _fresh_leaf(name, constraint, choose)
        others = [choose.integer(0, len(values) - 1) for _ in range(arity - 1)]
        const = _const(name, constraint, choose)
        inputs = [value, *(values[i] for i in others)]
        if not (_fits(name, constraint, inputs, const) and distinguishable(name, inputs, const)):
            continue
        result = safe(lambda: forward(name, inputs, const))
        if result is None or not math.isfinite(result) or abs(result) > LIMIT:
            continue
        _insert_leaf(spec, values, value)
        first = len(spec["leaves"]) - 1
        shifted = [i + 1 if i >= first else i for i in others]
        if _accept(spec, values, name, constraint, [first, *shifted], const):
            return
    # the chooser keeps giving the same numbers (Hypothesis does, when it shrinks): leaves of a fixed grid
    consts = [constraint] if name == "pow" and isinstance(constraint, tuple) else [None]
    for values_ in _GRID_PAIRS if arity == 2 else [(x,) for x, _ in _GRID_PAIRS]:
        for const in [c for group in consts for c in (group or FORMULAS[name].consts or (None,))]:
            inputs = list(values_)
            if not (_fits(name, constraint, inputs, const) and distinguishable(name, inputs, const)):
                continue
            result = safe(partial(forward, name, inputs, const))
            if result is None or not math.isfinite(result) or abs(result) > LIMIT:
                continue
            for x in inputs:
                _insert_leaf(spec, values, x)
            first = len(spec["leaves"]) - len(inputs)
            if _accept(spec, values, name, constraint, list(range(first, first + len(inputs))), const):
                return
    raise RuntimeError(f"could not place {name} ({constraint}) in a graph")


_GRID = (0.7, -1.3, 1.1, -0.6, 1.7, 0.45, -1.8, 0.95, 1.35, -0.35, 0.55, -0.85)
_GRID_PAIRS = [(a, b) for a in _GRID for b in _GRID if a != b]


def _accept(spec: Spec, values: list[float], name: str, constraint: Any, args: list[int], const: Any) -> bool:
    inputs = [values[i] for i in args]
    if not _fits(name, constraint, inputs, const) or not distinguishable(name, inputs, const):
        return False
    result = safe(lambda: forward(name, inputs, const))
    if result is None or not math.isfinite(result) or abs(result) > LIMIT:
        return False
    node: dict[str, Any] = {"op": name, "args": args}
    if const is not None:
        node["const"] = const
    spec["nodes"].append(node)
    values.append(result)
    return True


def _insert_leaf(spec: Spec, values: list[float], value: float) -> None:
    """Add a leaf; every op node's index moves up by one."""
    first = len(spec["leaves"])
    spec["leaves"].append(value)
    values.insert(first, value)
    for node in spec["nodes"]:
        node["args"] = [i + 1 if i >= first else i for i in node["args"]]


# ---- Plain-float maths over a graph ----------------------------------------------------------------


def evaluate(spec: Spec, nudge: tuple[int, float] | None = None) -> list[float]:
    """The value of every node with plain floats; nudge=(k, d) adds d to node k's value."""
    values = [float(x) for x in spec["leaves"]]
    if nudge is not None and nudge[0] < len(values):
        values[nudge[0]] += nudge[1]
    for node in spec["nodes"]:
        value = forward(node["op"], [values[i] for i in node["args"]], node.get("const"))
        if nudge is not None and nudge[0] == len(values):
            value += nudge[1]
        values.append(value)
    return values


def central_differences(spec: Spec, h: float = 1e-6) -> list[float]:
    """d(root)/d(node) for every node, measured by nudging that node by +-h."""
    count = len(spec["leaves"]) + len(spec["nodes"])
    return [(evaluate(spec, (k, h))[-1] - evaluate(spec, (k, -h))[-1]) / (2 * h) for k in range(count)]


def gradients(
    spec: Spec, values: Sequence[float], local: Callable[..., tuple[float, ...]] | None = None
) -> list[float]:
    """d(root)/d(node) for every node, by the chain rule, output first (the list order is topological)."""
    first = len(spec["leaves"])
    grads = [0.0] * len(values)
    grads[-1] = 1.0
    for k in range(len(values) - 1, first - 1, -1):
        node = spec["nodes"][k - first]
        inputs = [values[i] for i in node["args"]]
        derivatives = (local or partials)(node["op"], inputs, values[k], node.get("const"))
        for i, d in zip(node["args"], derivatives):
            grads[i] += d * grads[k]
    return grads


def op_inputs(choose: Chooser, name: str, constraint: Any = None) -> dict[str, Any]:
    """Inputs for one op form, in its domain (and on the given side of a kink, or with the given class
    of exponent), where every classic wrong formula gives another number than the right one."""
    arity = FORMS[name].arity
    if name == "pow" and constraint is None:
        constraint = choose.pick(EXPONENT_CLASSES)
    for _ in range(500):
        if name == "relu":
            inputs = [_fresh_leaf(name, constraint, choose)]
        elif name == "log":
            inputs = [number_between(choose, 0.3, 2.5)]
        elif name == "rpow":
            inputs = [number_between(choose, 0.2, 2.0)]
        else:
            inputs = [number_between(choose, -2.0, 2.0, avoid_below=0.2) for _ in range(arity)]
        const = _const(name, constraint, choose)
        if _fits(name, constraint, inputs, const) and distinguishable(name, inputs, const):
            args: Args = {"op": name, "inputs": inputs}
            if const is not None:
                args["const"] = const
            return args
    raise RuntimeError(f"no valid inputs for {name} ({constraint})")


def op_label(args: Args) -> str:
    form = FORMS[args["op"]]
    labels = ["a", "b"][: form.arity]
    values = ", ".join(f"{n} = {x}" for n, x in zip(labels, args["inputs"]))
    return f"{form.describe(labels, args.get('const'))} with {values}"


def op_cases(choose: Chooser, forms: Sequence[str]) -> list[dict[str, Any]]:
    """Inputs for every form, with one case per kind of input (both sides of ReLU's kink, every class
    of exponent), so a bug shows in the same number of cases whatever the seed."""
    made = []
    for name, constraint in slots_for(forms):
        made.append(op_inputs(choose, name, constraint))
    return made
