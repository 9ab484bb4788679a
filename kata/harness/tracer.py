"""The kata's engine for steps 5-7: Values that record the computation and ask for every number.

Steps 5-7 (the network, the training loop, the optimisers) use an engine, but a bug in the
student's engine (steps 2-4) must not cost points there. So in the grader those steps run on this
engine instead: it has the student-facing API of `Value` (data, grad, _prev, _op, label, the
operators, number ** Value, exp, log, tanh, relu, sigmoid, backward), and it computes nothing
itself. Every operation only records a new node; when a number is needed (reading `.data` of a
result, or `backward()`), the nodes recorded so far are sent to an evaluator, which answers with
the numbers. In the grader the evaluator is the grading parent, over the child's channel; nothing
here can compute a value, a derivative or an order.

A node's data is fixed when it is made, as in an eager engine: each leaf value is a version, and
setting `.data` (an optimiser step) makes a new version, so results made earlier keep the values
their inputs had when they were made.

Messages to the evaluator (plain data):
    {"add": [...], "want": "values", "vids": [vid, ...]}  ->  {"values": [x, ...]}
    {"add": [...], "want": "backward", "root": oid, "objects": [[oid, vid, grad, [kid oid, ...], op, const], ...]}
        ->  {"grads": [g, ...] (one per object, in order), "values": [x, ...] (each object's data)}
where "add" lists the versions made since the last message: [vid, "leaf", x] or [vid, op, const, [kid vid, ...]].

A node made by the constructor with inputs, Value(data, (a, b), "name"), is a custom node: its data is
what it was given, and its own _backward says how its inputs' grads change (gradient checkpointing,
step 10, makes such nodes). Before asking for a backward pass, the engine runs each custom node's
_backward once on its own, with out.grad = PROBE_GRAD and its inputs' grads at 0 (every other grad is
put back afterwards), and sends what it added to each input: an object's op is then "custom" and its
const [PROBE_GRAD, added to input 1, ...]. The evaluator divides, and treats the node like any op.

The engine also counts its live Values (made and not yet freed) and the most there were since
`__kata_memory__.start()`: what the checkpointing check measures, by reference counting, so the same
code always gives the same count.
"""

from __future__ import annotations

import types
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    from typing import Any

_type = type
_float = float
_int = int
_len = len
_isinstance = isinstance
_tuple = tuple
_id = id
_hasattr = hasattr
_all = all
_NUMBERS = (int, float)

Evaluator = Callable[[dict], dict]


class EngineError(RuntimeError):
    """The kata's engine could not get a number from its evaluator."""


class _Table:
    """Every version and object this engine has made; what the evaluator was not yet told."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.versions = 0
        self.objects = 0
        self.pending: list[list] = []
        self.known: dict[int, float] = {}
        self.live = 0  # Values made and not yet freed
        self.peak = 0  # the most live Values since Memory.start()

    def leaf(self, value: float) -> int:
        vid = self.versions
        self.versions += 1
        self.pending.append([vid, "leaf", value])
        self.known[vid] = value
        return vid

    def op(self, name: str, const: Any, kids: list[int]) -> int:
        vid = self.versions
        self.versions += 1
        self.pending.append([vid, name, const, kids])
        return vid

    def ask(self, message: dict) -> dict:
        message["add"], self.pending = self.pending, []
        reply = self.evaluator(message)
        if _type(reply) is not dict or "error" in reply:
            raise EngineError(f"the kata's engine could not evaluate this: {reply.get('error', reply)!r:.200}")
        return reply

    def values(self, vids: list[int]) -> list[float]:
        wanted = [v for v in vids if v not in self.known]
        if wanted:
            reply = self.ask({"want": "values", "vids": wanted})
            for vid, value in zip(wanted, reply["values"]):
                self.known[vid] = _float(value)
        return [self.known[v] for v in vids]


def _nothing() -> None:
    return None


PROBE_GRAD = 1.5  # the out.grad a custom node's _backward is run with, on its own (not 1: a factor shows)


class Memory:
    """The kata engine's count of its live Values, for the checks that measure memory (step 10)."""

    def __init__(self, table: _Table) -> None:
        self._table = table

    def start(self) -> int:
        """Start measuring a peak from now; the Values live now."""
        self._table.peak = self._table.live
        return self._table.live

    def live(self) -> int:
        return self._table.live

    def peak(self) -> int:
        """The most Values that were live at once since start()."""
        return self._table.peak


