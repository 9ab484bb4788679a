"""Step 2 probes: Value, the forward values and the graph (micrograd/engine.py)."""

from __future__ import annotations

from kata.harness.build import FORMS, build_with_ops, reachable_between
from kata.harness.observe import STUB_PATTERN, number, safe_repr

_type = type
_str = str
_len = len
_tuple = tuple
_isinstance = isinstance
_callable = callable
_float = float
_id = id


def _text(x: object) -> object:
    return x if _type(x) is _str else {"not_a_number": _type(x).__name__, "repr": safe_repr(x)}


def new_value(mg, args: dict) -> dict:
    v = mg.Value(args["x"])
    whole = mg.Value(args["n"])
    named = mg.Value(args["x"], (), "", "w")
    a, b = mg.Value(1.0), mg.Value(2.0)
    parent = mg.Value(3.0, (a, b), "+")
    backward = v._backward
    result = backward() if _callable(backward) else "not callable"
    try:
        kept = [any(p is x for p in _tuple(parent._prev)) for x in (a, b)]
    except Exception:  # noqa: BLE001 - an unusable _prev is reported as not keeping them
        kept = [False, False]
    return {
        "data": number(v.data),
        "data_type": _type(v.data).__name__,
        "Value(int).data": number(whole.data),
        "Value(int).data is a float": _type(whole.data) is _float,
        "grad": number(v.grad),
        "inputs": _len(_tuple(v._prev)),
        "op": _text(v._op),
        "label": _text(named.label),
        "_backward() returns": _text(result) if result is not None else None,
        "grad after _backward()": number(v.grad),
        "Value(x, (a, b), op) keeps a and b in _prev": kept,
    }


def op_forward(mg, args: dict) -> dict:
    form = FORMS[args["op"]]
    operands = [mg.Value(x) for x in args["inputs"]]
    out = form.build(operands, args.get("const"))
    if not _isinstance(out, mg.Value):
        return {"result is a Value": False, "result": _text(safe_repr(out))}
    reached = reachable_between(out, ())
    return {
        "result is a Value": True,
        "data": number(out.data),
        "inputs reachable through _prev": [any(node is x for node in reached) for x in operands],
        "a new node": all(out is not x for x in operands),
        "inputs unchanged": [number(x.data) for x in operands],
        "_op is a non-empty string": _type(out._op) is _str and out._op != "",
    }


def pow_exponent_type(mg, args: dict) -> dict:
    report = {}
    from fractions import Fraction  # here, not at import: every other child would pay for it

    for name, exponent in (("Value", mg.Value(args["n"])), ("Fraction", Fraction(1, 2)), ("str", "2")):
        try:
            mg.Value(args["x"]) ** exponent
        except TypeError:
            report[f"x ** {name}"] = "TypeError"
        else:
            report[f"x ** {name}"] = None
    return report


def log_domain(mg, args: dict) -> dict:
    value = mg.Value(args["x"])
    try:
        value.log()
    except ValueError as error:
        return {"raises": "ValueError", "message": safe_repr(_str(error), 300)}
    return {"raises": None, "message": ""}


def rpow_domain(mg, args: dict) -> dict:
    """base ** Value(x) for a base <= 0: which exception it raised (any, so that a TypeError from a complex
    number is reported as data), and its message. The Value is made first, outside the try: an engine
    whose import (or constructor) raises is an error of the case, not the op's answer."""
    value = mg.Value(args["x"])
    try:
        args["base"] ** value
    except Exception as error:
        if _type(error) is NotImplementedError and STUB_PATTERN.match(_str(error)) is not None:
            raise  # a stub: not written yet
        return {"raises": _type(error).__name__, "message": safe_repr(_str(error), 300)}
    return {"raises": None, "message": ""}


def stable(mg, args: dict) -> dict:
    big = args["big"]
    report = {}
    for name, x in (("tanh(+big)", big), ("tanh(-big)", -big), ("sigmoid(+big)", big), ("sigmoid(-big)", -big)):
        try:
            v = mg.Value(x)
            out = v.tanh() if name.startswith("tanh") else v.sigmoid()
            report[name] = number(out.data)
        except (OverflowError, ZeroDivisionError, ValueError) as error:
            report[name] = {"raised": _type(error).__name__}
    return report


def graph_forward(mg, args: dict) -> dict:
    nodes = build_with_ops(args["spec"], mg.Value)
    return {"data": [number(n.data) for n in nodes]}


PROBES = {
    "step2.new-value": new_value,
    "step2.op-forward": op_forward,
    "step2.pow-exponent-type": pow_exponent_type,
    "step2.log-domain": log_domain,
    "step2.rpow-domain": rpow_domain,
    "step2.stable": stable,
    "step2.graph-forward": graph_forward,
}
