"""Step 10: the cases (segments, chains) and what a right checkpoint gives: the segment's value,
the gradients of plain backward() (a checkpoint changes how much is kept, never the numbers), and
how many Values may be alive at once.

A segment is a small random graph over its inputs (smooth ops only, so every value is defined);
a chain is n functions v -> tanh(c v + d). Cases are drawn so that every classic checkpointing
mistake gives numbers of its own.
"""

from __future__ import annotations

import math
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation, Spec
from kata.harness.build import FORMS
from kata.oracle.choose import Chooser, attempts, number_between
from kata.oracle.distinct import clear
from kata.oracle.graphs import evaluate, gradients

OPS = ["add", "sub", "mul", "tanh", "sigmoid", "mul_const", "add_const"]
VALUES_PER_STEP = 5  # v * c, + d, tanh: two constants wrapped as Values and three op nodes
CHAIN, EVERY = 12, (3, 4)  # the gradient check's chain: 12 functions, segments of 3 or 4
MEMORY_CHAIN, MEMORY_EVERY = 24, 4  # the memory check's chain


# ---- Segments ---------------------------------------------------------------------------------------


def random_segment(choose: Chooser, inputs: int) -> dict[str, Any]:
    """A graph over `inputs` leaves whose root depends on every leaf."""
    leaves = [number_between(choose, -1.5, 1.5, 0.2) for _ in range(inputs)]
    nodes: list[dict[str, Any]] = []
    for _ in range(choose.integer(3, 5)):
        count = inputs + len(nodes)
        name = choose.pick(OPS)
        args = [choose.integer(max(0, count - 3), count - 1) for _ in range(FORMS[name].arity)]
        node: dict[str, Any] = {"op": name, "args": args}
        if name.endswith("_const"):
            node["const"] = choose.pick([-1.5, -0.5, 0.5, 2.0])
        nodes.append(node)
    while True:  # join what nothing uses yet, until one root depends on everything
        count = inputs + len(nodes)
        used = {i for node in nodes for i in node["args"]}
        ends = [k for k in range(count) if k not in used]
        if len(ends) == 1:
            return {"leaves": leaves, "nodes": nodes}
        nodes.append({"op": choose.pick(["add", "mul"]), "args": ends[:2]})


def slopes(spec: Spec) -> tuple[float, list[float]]:
    """The segment's value and its derivative with respect to each input."""
    values = evaluate(spec)
    return values[-1], gradients(spec, values)[: len(spec["leaves"])]


# ---- Expectations -----------------------------------------------------------------------------------


def expect_forward(args: Args, observation: Observation) -> Expectation:
    value, _ = slopes(args["spec"])
    return {"expected": {"value": value, "inputs": list(range(len(args["inputs"])))}}


def closure_runs(args: Args) -> tuple[dict[str, list[float]], list[Any]]:
    """What the checkpoint's _backward leaves in its inputs' grads, from 0 and from p: right, and [bug, runs]."""
    _, d = slopes(args["spec"])
    g, p = args["out_grad"], args["p"]
    right = {"first": [g * x for x in d], "second": [p + g * x for x in d]}
    wrong = [
        ["checkpoint-not-reconnected", {"first": [0.0 for _ in d], "second": [p for _ in d]}],
        # stand-ins kept from an earlier call: backward() adds into their grads again
        ["checkpoint-accumulates-twice", {"first": [g * x for x in d], "second": [p + 2 * g * x for x in d]}],
        # the segment rebuilt on the inputs themselves: its backward() adds into them, then the share again
        ["checkpoint-accumulates-twice", {"first": [x * (1 + g) for x in d], "second": [(p + x) * (1 + g) for x in d]}],
        ["forgets-out-grad", {"first": list(d), "second": [p + x for x in d]}],
        ["assign-instead-of-accumulate", {"first": [g * x for x in d], "second": [g * x for x in d]}],
    ]
    return right, wrong


def expect_backward_closure(args: Args, observation: Observation) -> Expectation:
    right, wrong = closure_runs(args)
    return {"expected": right, "alternatives": wrong}


def chain_values(x: float, chain: list[Any]) -> list[float]:
    values = [x]
    for c, d in chain:
        values.append(math.tanh(c * values[-1] + d))
    return values


def chain_slope(values: list[float], chain: list[Any]) -> float:
    """d(last)/d(first) of the chain, along the values it went through."""
    slope = 1.0
    for (c, _), out in zip(chain, values[1:]):
        slope *= c * (1 - out * out)
    return slope


