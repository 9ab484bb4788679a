"""Driving a student's code: the op forms the checks use, graphs built through a student's operators,
and nodes of a student's class made by the kata.

An op form is how a check applies an operation: `a * b`, `a * 2`, `2 * a`, `a.tanh()`. Its builder
calls the student's operator or method and nothing else: the numbers come from the student's code.

A graph description (a "spec") is plain data:

    {"leaves": [1.25, -0.5], "nodes": [{"op": "mul", "args": [0, 1]},
                                       {"op": "tanh", "args": [2]},
                                       {"op": "rsub", "args": [3], "const": 2.0}]}

Node k is leaf k for k < len(leaves), then the op nodes in order; an op's args are indices of
earlier nodes, so the list order is already a topological order and the last node is the root.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    from typing import Any

_id = id
_type = type
_len = len
_tuple = tuple


class Form:
    """One op as the checks build it (a plain class: dataclasses would cost every child an import)."""

    __slots__ = ("arity", "build", "method", "name", "text")

    def __init__(
        self, name: str, arity: int, text: str, method: str, build: Callable[[Sequence[Any], Any], Any]
    ) -> None:
        self.name = name
        self.arity = arity  # Value operands
        self.text = text  # how it reads: "{0} * {1}", "{c} - {0}", "{0}.tanh()"
        self.method = method  # the Value method a student writes for it
        self.build = build  # (operands, const) -> the student's result

    def describe(self, names: Sequence[str], const: Any = None) -> str:
        return self.text.format(*names, c=show_const(const))


def show_const(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x) if x is not None else ""


FORMS: dict[str, Form] = {
    form.name: form
    for form in [
        Form("add", 2, "{0} + {1}", "__add__", lambda a, c: a[0] + a[1]),
        Form("sub", 2, "{0} - {1}", "__sub__", lambda a, c: a[0] - a[1]),
        Form("mul", 2, "{0} * {1}", "__mul__", lambda a, c: a[0] * a[1]),
        Form("div", 2, "{0} / {1}", "__truediv__", lambda a, c: a[0] / a[1]),
        Form("neg", 1, "-{0}", "__neg__", lambda a, c: -a[0]),
        Form("pow", 1, "{0} ** {c}", "__pow__", lambda a, c: a[0] ** c),
        Form("exp", 1, "{0}.exp()", "exp", lambda a, c: a[0].exp()),
        Form("log", 1, "{0}.log()", "log", lambda a, c: a[0].log()),
        Form("tanh", 1, "{0}.tanh()", "tanh", lambda a, c: a[0].tanh()),
        Form("relu", 1, "{0}.relu()", "relu", lambda a, c: a[0].relu()),
        Form("sigmoid", 1, "{0}.sigmoid()", "sigmoid", lambda a, c: a[0].sigmoid()),
        # a plain number on the right of the operator: the student's method wraps it in a Value
        Form("add_const", 1, "{0} + {c}", "__add__", lambda a, c: a[0] + c),
        Form("sub_const", 1, "{0} - {c}", "__sub__", lambda a, c: a[0] - c),
        Form("mul_const", 1, "{0} * {c}", "__mul__", lambda a, c: a[0] * c),
        Form("div_const", 1, "{0} / {c}", "__truediv__", lambda a, c: a[0] / c),
        # a plain number on the left: Python calls the Value's reflected method
        Form("radd", 1, "{c} + {0}", "__radd__", lambda a, c: c + a[0]),
        Form("rsub", 1, "{c} - {0}", "__rsub__", lambda a, c: c - a[0]),
        Form("rmul", 1, "{c} * {0}", "__rmul__", lambda a, c: c * a[0]),
        Form("rdiv", 1, "{c} / {0}", "__rtruediv__", lambda a, c: c / a[0]),
        Form("rpow", 1, "{c} ** {0}", "__rpow__", lambda a, c: c ** a[0]),
    ]
}

# The forms whose backward closures step 3 owns: one Value method each, Value operands only. (The
# plain-number and reflected forms are step 2's: they reach these closures through coercion; except
# number ** Value, which no other op can make, so __rpow__ has a closure of its own.)
CLOSURE_FORMS = ("add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "relu", "sigmoid", "rpow")


def build_with_ops(spec: dict, Value: Any, leaves: list[Any] | None = None) -> list[Any]:
    """Every node of the spec, built through the student's operators and methods.

    The leaves are Value(x) for every leaf value, unless given (for instance as dual numbers)."""
    nodes = list(leaves) if leaves is not None else [Value(x) for x in spec["leaves"]]
    for node in spec["nodes"]:
        nodes.append(FORMS[node["op"]].build([nodes[i] for i in node["args"]], node.get("const")))
    return nodes


def bare_maker(Value: type) -> Callable[..., Any]:
    """A maker of bare nodes of the student's class: nodes with the kata's own attributes, data, grad
    0.0, the given inputs as a tuple _prev, _op, a do-nothing _backward and an empty label.

    The student's constructor is used when it works (their backward() may rely on attributes it sets);
    if it is not written yet or raises, nodes are made without it, so checks of later steps built on
    bare nodes do not depend on step 2's constructor. Decided once per class, for speed: a check makes
    200,000 of them."""
    try:
        Value(0.0, (), "")
        construct = True
    except Exception:  # noqa: BLE001 - a stub, or a constructor with a bug: not this check's business
        construct = False
    plain = not any(
        (hasattr(Value, name) and not callable(getattr(Value, name)))
        or isinstance(getattr(Value, name, None), property)
        for name in ("data", "grad", "_prev", "_op", "_backward", "label")
    ) and hasattr(Value.__new__(Value), "__dict__")

    def make(data: float, children: tuple = (), op: str = "") -> Any:
        node = Value(data, children, op) if construct else Value.__new__(Value)
        if plain:
            node.__dict__.update(data=data, grad=0.0, _prev=children, _op=op, _backward=_nothing, label="")
            return node
        node.data = data
        node.grad = 0.0
        node._prev = _tuple(children)
        node._op = op
        node._backward = _nothing
        with contextlib.suppress(AttributeError):  # a class with __slots__ and no label: not needed here
            node.label = ""
        return node

    return make


def bare_node(Value: type, data: float, children: tuple = (), op: str = "") -> Any:
    """One bare node of the student's class (see bare_maker)."""
    return bare_maker(Value)(data, _tuple(children), op)


def _nothing() -> None:
    return None


def reachable_between(root: Any, known: Sequence[Any], limit: int = 64) -> list[Any]:
    """The nodes reachable from root through _prev that are not in known, root first, at most limit.

    Used to find the nodes an op made on its way from its operands to its result (a student may
    compose `a - b` as `a + (-b)`): the walk stops at the operands and never runs past the limit."""
    stop = {_id(node) for node in known}
    found: list[Any] = []
    seen: set[int] = set()
    stack = [root]
    while stack and _len(found) < limit:
        node = stack.pop()
        if _id(node) in stop or _id(node) in seen:
            continue
        seen.add(_id(node))
        found.append(node)
        try:
            inputs = _tuple(node._prev)
        except Exception:  # noqa: BLE001 - a missing or odd _prev: nothing more to walk
            continue
        stack.extend(inputs)
    return found


def inputs_of(node: Any) -> list[Any]:
    """The distinct members of node._prev, in order (by identity); [] if _prev is unusable."""
    try:
        members = _tuple(node._prev)
    except Exception:  # noqa: BLE001
        return []
    seen: set[int] = set()
    out = []
    for member in members:
        if _id(member) not in seen:
            seen.add(_id(member))
            out.append(member)
    return out
