"""Step 3's warm-up as a picture: f(x, y, z) = (x + y) * z + exp(x * z) at the lecture's point, one box
per node holding the value and the gradient that YOUR backprop_by_hand wrote down (`make graph`).

The boxes are not Values: the warm-up comes before any _backward, so the graph is made of plain nodes
that micrograd/viz.py draws like Values (data, grad, _prev, _op, label). When your engine can already do
backward() (step 4), the same expression is also built with your Value and differentiated, and a node
where the two disagree says so in its label: two of your own answers, side by side (no answer key).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

POINT = (1.0, 2.0, -1.0)  # x, y, z: the lecture's point (tests/test_step3.py shows its table)
# every node: its inputs and its operation, inputs first (as backprop_by_hand's docstring names them)
NODES: dict[str, tuple[tuple[str, ...], str]] = {
    "x": ((), ""),
    "y": ((), ""),
    "z": ((), ""),
    "s": (("x", "y"), "+"),
    "p": (("s", "z"), "*"),
    "q": (("x", "z"), "*"),
    "r": (("q",), "exp"),
    "f": (("p", "r"), "+"),
}


class NotANumberPair(ValueError):
    """backprop_by_hand returned something other than {name: (value, gradient)} for a node."""


@dataclass(eq=False)
class Node:
    """One box of the picture: what viz.draw_dot reads of a Value."""

    label: str
    data: float
    grad: float
    _op: str = ""
    _prev: tuple[Node, ...] = field(default_factory=tuple)


def _pair(got: Any, name: str) -> tuple[float, float]:
    if not isinstance(got, dict) or name not in got:
        raise NotANumberPair(
            f"backprop_by_hand(1, 2, -1) returned no {name!r}: it must return a dict with all of {', '.join(NODES)}"
        )
    pair = got[name]
    try:
        value, grad = pair
        return float(value), float(grad)
    except (TypeError, ValueError):
        raise NotANumberPair(
            f"backprop_by_hand(1, 2, -1)[{name!r}] is {pair!r}, not a pair (value, gradient)"
        ) from None


def by_hand(backprop_by_hand: Any) -> dict[str, tuple[float, float]]:
    """Your numbers at the lecture's point: {name: (value, gradient)}. NotImplementedError while it is a stub."""
    got = backprop_by_hand(*POINT)
    return {name: _pair(got, name) for name in NODES}


def by_engine(Value: Any) -> dict[str, tuple[float, float]] | None:
    """The same expression built with your Value and differentiated by your backward(), or None while your
    engine cannot do it yet (a stub, or any error: the picture then shows your hand numbers alone)."""
    try:
        x, y, z = (Value(v) for v in POINT)
        s = x + y
        p = s * z
        q = x * z
        r = q.exp()
        f = p + r
        f.backward()
        return {name: (float(n.data), float(n.grad)) for name, n in zip(NODES, (x, y, z, s, p, q, r, f))}
    except Exception:  # noqa: BLE001 (the student's engine, unfinished: nothing to compare with)
        return None


def _differs(a: float, b: float) -> bool:
    return not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def picture(
    hand: dict[str, tuple[float, float]], engine: dict[str, tuple[float, float]] | None
) -> tuple[Node, list[str]]:
    """The root f of the graph of nodes, and one line per node where your engine disagrees with your hand."""
    made: dict[str, Node] = {}
    disagreements = []
    for name, (inputs, op) in NODES.items():
        value, grad = hand[name]
        label = name
        if engine is not None:
            their_value, their_grad = engine[name]
            if _differs(value, their_value) or _differs(grad, their_grad):
                label = f"{name}  (your backward(): data {their_value:.4f}, grad {their_grad:.4f})"
                disagreements.append(
                    f"  {name}: by hand data {value:.4f} grad {grad:.4f}; "
                    f"your Value's backward() data {their_value:.4f} grad {their_grad:.4f}"
                )
        made[name] = Node(label, value, grad, op, tuple(made[i] for i in inputs))
    return made["f"], disagreements
