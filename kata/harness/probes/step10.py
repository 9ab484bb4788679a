"""Step 10 probes: gradient checkpointing (micrograd/checkpoint.py).

The segments and the chain are the kata's own functions (kata.harness.build's op forms, applied to
the Values they are given). In the grader they run on the kata's engine (kata.harness.tracer),
which counts its live Values by reference counting, with the cyclic collector paused so that
nothing else frees a Value in the middle. Where the student's own engine runs (a notebook, the
student release), the probe counts the Values of the student's class itself, after a full
collection, at the end of every function of the chain (gc.freeze() first sets aside everything
older, so that each collection walks only the chain's objects). Either way the same code gives the same
count on every run and every machine. Nothing here computes a value or a gradient: the probes
report the student's numbers, and which Values the checkpoint's output holds as inputs.
"""

from __future__ import annotations

import gc

from kata.harness.build import build_with_ops
from kata.harness.observe import number

_id = id
_type = type
_len = len
_list = list
_sorted = sorted
_enumerate = enumerate
_getattr = getattr
_sum = sum
_gc_collect = gc.collect
_gc_objects = gc.get_objects
_gc_isenabled = gc.isenabled
_gc_enable = gc.enable
_gc_disable = gc.disable
_gc_freeze = gc.freeze
_gc_unfreeze = gc.unfreeze


def _segment(spec: dict):
    """The segment of the description: a function of its leaves, built with the Values' own operators."""

    def segment(*inputs):
        return build_with_ops(spec, None, _list(inputs))[-1]

    return segment


class _Counted:
    """The kata's engine counts its own live Values."""

    def __init__(self, memory) -> None:
        self.memory = memory
        self.base = 0

    def start(self) -> None:
        self.base = self.memory.start()

    def sample(self) -> None:
        return None

    def peak(self) -> int:
        return self.memory.peak() - self.base


class _Sampled:
    """Any other engine: a full collection, then the Values of its class, at every sample."""

    def __init__(self, value_class: type) -> None:
        self.value_class = value_class
        self.base = self.most = 0

    def live(self) -> int:
        _gc_collect()
        kind = self.value_class
        return _sum(1 for o in _gc_objects() if _type(o) is kind)

    def start(self) -> None:
        self.base = self.most = self.live()

    def sample(self) -> None:
        live = self.live()
        if live > self.most:
            self.most = live

    def peak(self) -> int:
        self.sample()
        return self.most - self.base


class _Quiet:
    """No measuring (the gradient checks)."""

    def sample(self) -> None:
        return None


def _meter(mg):
    try:
        memory = _getattr(mg.engine, "__kata_memory__")
    except AttributeError:
        return _Sampled(mg.Value)
    return _Counted(memory)


def _chain(args: dict, meter) -> list:
    """The chain's functions v -> tanh(c v + d), each sampling the live Values when it is done."""
    functions = []
    for c, d in args["chain"]:

        def step(v, c=c, d=d):
            out = (v * c + d).tanh()
            meter.sample()
            return out

        functions.append(step)
    return functions


def one_checkpoint(mg, args: dict) -> dict:
    inputs = [mg.Value(x) for x in args["inputs"]]
    out = mg.checkpoint.checkpoint(_segment(args["spec"]), *inputs)
    where = {_id(x): i for i, x in _enumerate(inputs)}
    try:
        prev = _sorted(where.get(_id(node), -1) for node in out._prev)
    except Exception:  # noqa: BLE001 - no _prev, or not a collection
        prev = None
    return {"value": number(out.data), "inputs": prev}


def backward_closure(mg, args: dict) -> dict:
    """The checkpoint's own _backward, run on its own: with out.grad set and the inputs' grads at 0,
    then at p (does it add, and by how much?)."""
    inputs = [mg.Value(x) for x in args["inputs"]]
    out = mg.checkpoint.checkpoint(_segment(args["spec"]), *inputs)
    runs = []
    for start in (0.0, args["p"]):
        for x in inputs:
            x.grad = start
        out.grad = args["out_grad"]
        out._backward()
        runs.append([number(x.grad) for x in inputs])
    return {"first": runs[0], "second": runs[1]}


def through_checkpoints(mg, args: dict) -> dict:
    if "chain" in args:
        x = mg.Value(args["x"])
        out = mg.checkpoint.sequential(_chain(args, _Quiet()), x, args["every"])
        out.backward()
        return {"value": number(out.data), "grads": [number(x.grad)]}
    a, b = mg.Value(args["inputs"][0]), mg.Value(args["inputs"][1])
    y = mg.checkpoint.checkpoint(_segment(args["spec"]), a, b)
    loss = y * a + b  # a is used inside the checkpoint and outside it
    loss.backward()
    return {"value": number(loss.data), "grads": [number(a.grad), number(b.grad)]}


def memory(mg, args: dict) -> dict:
    """The most Values alive at once during forward and backward: the chain as it is, then with
    sequential(..., every)."""
    meter = _meter(mg)
    functions = _chain(args, meter)
    enabled = _gc_isenabled()
    _gc_disable()
    _gc_collect()
    _gc_freeze()  # what lives now is set aside: a sample's collection then walks only the chain's objects
    try:
        meter.start()
        x = mg.Value(args["x"])
        out = x
        for f in functions:
            out = f(out)
        out.backward()
        plain = meter.peak()
        x = out = None
        meter.start()
        x = mg.Value(args["x"])
        out = mg.checkpoint.sequential(functions, x, args["every"])
        out.backward()
        peak = meter.peak()
    finally:
        _gc_unfreeze()
        if enabled:
            _gc_enable()
    return {"peak": number(peak), "plain peak": number(plain)}


PROBES = {
    "step10.forward": one_checkpoint,
    "step10.backward-closure": backward_closure,
    "step10.gradients": through_checkpoints,
    "step10.memory": memory,
}