def late_binding_slope(x: float, chain: list[Any], every: int) -> float:
    """What backward() gives when every segment is rebuilt with the last segment's functions."""
    values = chain_values(x, chain)
    last = chain[(len(chain) - 1) // every * every :]
    slope = 1.0
    for start in range(0, len(chain), every):
        slope *= chain_slope(chain_values(values[start], last), last)
    return slope


def one_spec(args: Args) -> dict[str, Any]:
    """The whole expression of the one-checkpoint case: y = segment(a, b); loss = y * a + b."""
    spec = args["spec"]
    root = len(spec["leaves"]) + len(spec["nodes"]) - 1
    nodes = [*spec["nodes"], {"op": "mul", "args": [root, 0]}, {"op": "add", "args": [root + 1, 1]}]
    return {"leaves": list(args["inputs"]), "nodes": nodes}


def expect_gradients(args: Args, observation: Observation) -> Expectation:
    if "chain" in args:
        values = chain_values(args["x"], args["chain"])
        right = {"value": values[-1], "grads": [chain_slope(values, args["chain"])]}
        wrong = [
            ["checkpoint-not-reconnected", {"value": values[-1], "grads": [0.0]}],
            [
                "checkpoint-late-binding",
                {"value": values[-1], "grads": [late_binding_slope(args["x"], args["chain"], args["every"])]},
            ],
        ]
        return {"expected": right, "alternatives": wrong}
    whole = one_spec(args)
    values = evaluate(whole)
    grads = gradients(whole, values)
    y = values[len(whole["leaves"]) + len(args["spec"]["nodes"]) - 1]
    right = {"value": values[-1], "grads": grads[:2]}
    wrong = [["checkpoint-not-reconnected", {"value": values[-1], "grads": [y, 1.0]}]]
    return {"expected": right, "alternatives": wrong}


def memory_bound(args: Args) -> int:
    """The most live Values a checkpointed chain may need: about one per segment boundary, plus one
    segment at a time, doubled for what an implementation may keep on the way, plus a few."""
    every: int = args["every"]
    segments = math.ceil(len(args["chain"]) / every)
    return 2 * (segments + VALUES_PER_STEP * every) + 10


def expect_memory(args: Args, observation: Observation) -> Expectation:
    return {
        "at most": memory_bound(args),
        "plain": 1 + VALUES_PER_STEP * len(args["chain"]),
        "segments": math.ceil(len(args["chain"]) / args["every"]),
    }


EXPECT = {
    "step10.forward": expect_forward,
    "step10.backward-closure": expect_backward_closure,
    "step10.gradients": expect_gradients,
    "step10.memory": expect_memory,
}


# ---- Drawing the cases ------------------------------------------------------------------------------


def _segment_label(spec: Spec) -> str:
    return f"a segment of {len(spec['nodes'])} ops over {len(spec['leaves'])} input(s)"


def forward_case(choose: Chooser, inputs: int) -> Case:
    spec = random_segment(choose, inputs)
    return Case("step10.forward", {"spec": spec, "inputs": spec["leaves"]}, _segment_label(spec))


def closure_case(choose: Chooser, inputs: int) -> Case:
    for _ in attempts():
        spec = random_segment(choose, inputs)
        args = {
            "spec": spec,
            "inputs": spec["leaves"],
            "out_grad": choose.pick([-1.5, -0.5, 2.5, 3.0]),
            "p": number_between(choose, 0.5, 2.0),
        }
        _, d = slopes(spec)
        right, wrong = closure_runs(args)
        if all(abs(x) > 0.05 for x in d) and clear(right, wrong):
            label = f"{_segment_label(spec)}, out.grad = {args['out_grad']}, the inputs' grads at 0 then {args['p']}"
            return Case("step10.backward-closure", args, label)
    raise AssertionError("unreachable")


def chain(choose: Chooser, length: int) -> list[list[float]]:
    return [[number_between(choose, 0.6, 1.6), number_between(choose, -0.5, 0.5)] for _ in range(length)]


def chain_case(choose: Chooser) -> Case:
    for _ in attempts():
        args = {"x": number_between(choose, -1.0, 1.0, 0.2), "chain": chain(choose, CHAIN), "every": choose.pick(EVERY)}
        expected = expect_gradients(args, {})
        if abs(expected["expected"]["grads"][0]) > 1e-3 and clear(expected["expected"], expected["alternatives"]):
            label = f"a chain of {CHAIN} steps v -> tanh(c v + d), checkpointed every {args['every']}"
            return Case("step10.gradients", args, label)
    raise AssertionError("unreachable")


def one_case(choose: Chooser) -> Case:
    for _ in attempts():
        spec = random_segment(choose, 2)
        args = {"spec": spec, "inputs": spec["leaves"]}
        expected = expect_gradients(args, {})
        if clear(expected["expected"], expected["alternatives"]):
            return Case(
                "step10.gradients", args, f"one checkpoint: y = {_segment_label(spec)} (a, b), loss = y * a + b"
            )
    raise AssertionError("unreachable")


def memory_case(choose: Chooser) -> Case:
    args = {"x": number_between(choose, -1.0, 1.0, 0.2), "chain": chain(choose, MEMORY_CHAIN), "every": MEMORY_EVERY}
    return Case("step10.memory", args, f"a chain of {MEMORY_CHAIN} steps, checkpointed every {MEMORY_EVERY}")


RANDOM = {"step10.gradients": chain_case}


def cases(choose: Chooser) -> list[Case]:
    return [
        forward_case(choose, 1),
        forward_case(choose, 2),
        closure_case(choose, 1),
        closure_case(choose, 2),
        chain_case(choose),
        one_case(choose),
        memory_case(choose),
    ]
