"""Random expression graphs, described as plain data, and the ways the checks use them.

A graph spec is JSON-able:

    {"leaves": [1.25, -0.5], "nodes": [{"op": "mul", "args": [0, 1]},
                                       {"op": "tanh", "args": [2]},
                                       {"op": "rsub", "args": [3], "const": 2.0}]}

Node k is leaf k for k < len(leaves), then the op nodes in order; an op's args are indices of
earlier nodes, so the list order is a topological order and the last node is the root.

The same spec is built with a student's Value (inside the sandbox), with the reference, and
evaluated with plain floats (for central differences and for diagnosing bugs). Specs come from
one generator fed by a Chooser: a seeded random.Random for the catalogue and the grader, or
Hypothesis's draw for the property tests.

Standard library only: this module runs inside the grader's sandboxed child.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Floats = Sequence[float]
LIMIT = 30.0  # |value| of every node stays below this, so every comparison is well scaled


@dataclass(frozen=True)
class Op:
    """One operation of the engine, as the checks know it."""

    name: str
    arity: int  # number of Value operands
    text: str  # how it reads: "{0} * {1}", "{c} - {0}", "{0}.tanh()"
    build: Callable[..., Any]  # (operands, const) -> the student's Value, through the public API
    forward: Callable[[Floats, Any], float]  # plain floats
    partials: Callable[[Floats, float, Any], tuple]  # (inputs, output, const) -> d(out)/d(input) each
    consts: tuple = ()  # the constants a generator may pick (exponents, plain numbers)
    valid: Callable[[Floats, Any], bool] = lambda xs, c: True
    # Classic wrong local derivatives: name -> partials function. Used to say which bug it looks like.
    wrong_partials: dict = field(default_factory=dict)
    # Classic wrong forward formulas: name -> forward function.
    wrong_forward: dict = field(default_factory=dict)
    method: str = ""  # the Value method a student implements for it

    def describe(self, names: Sequence[str], const: Any = None) -> str:
        return self.text.format(*names, c=_fmt(const))


def _fmt(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x)) if abs(x) < 1e15 else repr(x)
    return repr(x) if x is not None else ""


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


_PLAIN = (0.5, 2.0, -1.5, 3.0)

OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op("add", 2, "{0} + {1}", lambda a, c: a[0] + a[1], lambda x, c: x[0] + x[1],
           lambda x, y, c: (1.0, 1.0), method="__add__",
           wrong_partials={"only the first input receives the gradient": lambda x, y, c: (1.0, 0.0)}),
        Op("sub", 2, "{0} - {1}", lambda a, c: a[0] - a[1], lambda x, c: x[0] - x[1],
           lambda x, y, c: (1.0, -1.0), method="__sub__",
           wrong_partials={"a sign error: the subtracted input gets +out.grad, but d(a - b)/db = -1": lambda x, y, c: (1.0, 1.0)},
           wrong_forward={"the operands are swapped (b - a)": lambda x, c: x[1] - x[0]}),
        Op("mul", 2, "{0} * {1}", lambda a, c: a[0] * a[1], lambda x, c: x[0] * x[1],
           lambda x, y, c: (x[1], x[0]), method="__mul__",
           wrong_partials={"each input gets its own value instead of its partner's (a.grad += a.data * out.grad)":
                           lambda x, y, c: (x[0], x[1])}),
        Op("div", 2, "{0} / {1}", lambda a, c: a[0] / a[1], lambda x, c: x[0] / x[1],
           lambda x, y, c: (1.0 / x[1], -x[0] / x[1] ** 2),
           valid=lambda x, c: abs(x[1]) >= 0.3, method="__truediv__",
           wrong_partials={"the denominator's derivative has the wrong sign (+a/b**2 instead of -a/b**2)":
                           lambda x, y, c: (1.0 / x[1], x[0] / x[1] ** 2),
                           "the denominator's derivative is -1/b**2 (the numerator a is missing)":
                           lambda x, y, c: (1.0 / x[1], -1.0 / x[1] ** 2)},
           wrong_forward={"the operands are swapped (b / a)": lambda x, c: x[1] / x[0] if x[0] else math.inf}),
        Op("neg", 1, "-{0}", lambda a, c: -a[0], lambda x, c: -x[0],
           lambda x, y, c: (-1.0,), method="__neg__",
           wrong_partials={"the sign is lost: d(-x)/dx is -1, so subtract out.grad": lambda x, y, c: (1.0,)}),
        Op("pow", 1, "{0} ** {c}", lambda a, c: a[0] ** c, lambda x, c: x[0] ** c,
           lambda x, y, c: (c * x[0] ** (c - 1),), consts=(2, 3, -1, 0.5, -2, 1.5),
           valid=lambda x, c: (x[0] >= 0.3 if c != int(c) else True) and (abs(x[0]) >= 0.3 if c < 0 else True),
           method="__pow__",
           wrong_partials={"the power rule is n * x**(n - 1), not n * x**n": lambda x, y, c: (c * x[0] ** c,),
                           "the power rule is n * x**(n - 1): the factor n is missing": lambda x, y, c: (x[0] ** (c - 1),),
                           "the power rule is n * x**(n - 1), not (n - 1) * x**(n - 1)":
                           lambda x, y, c: ((c - 1) * x[0] ** (c - 1),)}),
        Op("exp", 1, "{0}.exp()", lambda a, c: a[0].exp(), lambda x, c: math.exp(x[0]),
           lambda x, y, c: (y,), valid=lambda x, c: x[0] <= 3.0, method="exp",
           wrong_partials={"the derivative of exp is computed from the input (x) instead of the output (e^x = out.data)":
                           lambda x, y, c: (x[0],)}),
        Op("log", 1, "{0}.log()", lambda a, c: a[0].log(), lambda x, c: math.log(x[0]),
           lambda x, y, c: (1.0 / x[0],), valid=lambda x, c: x[0] >= 0.2, method="log",
           wrong_partials={"d(ln x)/dx is 1/x, not x": lambda x, y, c: (x[0],),
                           "d(ln x)/dx is 1/x (of the input), not 1/out.data": lambda x, y, c: (1.0 / y if y else math.inf,)}),
        Op("tanh", 1, "{0}.tanh()", lambda a, c: a[0].tanh(), lambda x, c: math.tanh(x[0]),
           lambda x, y, c: (1.0 - y * y,), method="tanh",
           wrong_partials={"the derivative of tanh is computed from the input (1 - x**2) instead of the output (1 - out.data**2)":
                           lambda x, y, c: (1.0 - x[0] ** 2,),
                           "the derivative of tanh is 1 - t**2, not 1 - t (the square is missing)": lambda x, y, c: (1.0 - y,)}),
        Op("relu", 1, "{0}.relu()", lambda a, c: a[0].relu(), lambda x, c: x[0] if x[0] > 0 else 0.0,
           lambda x, y, c: (1.0 if y > 0 else 0.0,), valid=lambda x, c: abs(x[0]) >= 0.05, method="relu",
           wrong_partials={"ReLU passes the gradient through for negative inputs (its slope there is 0)":
                           lambda x, y, c: (1.0,),
                           "ReLU's local derivative is 1 or 0, not the value itself": lambda x, y, c: (y,)}),
        Op("sigmoid", 1, "{0}.sigmoid()", lambda a, c: a[0].sigmoid(), lambda x, c: _sigmoid(x[0]),
           lambda x, y, c: (y * (1.0 - y),), method="sigmoid",
           wrong_partials={"the derivative of sigmoid is computed from the input, x * (1 - x), instead of the output s * (1 - s)":
                           lambda x, y, c: (x[0] * (1.0 - x[0]),),
                           "the derivative of sigmoid is s * (1 - s): a factor is missing": lambda x, y, c: (y,)}),
        # A plain number on the right of the operator: the student's method coerces it.
        Op("add_const", 1, "{0} + {c}", lambda a, c: a[0] + c, lambda x, c: x[0] + c,
           lambda x, y, c: (1.0,), consts=_PLAIN, method="__add__"),
        Op("mul_const", 1, "{0} * {c}", lambda a, c: a[0] * c, lambda x, c: x[0] * c,
           lambda x, y, c: (c,), consts=_PLAIN, method="__mul__"),
        Op("sub_const", 1, "{0} - {c}", lambda a, c: a[0] - c, lambda x, c: x[0] - c,
           lambda x, y, c: (1.0,), consts=_PLAIN, method="__sub__"),
        Op("div_const", 1, "{0} / {c}", lambda a, c: a[0] / c, lambda x, c: x[0] / c,
           lambda x, y, c: (1.0 / c,), consts=_PLAIN, method="__truediv__"),
        # A plain number on the left: Python calls the reflected method of the Value.
        Op("radd", 1, "{c} + {0}", lambda a, c: c + a[0], lambda x, c: c + x[0],
           lambda x, y, c: (1.0,), consts=_PLAIN, method="__radd__"),
        Op("rsub", 1, "{c} - {0}", lambda a, c: c - a[0], lambda x, c: c - x[0],
           lambda x, y, c: (-1.0,), consts=_PLAIN, method="__rsub__",
           wrong_forward={"the operands are swapped: c - x was computed as x - c": lambda x, c: x[0] - c},
           wrong_partials={"d(c - x)/dx is -1: the order of the operands matters": lambda x, y, c: (1.0,)}),
        Op("rmul", 1, "{c} * {0}", lambda a, c: c * a[0], lambda x, c: c * x[0],
           lambda x, y, c: (c,), consts=_PLAIN, method="__rmul__"),
        Op("rdiv", 1, "{c} / {0}", lambda a, c: c / a[0], lambda x, c: c / x[0],
           lambda x, y, c: (-c / x[0] ** 2,), consts=_PLAIN, valid=lambda x, c: abs(x[0]) >= 0.3,
           method="__rtruediv__",
           wrong_forward={"the operands are swapped: c / x was computed as x / c": lambda x, c: x[0] / c},
           wrong_partials={"d(c / x)/dx is -c / x**2: the order of the operands matters": lambda x, y, c: (1.0 / c,)}),
    ]
}

BINARY_FORMS = ("add", "sub", "mul", "div")
ALL_OPS = tuple(OPS)


# ---- Generation ----------------------------------------------------------------------------


class Chooser(Protocol):
    """Where a generator's choices come from: random.Random, or Hypothesis's draw."""

    def integer(self, low: int, high: int) -> int: ...  # inclusive

    def pick(self, options: Sequence[Any]) -> Any: ...


class RandomChooser:
    """A Chooser backed by a seeded random.Random (deterministic for a given seed)."""

    def __init__(self, rng: Any) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.rng.randrange(len(options))]


def number_between(choose: Chooser, low: float, high: float, avoid_below: float = 0.0) -> float:
    """A number with two decimals in [low, high], whose magnitude is at least avoid_below."""
    for _ in range(50):
        x = choose.integer(round(low * 100), round(high * 100)) / 100
        if abs(x) >= avoid_below:
            return x
    return high


def random_graph(
    choose: Chooser,
    leaves: tuple[int, int] = (2, 4),
    ops: tuple[int, int] = (3, 9),
    allowed: Sequence[str] = ALL_OPS,
) -> dict:
    """A random, well-conditioned expression graph.

    Every op's inputs lie in its domain with a margin (no log of ~0, no division by ~0, no ReLU
    at its kink) and every value stays below LIMIT, so reference, student and central differences
    can be compared tightly. Operands are mostly recent nodes (depth) and sometimes any earlier
    node (a node used more than once, which is what `+=` is for).
    """
    values = [number_between(choose, -2.0, 2.0, avoid_below=0.1) for _ in range(choose.integer(*leaves))]
    spec: dict = {"leaves": list(values), "nodes": []}
    wanted = choose.integer(*ops)
    for _ in range(40 * wanted):
        if len(spec["nodes"]) == wanted:
            break
        op = OPS[choose.pick(list(allowed))]
        args = []
        for _ in range(op.arity):
            if choose.integer(0, 3) == 0:
                args.append(choose.integer(0, len(values) - 1))
            else:
                args.append(choose.integer(max(0, len(values) - 3), len(values) - 1))
        const = choose.pick(op.consts) if op.consts else None
        inputs = [values[i] for i in args]
        if not op.valid(inputs, const):
            continue
        try:
            result = op.forward(inputs, const)
        except (ArithmeticError, ValueError):
            continue
        if isinstance(result, complex) or not math.isfinite(result) or abs(result) > LIMIT:
            continue
        node: dict = {"op": op.name, "args": args}
        if const is not None:
            node["const"] = const
        spec["nodes"].append(node)
        values.append(result)
    return spec


def every_op_spec() -> dict:
    """A small fixed graph that applies every op once to inputs inside every domain.

    The property tests run it first, so a stub stops them at once instead of being shrunk.
    """
    nodes = []
    for k, op in enumerate(OPS.values()):
        node: dict = {"op": op.name, "args": [k % 2, (k + 1) % 2][: op.arity]}
        if op.consts:
            node["const"] = op.consts[0]
        nodes.append(node)
    nodes.append({"op": "add", "args": [len(nodes), len(nodes) + 1]})
    return {"leaves": [0.7, 1.3], "nodes": nodes}


# ---- Plain-float evaluation ---------------------------------------------------------------------


def evaluate(spec: dict, nudge: tuple[int, float] | None = None) -> list[float]:
    """The value of every node with plain floats; nudge=(k, d) adds d to node k's value."""
    values = [float(x) for x in spec["leaves"]]
    if nudge is not None and nudge[0] < len(values):
        values[nudge[0]] += nudge[1]
    for node in spec["nodes"]:
        op = OPS[node["op"]]
        value = op.forward([values[i] for i in node["args"]], node.get("const"))
        if nudge is not None and nudge[0] == len(values):
            value += nudge[1]
        values.append(value)
    return values


