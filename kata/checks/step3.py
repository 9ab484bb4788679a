"""Step 3: local derivatives, the _backward closures (micrograd/engine.py).

These checks call the closures themselves (set out.grad, call out._backward()) and, for whole
graphs, run them in a known-good order with a kata-made driver. So they need step 2 (to build the
graph) but not step 4: a broken backward() costs no point here.
"""

from __future__ import annotations

import math
import random

from kata.checks.core import Case, check, compare
from kata.checks.step2 import op_inputs, op_label
from kata.diagnosis import graph_report
from kata.graphs import OPS, RandomChooser, build_with_ops, central_differences, number_between, random_graph
from kata.numbers import FINITE_DIFFERENCE, close, show
from kata.observe import number


def _op_nudged(args: dict, position: int, h: float = 1e-6) -> float:
    """d(out)/d(input at position), measured by a central difference with plain floats."""
    op = OPS[args["op"]]

    def at(delta: float) -> float:
        inputs = list(args["inputs"])
        inputs[position] += delta
        return op.forward(inputs, args.get("const"))

    return (at(h) - at(-h)) / (2 * h)


def _judge_backward(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    op = OPS[args["op"]]
    inputs, const, g = args["inputs"], args.get("const"), args["out_grad"]
    output = op.forward(inputs, const)
    exact = op.partials(inputs, output, const)
    grads = got.get("input grads")
    if not isinstance(grads, list) or len(grads) != len(exact):
        return problems
    names = ["a", "b"]
    for i, (d, value) in enumerate(zip(exact, grads)):
        measured = _op_nudged(args, i) * g
        if not problems and not close(measured, value, FINITE_DIFFERENCE):
            problems.append(f"{names[i]}.grad = {show(value)} but a central difference gives {show(measured)}")
        if close(d * g, value):
            continue
        candidates = {"the chain factor out.grad is missing: multiply the local derivative by out.grad": d}
        for bug, wrong in op.wrong_partials.items():
            try:
                candidates[bug] = wrong(inputs, output, const)[i] * g
            except (ArithmeticError, ValueError):
                continue
        candidates["nothing reached this input: is out._backward = _backward set, and does it update this input?"] = 0.0
        candidates["the sign is flipped"] = -d * g
        for bug, alternative in candidates.items():
            if math.isfinite(alternative) and close(alternative, value):
                problems.append(f"looks like ({names[i]}): {bug}")
                break
    return problems


@check(
    3, "op-backward", "an op's _backward adds out.grad * (local derivative) to each input's grad", judge=_judge_backward
)
def op_backward(mg, args):
    op = OPS[args["op"]]
    operands = [mg.Value(x) for x in args["inputs"]]
    out = op.build(operands, args.get("const"))
    out.grad = args["out_grad"]
    out._backward()
    return {"input grads": [number(x.grad) for x in operands]}


# ---- Accumulation -------------------------------------------------------------------------------

SCENARIOS = {
    "a + a": "b = a + a; b.grad = g; b._backward()",
    "a * a": "b = a * a; b.grad = g; b._backward()",
    "a.grad already set": "a.grad = p; b = a.tanh(); b.grad = g; b._backward()",
    "a used by two ops": "b = a * 3; c = a.exp(); c.grad = g; b.grad = g; c._backward(); b._backward()",
}


def _assigned(args: dict) -> float:
    """What a.grad would be if every _backward assigned (=) instead of adding (+=)."""
    a, g = args["a"], args["g"]
    return {
        "a + a": g,
        "a * a": a * g,
        "a.grad already set": (1 - math.tanh(a) ** 2) * g,
        "a used by two ops": 3 * g,  # b._backward() runs last and overwrites c's contribution
    }[args["scenario"]]


def _judge_accumulate(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if problems and close(_assigned(args), got.get("a.grad")):
        problems.append(
            "looks like `=` instead of `+=`: a Value can receive gradient from several places; each "
            "_backward must ADD to input.grad, never assign it"
        )
    elif problems:
        problems.append(
            "the accumulated gradient is wrong, but not the way `=` would make it: if this op's own "
            "op-backward check fails too, fix that first"
        )
    return problems


@check(
    3,
    "accumulate",
    "_backward adds (+=) to grad, so a Value used twice gets both contributions",
    judge=_judge_accumulate,
)
def accumulate(mg, args):
    a = mg.Value(args["a"])
    g, scenario = args["g"], args["scenario"]
    if scenario == "a + a":
        b = a + a
        b.grad = g
        b._backward()
    elif scenario == "a * a":
        b = a * a
        b.grad = g
        b._backward()
    elif scenario == "a.grad already set":
        a.grad = args["p"]
        b = a.tanh()
        b.grad = g
        b._backward()
    else:
        b = a * 3
        c = a.exp()
        c.grad = g
        b.grad = g
        c._backward()
        b._backward()
    return {"a.grad": number(a.grad)}


def _judge_relu(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    passed_through = [k for k in ("grad at x = 0", "grad at x < 0") if close(args["g"], got.get(k))]
    if passed_through:
        where = ", ".join(passed_through)
        problems.append(
            f"looks like: ReLU passes the gradient through for negative inputs ({where}); "
            "its slope is 0 wherever its input is <= 0"
        )
    return problems


@check(
    3,
    "relu-at-zero",
    "relu passes no gradient where its input is <= 0 (the derivative at exactly 0 is 0)",
    judge=_judge_relu,
)
def relu_at_zero(mg, args):
    report = {}
    for name, x in (("x = 0", 0.0), ("x < 0", args["negative"]), ("x > 0", args["positive"])):
        v = mg.Value(x)
        out = v.relu()
        out.grad = args["g"]
        out._backward()
        report[f"grad at {name}"] = number(v.grad)
    return report


# ---- Whole graphs, the student's closures run by the kata's driver --------------------------------


def _judge_graph(args: dict, expected: dict, got: dict) -> list[str]:
    if "grad" not in got:
        return compare(expected, got)
    problems = graph_report(args["spec"], expected, got, mode="closures")
    if not problems:
        measured = central_differences(args["spec"])
        if not all(close(m, g, FINITE_DIFFERENCE) for m, g in zip(measured, got["grad"])):
            problems = ["the gradients differ from central differences"]
    return problems


@check(
    3,
    "graph-closures",
    "the closures give every node of a random graph its gradient (run by the kata, output first)",
    judge=_judge_graph,
    weight=2.0,
)
def graph_closures(mg, args):
    nodes = build_with_ops(args["spec"], mg.Value)
    nodes[-1].grad = 1.0
    for node in reversed(nodes[len(args["spec"]["leaves"]) :]):
        node._backward()
    return {"data": [number(n.data) for n in nodes], "grad": [number(n.grad) for n in nodes]}


# ---- Cases --------------------------------------------------------------------------------------


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = []
    for name in OPS:
        args = op_inputs(name, choose)
        args["out_grad"] = number_between(choose, 0.5, 2.0)
        made.append(Case(op_backward, args, f"{op_label(args)}, out.grad = {args['out_grad']}"))
    # relu has two sides: make sure both are seen, whatever the seed drew above
    drawn = next(case for case in made if case.args["op"] == "relu")
    side = -1 if drawn.args["inputs"][0] > 0 else 1
    args = {
        "op": "relu",
        "inputs": [side * number_between(choose, 0.1, 2.0)],
        "out_grad": number_between(choose, 0.5, 2.0),
    }
    made.append(Case(op_backward, args, f"{op_label(args)}, out.grad = {args['out_grad']}"))
    for scenario, text in SCENARIOS.items():
        args = {
            "scenario": scenario,
            "a": number_between(choose, 0.3, 1.5),
            "g": number_between(choose, 0.5, 2.0),
            "p": number_between(choose, 0.5, 2.0),
        }
        made.append(
            Case(
                accumulate,
                args,
                f"{text} with a = {args['a']}, g = {args['g']}"
                + (f", p = {args['p']}" if scenario == "a.grad already set" else ""),
            )
        )
    args = {
        "negative": number_between(choose, -2.0, -0.1),
        "positive": number_between(choose, 0.1, 2.0),
        "g": number_between(choose, 0.5, 2.0),
    }
    made.append(Case(relu_at_zero, args, f"out.grad = {args['g']}"))
    for i in range(6):
        spec = random_graph(choose)
        made.append(Case(graph_closures, {"spec": spec}, f"graph {i + 1}, {len(spec['nodes'])} ops"))
    return made
