"""Step 3 probes: the _backward closures (micrograd/engine.py).

Each closure is run on its own, in isolation: every node around it has its grad set by the probe,
the closure runs, and the probe reads what it added to each node. It runs twice, once with the
other grads at 0 and once at p, which shows whether it adds (+=) or assigns (=). The closures of
the nodes an op made on its way (a student may write `a - b` as `a + (-b)`) are run the same way.
Composing these local contributions into gradients is the judge's job: nothing here runs a
backward pass, and a broken backward() (step 4) costs nothing in step 3.
"""

from __future__ import annotations

from kata.harness.build import FORMS, build_with_ops, inputs_of, reachable_between
from kata.harness.observe import STUB_PATTERN, describe_exception, number, safe_repr

_id = id
_len = len
_type = type
_str = str
_isinstance = isinstance
_enumerate = enumerate

GRAD = 1.37  # the grad an intermediate node gets while its closure runs (any number but 0 and 1)


class NotBuilt(Exception):
    """The op could not be made with the student's step 2 code; the check cannot judge step 3 here."""


def _op_text(node: object) -> str:
    try:
        op = node._op  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        return "?"
    return op if _type(op) is _str else safe_repr(op, 20)


def _isolated(node, known: list, g: float, p: float) -> dict:
    """Run node._backward() twice with every known node's grad set: 0, then p; node.grad = g.

    An exception from the closure is reported as data (the judge decides whose it is: a closure given
    a wrong forward value by step 2's code can fail for that reason alone); a stub's propagates."""
    saved = [k.grad for k in known]
    try:
        for k in known:
            k.grad = 0.0
        node.grad = g
        node._backward()
        first = [number(k.grad) for k in known]
        for k in known:
            k.grad = p
        node.grad = g
        node._backward()
        second = [number(k.grad) for k in known]
    except Exception as error:
        if _is_stub(error):
            raise
        return {"raised": describe_exception(error, None)}
    finally:
        for k, grad in zip(known, saved):
            k.grad = grad
    return {"first": first, "second": second}


def _around(out, operands: list, stop: list, g: float, p: float) -> dict:
    """The runs of out's closure and of every node between out and its operands (stopping at `stop`)."""
    distinct: list = []
    for x in operands:
        if all(x is not y for y in distinct):
            distinct.append(x)
    made = reachable_between(out, stop)
    known = distinct + [n for n in made if all(n is not x for x in distinct)]
    where = {_id(n): i for i, n in _enumerate(known)}
    nodes = []
    for n in known:
        nodes.append(
            {"data": number(n.data), "op": _op_text(n), "inputs": [where.get(_id(m), -1) for m in inputs_of(n)]}
        )
    runs = []
    for i in range(_len(distinct), _len(known)):
        grad = g if known[i] is out else GRAD
        runs.append({"node": i, "grad": grad, **_isolated(known[i], known, grad, p)})
    return {"operands": _len(distinct), "nodes": nodes, "runs": runs}


def _is_stub(error: BaseException) -> bool:
    return _type(error) is NotImplementedError and STUB_PATTERN.match(_str(error)) is not None


def _build(form, operands: list, const):
    try:
        return form.build(operands, const)
    except Exception as error:
        if _is_stub(error):
            raise  # not written yet: the verdict says which step
        raise NotBuilt(safe_repr(describe_exception(error, None).get("message", ""), 200)) from error


def op_backward(mg, args: dict) -> dict:
    form = FORMS[args["op"]]
    operands = [mg.Value(x) for x in args["inputs"]]
    if args.get("same operand"):
        operands = [operands[0]] * form.arity
    try:
        out = _build(form, operands, args.get("const"))
    except NotBuilt as error:
        return {"built": False, "why": _str(error)}
    if not _isinstance(out, mg.Value) or any(out is x for x in operands):
        return {"built": False, "why": "the op did not return a new Value"}
    return {"built": True, **_around(out, operands, operands, args["out_grad"], args["p"])}


def graph_closures(mg, args: dict) -> dict:
    spec = args["spec"]
    try:
        nodes = build_with_ops(spec, mg.Value)
    except Exception as error:
        if _is_stub(error):
            raise
        return {"built": False, "why": safe_repr(describe_exception(error, None).get("message", ""), 200)}
    first = _len(spec["leaves"])
    ops = []
    for j, node in _enumerate(spec["nodes"]):
        k = first + j
        operands = [nodes[i] for i in node["args"]]
        out = nodes[k]
        if not _isinstance(out, mg.Value) or any(out is x for x in nodes[:k]):
            return {"built": False, "why": f"node v{k} is not a new Value"}
        ops.append(_around(out, operands, nodes[:k], args["out_grad"], args["p"]))
    return {"built": True, "data": [number(n.data) for n in nodes], "ops": ops}


# the nodes of the warm-up's expression, f(x, y, z) = (x + y) * z + exp(x * z), as its docstring names them
BY_HAND_NODES = ("x", "y", "z", "s", "p", "q", "r", "f")


def by_hand(mg, args: dict) -> dict:
    """What backprop_by_hand(x, y, z) returned for every node: [value, gradient], or what it was instead."""
    got = mg.engine.backprop_by_hand(args["x"], args["y"], args["z"])
    if _type(got) is not dict:
        return {"result": {"not_a_number": _type(got).__name__, "repr": safe_repr(got)}}
    nodes: dict = {}
    for name in BY_HAND_NODES:
        if name not in got:
            nodes[name] = "missing"
            continue
        pair = got[name]
        if _type(pair) in (tuple, list) and _len(pair) == 2:
            nodes[name] = [number(pair[0]), number(pair[1])]
        else:
            nodes[name] = {"not_a_number": _type(pair).__name__, "repr": safe_repr(pair)}
    return {"nodes": nodes}


PROBES = {
    "step3.by-hand": by_hand,
    "step3.op-backward": op_backward,
    "step3.accumulate": op_backward,
    "step3.graph-closures": graph_closures,
}