def make_engine(evaluator: Evaluator, name: str = "micrograd.engine") -> types.ModuleType:
    """A module that can stand in for micrograd/engine.py: its `Value` records, `evaluator` computes."""
    table = _Table(evaluator)

    class Value:
        """A scalar of the kata's engine: same API as the student's Value, numbers from the evaluator."""

        def __init__(self, data: object, _children: tuple = (), _op: str = "", label: str = "") -> None:
            if _type(data) not in _NUMBERS:
                raise TypeError(f"Value(data) needs an int or a float, got {_type(data).__name__}")
            self._k_oid = table.objects
            table.objects += 1
            table.live += 1
            if table.live > table.peak:
                table.peak = table.live
            self._k_vid = table.leaf(_float(data))  # type: ignore[arg-type]
            children = _tuple(_children)
            self._k_kids: tuple = (
                _distinct(children) if children and _all(_isinstance(c, Value) for c in children) else ()
            )
            self._k_op = "custom" if self._k_kids else ""
            self._k_const: Any = None
            self._prev = children
            self._op = _op
            self.label = label
            self.grad = 0.0
            self._backward = _nothing

        @classmethod
        def _made(cls, op: str, kids: tuple, const: Any = None) -> Value:
            out = cls.__new__(cls)
            out._k_oid = table.objects
            table.objects += 1
            table.live += 1
            if table.live > table.peak:
                table.peak = table.live
            out._k_vid = table.op(op, const, [kid._k_vid for kid in kids])
            out._k_kids = kids
            out._k_op = op
            out._k_const = const
            out._prev = kids
            out._op = op
            out.label = ""
            out.grad = 0.0
            out._backward = _nothing
            return out

        def __del__(self) -> None:
            if _hasattr(self, "_k_oid"):  # counted: made by __init__ or _made, not bare by __new__
                table.live -= 1

        @property
        def data(self) -> float:
            return table.values([self._k_vid])[0]

        @data.setter
        def data(self, value: object) -> None:
            if _type(value) not in _NUMBERS:
                raise TypeError(f"the kata's engine stores numbers only, got {_type(value).__name__}")
            self._k_vid = table.leaf(_float(value))  # type: ignore[arg-type]

        def __repr__(self) -> str:
            return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

        # ---- operations: each records a node ----

        @classmethod
        def _wrap(cls, x: object) -> Value | None:
            if _isinstance(x, cls):
                return x  # type: ignore[return-value]
            if _type(x) in _NUMBERS:
                return cls(x)
            return None

        def _binary(self, op: str, other: object, reflected: bool = False) -> Any:
            wrapped = self._wrap(other)
            if wrapped is None:
                return NotImplemented
            kids = (wrapped, self) if reflected else (self, wrapped)
            return self._made(op, kids)

        def __add__(self, other: object) -> Any:
            return self._binary("add", other)

        def __radd__(self, other: object) -> Any:
            return self._binary("add", other, reflected=True)

        def __sub__(self, other: object) -> Any:
            return self._binary("sub", other)

        def __rsub__(self, other: object) -> Any:
            return self._binary("sub", other, reflected=True)

        def __mul__(self, other: object) -> Any:
            return self._binary("mul", other)

        def __rmul__(self, other: object) -> Any:
            return self._binary("mul", other, reflected=True)

        def __truediv__(self, other: object) -> Any:
            return self._binary("div", other)

        def __rtruediv__(self, other: object) -> Any:
            return self._binary("div", other, reflected=True)

        def __pow__(self, exponent: object) -> Value:
            if _type(exponent) not in _NUMBERS:
                raise TypeError(f"Value ** exponent needs an int or float exponent, got {_type(exponent).__name__}")
            return self._made("pow", (self,), _float(exponent))  # type: ignore[arg-type]

        def __rpow__(self, base: object) -> Any:
            if _type(base) not in _NUMBERS:
                return NotImplemented
            if base <= 0:  # type: ignore[operator]
                raise ValueError(f"number ** Value needs a positive number on the left, got {base!r}")
            return self._made("rpow", (self,), _float(base))  # type: ignore[arg-type]

        def __neg__(self) -> Value:
            return self._made("neg", (self,))

        def exp(self) -> Value:
            return self._made("exp", (self,))

        def log(self) -> Value:
            return self._made("log", (self,))

        def tanh(self) -> Value:
            return self._made("tanh", (self,))

        def relu(self) -> Value:
            return self._made("relu", (self,))

        def sigmoid(self) -> Value:
            return self._made("sigmoid", (self,))

        def backward(self) -> None:
            """Fill in every reachable node's grad, as the reference engine would (the root's grad set
            to 1.0, every other grad added to), computed by the evaluator."""
            found = _reachable(self)
            local = {node._k_oid: _local(node, found) for node in found if node._k_op == "custom"}
            objects = []
            for node in found:
                grad = node.grad
                if _type(grad) not in _NUMBERS:
                    raise TypeError(f"a grad must be a number, got {_type(grad).__name__}")
                objects.append(
                    [
                        node._k_oid,
                        node._k_vid,
                        _float(grad),
                        [k._k_oid for k in node._k_kids],
                        node._k_op,
                        local.get(node._k_oid, node._k_const),
                    ]
                )
            reply = table.ask({"want": "backward", "root": self._k_oid, "objects": objects})
            for node, grad, value in zip(found, reply["grads"], reply["values"]):
                node.grad = _float(grad)
                table.known.setdefault(node._k_vid, _float(value))

    def _local(node: Any, found: list[Any]) -> list[float]:
        """[PROBE_GRAD, what node's own _backward adds to each input]: run on its own, with out.grad =
        PROBE_GRAD and the inputs' grads at 0; every grad of the graph is put back afterwards."""
        saved = [other.grad for other in found]
        try:
            for kid in node._k_kids:
                kid.grad = 0.0
            node.grad = PROBE_GRAD
            if node._backward is not _nothing:
                node._backward()
            added = [kid.grad for kid in node._k_kids]
        finally:
            for other, grad in zip(found, saved):
                other.grad = grad
        for grad in added:
            if _type(grad) not in _NUMBERS:
                raise TypeError(f"a grad must be a number, got {_type(grad).__name__}")
        return [PROBE_GRAD, *(_float(g) for g in added)]  # type: ignore[arg-type]

    def _reachable(root: Any) -> list[Any]:
        """Every object reachable from root through the nodes' recorded inputs (in no useful order)."""
        seen = {root._k_oid}
        found = [root]
        stack = [root]
        while stack:
            for kid in stack.pop()._k_kids:
                if kid._k_oid not in seen:
                    seen.add(kid._k_oid)
                    found.append(kid)
                    stack.append(kid)
        return found

    module = types.ModuleType(name, "The kata's engine: records the computation, asks the grader for the numbers.")
    module.Value = Value  # type: ignore[attr-defined]
    module.__kata_engine__ = True  # type: ignore[attr-defined]
    module.__kata_memory__ = Memory(table)  # type: ignore[attr-defined]
    return module


