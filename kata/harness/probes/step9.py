"""Step 9 probes: the cheap gradient principle (micrograd/cost.py).

Every graph is built by the kata from its description, with bare nodes of the Value class (the
inputs in _prev, the op's name in _op; kata.harness.build.bare_maker): its shape is exactly the
description's, whatever the engine's operators would have made, so the trusted side knows every
count from the case alone. Nothing here counts: the probes report what the student's functions
return, and which of the kata's nodes nodes() listed.
"""

from __future__ import annotations

from kata.harness.build import bare_maker
from kata.harness.observe import number, safe_repr

_id = id
_type = type
_float = float
_tuple = tuple
_sorted = sorted
_getattr = getattr
_enumerate = enumerate
_COLLECTIONS = (list, tuple, set, frozenset)


def _graph(mg, spec: dict) -> list:
    """The spec's nodes, leaves first, the root last."""
    make = bare_maker(mg.Value)
    made = [make(_float(x)) for x in spec["leaves"]]
    for node in spec["nodes"]:
        made.append(make(0.0, _tuple(made[i] for i in node["args"]), node["op"]))
    return made


def nodes(mg, args: dict) -> dict:
    made = _graph(mg, args["spec"])
    found = mg.cost.nodes(made[-1])
    if _type(found) not in _COLLECTIONS:
        return {"nodes": {"not_a_number": _type(found).__name__, "repr": safe_repr(found)}}
    where = {_id(node): k for k, node in _enumerate(made)}
    return {"nodes": _sorted(where.get(_id(node), -1) for node in found)}


def _count(function_name: str):
    def probe(mg, args: dict) -> dict:
        root = _graph(mg, args["spec"])[-1]
        return {"count": number(_getattr(mg.cost, function_name)(root))}

    return probe


def cheap_gradient(mg, args: dict) -> dict:
    """The three counts on every network of the case."""
    rows = []
    for spec in args["networks"]:
        root = _graph(mg, spec)[-1]
        rows.append(
            {
                "forward": number(mg.cost.forward_ops(root)),
                "backward": number(mg.cost.backward_ops(root)),
                "forward mode": number(mg.cost.forward_mode_ops(root)),
            }
        )
    return {"networks": rows}


PROBES = {
    "step9.nodes": nodes,
    "step9.forward-ops": _count("forward_ops"),
    "step9.backward-ops": _count("backward_ops"),
    "step9.forward-mode-ops": _count("forward_mode_ops"),
    "step9.cheap-gradient": cheap_gradient,
}