def central_differences(spec: dict, h: float = 1e-6) -> list[float]:
    """d(root)/d(node) for every node, measured by nudging that node by +-h."""
    count = len(spec["leaves"]) + len(spec["nodes"])
    return [(evaluate(spec, (k, h))[-1] - evaluate(spec, (k, -h))[-1]) / (2 * h) for k in range(count)]


def reverse_sweep(
    spec: dict,
    values: Sequence[float],
    partials: Callable[[int, Op, Floats, float, Any], tuple] | None = None,
    order: Sequence[int] | None = None,
    seed: float = 1.0,
    accumulate: bool = True,
) -> list[float]:
    """Reverse-mode gradients over a spec with plain floats: the oracle behind the diagnoses.

    partials(k, op, inputs, output, const) defaults to the correct local derivatives; order is
    the order in which op nodes run their backward step (default: reverse of the list);
    accumulate=False assigns instead of adding (the classic `=` instead of `+=`).
    """
    first = len(spec["leaves"])
    grads = [0.0] * len(values)
    grads[-1] = seed
    for k in order if order is not None else range(len(values) - 1, first - 1, -1):
        node = spec["nodes"][k - first]
        op = OPS[node["op"]]
        inputs = [values[i] for i in node["args"]]
        local = (partials or _correct)(k, op, inputs, values[k], node.get("const"))
        for i, d in zip(node["args"], local):
            if accumulate:
                grads[i] += d * grads[k]
            else:
                grads[i] = d * grads[k]
    return grads


