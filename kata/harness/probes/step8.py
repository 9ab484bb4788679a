"""Step 8 probes: forward mode with dual numbers (micrograd/forward.py). Independent of the Value engine."""

from __future__ import annotations

from kata.harness.build import FORMS, build_with_ops
from kata.harness.observe import number

_type = type
_list = list
_len = len
_range = range
_enumerate = enumerate


def op(mg, args: dict) -> dict:
    Dual = mg.forward.Dual
    operands = [Dual(x, s) for x, s in zip(args["inputs"], args["seeds"])]
    out = FORMS[args["op"]].build(operands, args.get("const"))
    return {"value": number(out.value), "derivative": number(out.derivative)}


def graph(mg, args: dict) -> dict:
    """One forward pass per leaf (that leaf's derivative seeded 1): every node's value and derivatives."""
    Dual = mg.forward.Dual
    spec = args["spec"]
    values: list = []
    derivatives = []
    for i in _range(_len(spec["leaves"])):
        leaves = [Dual(x, 1.0 if j == i else 0.0) for j, x in _enumerate(spec["leaves"])]
        nodes = build_with_ops(spec, Dual, leaves)
        if not values:
            values = [number(n.value) for n in nodes]
        derivatives.append([number(n.derivative) for n in nodes])
    return {"values": values, "derivatives": derivatives}


def _as_function(spec: dict):
    """The spec's root as a function of a list of its leaves."""
    return lambda xs: build_with_ops(spec, None, _list(xs))[-1]


def derivative_and_gradient(mg, args: dict) -> dict:
    one, many = args["one"], args["many"]
    f = _as_function(one)
    rest = [mg.forward.Dual(v, 0.0) for v in one["leaves"][1:]]  # d/d(leaf 0), every other leaf held fixed
    d = mg.forward.derivative(lambda x: f([x, *rest]), one["leaves"][0])
    g = mg.forward.gradient(_as_function(many), _list(many["leaves"]))
    return {"derivative": number(d), "gradient": [number(x) for x in g] if _type(g) is _list else number(g)}


def domain(mg, args: dict) -> dict:
    Dual = mg.forward.Dual
    report: dict = {}
    try:
        Dual(args["x"], 1.0).log()
    except ValueError:
        report["log of x <= 0"] = "ValueError"
    else:
        report["log of x <= 0"] = None
    for name, x in (("sigmoid(+big)", args["big"]), ("sigmoid(-big)", -args["big"])):
        try:
            report[name] = number(Dual(x, 1.0).sigmoid().value)
        except (OverflowError, ZeroDivisionError, ValueError) as error:
            report[name] = {"raised": _type(error).__name__}
    return report


PROBES = {
    "step8.op": op,
    "step8.graph": graph,
    "step8.derivative-and-gradient": derivative_and_gradient,
    "step8.domain": domain,
}
