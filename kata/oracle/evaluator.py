"""The numbers behind the kata's engine (kata.harness.tracer): values and gradients of the graphs a
child's Values recorded, computed here, in trusted code, with the oracle's formulas.

A "custom" object (a node a student's code made with the constructor and gave its own _backward,
as gradient checkpointing does) comes with what its _backward added to each input for an out.grad
of G, const = [G, added...]: its local derivatives are added / G.

Everything a message holds is checked before it is used (it comes from a process running student
code): versions are numbered in order and refer only to earlier ones, ops are known, numbers are
numbers, and sizes are capped. A message that breaks a rule gets {"error": ...} and the engine in the
child raises; the evaluation never raises, and its work is linear in what it is sent.
"""

from __future__ import annotations

import math
from typing import Any

from kata.oracle.ops import forward, partials

OPS = frozenset({"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "relu", "sigmoid", "rpow"})
CONSTANT = frozenset({"pow", "rpow"})  # the ops with a plain number: the exponent, or the base
ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2}
MAX_VERSIONS = 2_000_000
MAX_OBJECTS = 500_000


class Refused(ValueError):
    """A message the evaluator will not act on; the text says why."""


def _number(x: object) -> float:
    if type(x) is not int and type(x) is not float:
        raise Refused(f"a number was expected, got {type(x).__name__}")
    return float(x)


def _int(x: object) -> int:
    if type(x) is not int:
        raise Refused(f"an index was expected, got {type(x).__name__}")
    return x


def _value(op: str, inputs: list[float], const: Any) -> float:
    try:
        result = forward(op, inputs, const)
    except (ArithmeticError, ValueError):
        return math.nan
    return result if isinstance(result, float) and not isinstance(result, complex) else float("nan")


class Evaluation:
    """One child's engine: every version it described, and their values (computed once each)."""

    def __init__(self) -> None:
        self.kinds: list[tuple[Any, ...]] = []  # vid -> ("leaf", x) | (op, const, kid vids)
        self.values: list[float | None] = []

    def answer(self, message: object) -> dict[str, Any]:
        """The reply to one message of the engine; {"error": ...} when it breaks a rule."""
        try:
            if not isinstance(message, dict):
                raise Refused("a message is a record")
            self._add(message.get("add", []))
            want = message.get("want")
            if want == "values":
                vids = message.get("vids")
                if not isinstance(vids, list) or len(vids) > MAX_VERSIONS:
                    raise Refused("vids must be a list")
                return {"values": [self._value_of(self._vid(v)) for v in vids]}
            if want == "backward":
                return self._backward(message)
            raise Refused(f"unknown request {want!r}")
        except (Refused, RecursionError) as error:
            return {"error": str(error)[:200]}

    # ---- the version table ----

    def _vid(self, v: object) -> int:
        vid = _int(v)
        if not 0 <= vid < len(self.kinds):
            raise Refused(f"version {vid} is unknown")
        return vid

    def _add(self, added: object) -> None:
        if not isinstance(added, list) or len(self.kinds) + len(added) > MAX_VERSIONS:
            raise Refused("too many versions")
        for entry in added:
            if not isinstance(entry, list) or not entry or _int(entry[0]) != len(self.kinds):
                raise Refused("versions must be numbered in order")
            if len(entry) == 3 and entry[1] == "leaf":
                self.kinds.append(("leaf", _number(entry[2])))
                self.values.append(_number(entry[2]))
                continue
            if len(entry) != 4 or entry[1] not in OPS or not isinstance(entry[3], list):
                raise Refused("an op version is [vid, op, const, [kid vids]]")
            op, const, kids = entry[1], entry[2], [self._vid(k) for k in entry[3]]
            if len(kids) != ARITY.get(op, 1):
                raise Refused(f"{op} takes {ARITY.get(op, 1)} input(s)")
            if op in CONSTANT:
                const = _number(const)
            elif const is not None:
                raise Refused(f"{op} takes no constant")
            self.kinds.append((op, const, kids))
            self.values.append(None)

    def _value_of(self, vid: int) -> float:
        """The value of a version; kids always have smaller numbers, so one pass upward is enough."""
        if self.values[vid] is None:
            pending = [vid]
            while pending:
                top = pending[-1]
                _, const, kids = self.kinds[top]
                missing = [k for k in kids if self.values[k] is None]
                if missing:
                    pending.extend(missing)
                    continue
                pending.pop()
                if self.values[top] is None:
                    op = self.kinds[top][0]
                    self.values[top] = _value(op, [self.values[k] for k in kids], const)
        value = self.values[vid]
        if value is None:
            raise AssertionError(f"version {vid} was not evaluated")
        return value

    # ---- backward ----

    def _backward(self, message: dict[str, object]) -> dict[str, Any]:
        objects = message.get("objects")
        if not isinstance(objects, list) or not objects or len(objects) > MAX_OBJECTS:
            raise Refused("objects must be a non-empty list")
        index: dict[int, int] = {}
        rows: list[list[Any]] = []
        for row in objects:
            if not isinstance(row, list) or len(row) != 6:
                raise Refused("an object is [oid, vid, grad, [kid oids], op, const]")
            oid, vid, grad = _int(row[0]), self._vid(row[1]), _number(row[2])
            if oid in index:
                raise Refused("an object is listed twice")
            kids = row[3]
            if not isinstance(kids, list):
                raise Refused("kids must be a list")
            op = row[4]
            if op != "" and op != "custom" and op not in OPS:
                raise Refused(f"unknown op {op!r}")
            if op == "custom":
                const = row[5]
                if not isinstance(const, list) or len(const) != len(kids) + 1 or not kids:
                    raise Refused("a custom object's const is [G, one number per input]")
                if _number(const[0]) == 0.0:
                    raise Refused("a custom object's G must not be 0")
                for x in const[1:]:
                    _number(x)
            index[oid] = len(rows)
            rows.append([oid, vid, grad, kids, op, row[5]])
        root = index.get(_int(message.get("root")))
        if root is None:
            raise Refused("the root is not among the objects")
        kid_rows: list[list[int]] = []
        for row in rows:
            found = [index.get(_int(k)) for k in row[3]]
            arity = len(found) if row[4] == "custom" else ARITY.get(row[4], 1)
            if any(k is None for k in found) or (row[4] and len(found) != arity):
                raise Refused("an object's inputs must be listed objects")
            kid_rows.append([k for k in found if k is not None])
        order = _reverse_order(root, kid_rows)
        grads = [row[2] for row in rows]
        data = [self._value_of(row[1]) for row in rows]
        grads[root] = 1.0
        for i in order:  # every object after all the objects that use it
            op = rows[i][4]
            if not op:
                continue
            kids = kid_rows[i]
            if op == "custom":
                scale, *added = rows[i][5]
                local = tuple(a / scale for a in added)
            else:
                const = _number(rows[i][5]) if op in CONSTANT else None
                try:
                    local = partials(op, [data[k] for k in kids], data[i], const)
                except (ArithmeticError, ValueError):
                    local = (math.nan,) * len(kids)
            for k, d in zip(kids, local):
                grads[k] += d * grads[i]
        return {"grads": grads, "values": data}


def _reverse_order(root: int, kids: list[list[int]]) -> list[int]:
    """The objects reachable from root, each before its inputs (for the chain rule, output first)."""
    order: list[int] = []
    done: set[int] = set()
    stack: list[tuple[int, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in done:
            done.add(node)
            stack.append((node, True))
            stack.extend((k, False) for k in kids[node] if k not in done)
    order.reverse()
    return order