def _distinct(values: tuple) -> tuple:
    """The members of values, each once (by identity), in order."""
    seen: set[int] = set()
    out = []
    for value in values:
        if _id(value) not in seen:
            seen.add(_id(value))
            out.append(value)
    return _tuple(out)


def install(package: str, evaluator: Evaluator) -> types.ModuleType:
    """Put the kata's engine in place of `package.engine`, before the package's other modules are
    imported (their `from .engine import Value` then gets the kata's Value). A name the kata's engine
    does not have is looked up in the student's own engine.py, which is imported only then."""
    import importlib.util
    import sys

    engine = make_engine(evaluator, f"{package}.engine")
    parent = sys.modules[package]
    folders = list(getattr(parent, "__path__", []) or [])
    own: list[types.ModuleType] = []

    def __getattr__(name: str) -> object:  # noqa: N807 - a module-level __getattr__ (PEP 562)
        if name.startswith("__") or not folders:
            raise AttributeError(name)
        if not own:
            spec = importlib.util.spec_from_file_location(f"{package}._own_engine", f"{folders[0]}/engine.py")
            if spec is None or spec.loader is None:
                raise AttributeError(name)
            module = importlib.util.module_from_spec(spec)
            module.__package__ = package
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            own.append(module)
        return getattr(own[0], name)

    engine.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[f"{package}.engine"] = engine
    parent.engine = engine  # type: ignore[attr-defined]
    return engine