def _correct(k: int, op: Op, inputs: Floats, output: float, const: Any) -> tuple:
    return op.partials(inputs, output, const)


def names(spec: dict) -> list[str]:
    """'x0', 'x1', ... for leaves, 'v2', 'v3', ... for op nodes."""
    first = len(spec["leaves"])
    return [f"x{k}" if k < first else f"v{k}" for k in range(first + len(spec["nodes"]))]


def listing(spec: dict) -> list[str]:
    """The graph as lines a student can read: 'x0 = 1.25', 'v2 = x0 * x1', ..."""
    label = names(spec)
    lines = [f"{label[k]} = {_fmt(float(x))}" for k, x in enumerate(spec["leaves"])]
    first = len(spec["leaves"])
    for j, node in enumerate(spec["nodes"]):
        op = OPS[node["op"]]
        lines.append(f"{label[first + j]} = {op.describe([label[i] for i in node['args']], node.get('const'))}")
    return lines


# ---- Building with an implementation (runs next to student code) ---------------------------------


def build_with_ops(spec: dict, Value: Any, leaves: list[Any] | None = None) -> list[Any]:
    """Build the graph through the student's operators and methods (x * y, x.tanh(), 2 - x).

    The leaves are Value(x) for every leaf value, unless given (for instance as dual numbers)."""
    nodes = list(leaves) if leaves is not None else [Value(x) for x in spec["leaves"]]
    for node in spec["nodes"]:
        op = OPS[node["op"]]
        nodes.append(op.build([nodes[i] for i in node["args"]], node.get("const")))
    return nodes


def build_with_constructor(spec: dict, Value: Any) -> list[Any]:
    """Build the graph with Value(data, children, op) and the kata's own correct _backward closures.

    Only the student's constructor is used, so a check of backward() and topological_order()
    built this way does not depend on the student's operators or local derivatives (steps 2-3).
    """
    values = evaluate(spec)
    nodes = [Value(x) for x in spec["leaves"]]
    for j, node in enumerate(spec["nodes"]):
        op = OPS[node["op"]]
        inputs = [nodes[i] for i in node["args"]]
        out = Value(values[len(spec["leaves"]) + j], tuple(inputs), op.name)
        out._backward = _closure(out, inputs, op, node.get("const"))
        nodes.append(out)
    return nodes


def _closure(out: Any, inputs: list, op: Op, const: Any) -> Callable[[], None]:
    def _backward() -> None:
        local = op.partials([i.data for i in inputs], out.data, const)
        for node, d in zip(inputs, local):
            node.grad += d * out.grad

    return _backward
