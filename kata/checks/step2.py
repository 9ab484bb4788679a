"""Step 2: the Value graph and forward values (micrograd/engine.py)."""

from __future__ import annotations

import random

from kata.checks.core import Case, check, compare
from kata.diagnosis import graph_report
from kata.graphs import OPS, RandomChooser, build_with_ops, evaluate, number_between, random_graph
from kata.numbers import close, show
from kata.observe import number, safe_repr


def _text(x: object) -> object:
    return x if type(x) is str else {"not_a_number": type(x).__name__, "repr": safe_repr(x)}


# ---- A new Value ----------------------------------------------------------------------------


def _judge_leaf(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if got.get("data_type") not in (None, "float") or got.get("Value(int).data is a float") is False:
        problems.append("store data as a float: self.data = float(data)")
    return problems


@check(
    2,
    "new-value",
    "Value(x) is a leaf: data (a float), grad 0.0, no inputs, no op, a do-nothing _backward",
    judge=_judge_leaf,
)
def new_value(mg, args):
    v = mg.Value(args["x"])
    whole = mg.Value(args["n"])
    named = mg.Value(args["x"], (), "", "w")
    backward = v._backward
    result = backward() if callable(backward) else "not callable"
    return {
        "data": number(v.data),
        "data_type": type(v.data).__name__,
        "Value(int).data": number(whole.data),
        "Value(int).data is a float": type(whole.data) is float,
        "grad": number(v.grad),
        "inputs": len(tuple(v._prev)),
        "op": _text(v._op),
        "label": _text(named.label),
        "_backward() returns": _text(result) if result is not None else None,
        "grad after _backward()": number(v.grad),
    }


# ---- One operation --------------------------------------------------------------------------


def _operands(mg, args):
    return [mg.Value(x) for x in args["inputs"]]


def _judge_op(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    op = OPS[args["op"]]
    truth = op.forward(args["inputs"], args.get("const"))
    if not problems and not close(truth, got.get("data")):
        problems.append(f"data: expected {show(truth)} (math), got {show(got.get('data'))}")
    value = got.get("data")
    for bug, forward in op.wrong_forward.items():
        if problems and close(forward(args["inputs"], args.get("const")), value):
            problems.append(f"looks like: {bug}")
    if got.get("inputs found in _prev") == [] and expected.get("inputs found in _prev"):
        problems.append(
            "looks like: the result is detached from its inputs: pass them as _children, Value(..., (self, other), op)"
        )
    return problems


@check(
    2,
    "op-forward",
    "an operation returns a new Value with the right data, its inputs in _prev and an _op",
    judge=_judge_op,
)
def op_forward(mg, args):
    op = OPS[args["op"]]
    operands = _operands(mg, args)
    out = op.build(operands, args.get("const"))
    if not isinstance(out, mg.Value):
        return {"result is a Value": False, "result": _text(safe_repr(out))}
    prev = list(out._prev)
    known = sorted({i for i, x in enumerate(operands) for p in prev if p is x})
    return {
        "result is a Value": True,
        "data": number(out.data),
        "inputs found in _prev": known,
        "a new node (not an input)": all(out is not x for x in operands),
        "_op is a non-empty string": type(out._op) is str and out._op != "",
    }


# ---- Errors the contract asks for -------------------------------------------------------------


@check(2, "pow-exponent-type", "x ** Value(...) raises TypeError (only int and float exponents are supported)")
def pow_exponent_type(mg, args):
    base, exponent = mg.Value(args["x"]), mg.Value(args["n"])
    try:
        base**exponent
    except TypeError:
        return {"raises": "TypeError"}
    return {"raises": None}


def _judge_log(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare({"raises": expected.get("raises")}, {"raises": got.get("raises")})
    message = got.get("message", "")
    x = float(args["x"])
    forms = {repr(x), str(x), f"{x:g}", str(int(x)) if x.is_integer() else repr(x)}
    if not problems and not any(form in message for form in forms):
        problems.append(f"the ValueError's message should name the value {x}; it was {message!r}")
    return problems


@check(2, "log-domain", "Value(x).log() for x <= 0 raises ValueError naming x", judge=_judge_log)
def log_domain(mg, args):
    value = mg.Value(args["x"])
    try:
        value.log()
    except ValueError as error:
        return {"raises": "ValueError", "message": safe_repr(str(error), 300)}
    return {"raises": None, "message": ""}


def _judge_stable(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if any(isinstance(v, dict) and v.get("raised") == "OverflowError" for v in got.values()):
        problems.append(
            "an OverflowError: math.exp of a large number overflows. math.tanh is stable; for sigmoid, "
            "use 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0"
        )
    return problems


@check(2, "stable", "tanh and sigmoid saturate at large |x| without OverflowError", judge=_judge_stable)
def stable(mg, args):
    big = args["big"]
    report = {}
    for name, x in (("tanh(+big)", big), ("tanh(-big)", -big), ("sigmoid(+big)", big), ("sigmoid(-big)", -big)):
        try:
            v = mg.Value(x)
            out = v.tanh() if name.startswith("tanh") else v.sigmoid()
            report[name] = number(out.data)
        except (OverflowError, ZeroDivisionError, ValueError) as error:
            report[name] = {"raised": type(error).__name__}
    return report


# ---- Random graphs ----------------------------------------------------------------------------


def _judge_graph(args: dict, expected: dict, got: dict) -> list[str]:
    if "data" not in got:
        return compare(expected, got)
    problems = graph_report(args["spec"], expected, got, mode="forward")
    truth = evaluate(args["spec"])
    if not problems and not all(close(t, g) for t, g in zip(truth, got["data"])):
        problems = ["the values differ from plain-float maths"]
    return problems


@check(2, "graph-forward", "every node of a random expression graph has the right data", judge=_judge_graph, weight=2.0)
def graph_forward(mg, args):
    nodes = build_with_ops(args["spec"], mg.Value)
    return {"data": [number(n.data) for n in nodes]}


# ---- Cases --------------------------------------------------------------------------------------


def op_inputs(op_name: str, choose: RandomChooser) -> dict:
    """Inputs in the op's domain, with a margin (shared with step 3)."""
    op = OPS[op_name]
    for _ in range(100):
        inputs = [number_between(choose, -2.0, 2.0, avoid_below=0.1) for _ in range(op.arity)]
        const = choose.pick(op.consts) if op.consts else None
        if op.valid(inputs, const):
            args = {"op": op_name, "inputs": inputs}
            if const is not None:
                args["const"] = const
            return args
    raise RuntimeError(f"no valid inputs for {op_name}")


def op_label(args: dict) -> str:
    op = OPS[args["op"]]
    names = ["a", "b"][: op.arity]
    values = ", ".join(f"{n} = {x}" for n, x in zip(names, args["inputs"]))
    return f"{op.describe(names, args.get('const'))} with {values}"


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    x, n = number_between(choose, -3, 3), choose.integer(-9, 9)
    made = [Case(new_value, {"x": x, "n": n}, f"x = {x}, n = {n}")]
    for name in OPS:
        args = op_inputs(name, choose)
        made.append(Case(op_forward, args, op_label(args)))
    x = number_between(choose, 0.5, 2.0)
    made.append(Case(pow_exponent_type, {"x": x, "n": 2}, f"{x} ** Value(2)"))
    for x in (0.0, number_between(choose, -3.0, -0.5)):
        made.append(Case(log_domain, {"x": x}, f"x = {x}"))
    big = float(rng.randint(700, 1200))
    made.append(Case(stable, {"big": big}, f"big = {big:g}"))
    for i in range(6):
        spec = random_graph(choose)
        made.append(Case(graph_forward, {"spec": spec}, f"graph {i + 1}, {len(spec['nodes'])} ops"))
    return made
