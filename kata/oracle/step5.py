"""Step 5: the cases, and what a right Neuron, Layer and MLP give (plain floats, injected weights)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.oracle.choose import Chooser, number_between
from kata.oracle.distinct import clear
from kata.oracle.ops import sigmoid


def plain_forward(
    x: list[float],
    weights: list[dict[str, Any]],
    sizes: list[int],
    tanh_last: bool,
    bias: bool,
    tanh_hidden: bool = True,
) -> list[float]:
    """The network's output with plain floats, built right or with a classic mistake."""
    weights_left = iter(weights)
    last = len(sizes) - 2
    for i, nout in enumerate(sizes[1:]):
        outs = []
        for _ in range(nout):
            neuron = next(weights_left)
            total = sum(w * xi for w, xi in zip(neuron["w"], x)) + (neuron["b"] if bias else 0.0)
            squash = (i < last and tanh_hidden) or (i == last and tanh_last)
            outs.append(math.tanh(total) if squash else total)
        x = outs
    return x


SQUASH: dict[str, Callable[[float], float]] = {
    "tanh": math.tanh,
    "relu": lambda t: t if t > 0 else 0.0,
    "sigmoid": sigmoid,
    "linear": lambda t: t,
}


def forward_with(
    x: list[float],
    weights: list[dict[str, Any]],
    sizes: list[int],
    activations: list[str],
    bias: bool = True,
    squash: dict[str, Callable[[float], float]] = SQUASH,
) -> list[float]:
    """The output of a network whose layer i applies squash[activations[i]] (plain floats)."""
    weights_left = iter(weights)
    for nout, name in zip(sizes[1:], activations):
        outs = []
        for _ in range(nout):
            neuron = next(weights_left)
            total = sum(w * xi for w, xi in zip(neuron["w"], x)) + (neuron["b"] if bias else 0.0)
            outs.append(squash[name](total))
        x = outs
    return x


def default_activations(layers: int) -> list[str]:
    return ["tanh"] * (layers - 1) + ["linear"]


def _activations_expectation(args: Args) -> dict[str, Any]:
    """MLP(nin, nouts, activations): the right output, and what the classic mistakes give instead."""
    x, weights, activations = args["x"], args["weights"], args["activations"]
    sizes = [len(x), *args["nouts"]]
    right = forward_with(x, weights, sizes, activations)
    tanh_for_all = {**SQUASH, "relu": math.tanh, "sigmoid": math.tanh}  # a Neuron that knows only tanh
    mistakes = [
        ("activations-ignored", forward_with(x, weights, sizes, default_activations(len(activations)))),
        ("activations-ignored", forward_with(x, weights, sizes, activations, squash=tanh_for_all)),
        (
            "activation-last-layer-only",
            forward_with(x, weights, sizes, ["linear"] * (len(activations) - 1) + activations[-1:]),
        ),
        ("bias-not-summed", forward_with(x, weights, sizes, activations, bias=False)),
    ]
    if "sigmoid" in activations:  # 1 / (1 + exp(t)): the sign of the exponent lost
        wrong = {**SQUASH, "sigmoid": lambda t: sigmoid(-t)}
        mistakes.append(("sigmoid-sign", forward_with(x, weights, sizes, activations, squash=wrong)))
    if "tanh" in activations:
        wrong = {**SQUASH, "tanh": SQUASH["linear"]}
        mistakes.append(("tanh-missing", forward_with(x, weights, sizes, activations, squash=wrong)))
    if "linear" in activations:
        wrong = {**SQUASH, "linear": math.tanh}
        mistakes.append(("tanh-when-linear", forward_with(x, weights, sizes, activations, squash=wrong)))
    alternatives = [[bug, {"output": _shape(v)}] for bug, v in mistakes]
    if len(right) == 1:
        alternatives.append(["layer-always-list", {"output": right}])
    return {"expected": {"output": _shape(right)}, "alternatives": alternatives}


def _shape(values: list[float]) -> object:
    return values[0] if len(values) == 1 else values


def _forward_expectation(args: Args) -> dict[str, Any]:
    x, weights = args["x"], args["weights"]
    if "nouts" in args:
        sizes = [len(x), *args["nouts"]]
        right = plain_forward(x, weights, sizes, tanh_last=False, bias=True)
        mistakes = {
            "bias-not-summed": plain_forward(x, weights, sizes, False, False),
            "nonlinear-last-layer": plain_forward(x, weights, sizes, True, True),
        }
        alternatives = [[bug, {"output": _shape(v)}] for bug, v in mistakes.items()]
        if len(right) == 1:
            alternatives.append(["layer-always-list", {"output": right}])
        return {"expected": {"output": _shape(right)}, "alternatives": alternatives}
    nout = args.get("nout", 1)
    sizes = [len(x), nout]
    nonlin = args.get("nonlin", True)
    right = plain_forward(x, weights, sizes, tanh_last=nonlin, bias=True)
    mistakes = {"bias-not-summed": plain_forward(x, weights, sizes, nonlin, False)}
    if nonlin:
        mistakes["tanh-missing"] = plain_forward(x, weights, sizes, False, True)
    else:
        mistakes["tanh-when-linear"] = plain_forward(x, weights, sizes, True, True)
    alternatives = [[bug, {"output": _shape(v)}] for bug, v in mistakes.items()]
    expected: dict[str, Any] = {"output": _shape(right)}
    if "nout" in args:
        expected = {"returns": "one Value" if nout == 1 else "list", "neurons": nout, **expected}
        if nout == 1:
            alternatives.append(["layer-always-list", {"returns": "list", "output": right}])
    return {"expected": expected, "alternatives": alternatives}


def parameter_names(kind: str, sizes: list[int], bias_first: bool = False) -> list[str]:
    def neuron(prefix: str, nin: int) -> list[str]:
        dot = "." if prefix else ""
        weights = [f"{prefix}{dot}w{k}" for k in range(nin)]
        return [f"{prefix}{dot}b", *weights] if bias_first else [*weights, f"{prefix}{dot}b"]

    if kind == "Neuron":
        return neuron("", sizes[0])
    if kind == "Layer":
        return [name for j in range(sizes[1]) for name in neuron(f"N{j}", sizes[0])]
    return [
        name
        for i, (nin, nout) in enumerate(itertools.pairwise(sizes))
        for j in range(nout)
        for name in neuron(f"L{i}.N{j}", nin)
    ]


def expect_init(args: Args, observation: Observation) -> Expectation:
    return {"nin": args["nin"]}


def expect_parameters(args: Args, observation: Observation) -> Expectation:
    return {
        "expected": {"parameters": parameter_names(args["kind"], args["sizes"])},
        "bias first": parameter_names(args["kind"], args["sizes"], bias_first=True),
    }


def expect_forward(args: Args, observation: Observation) -> Expectation:
    return _forward_expectation(args)


def expect_structure(args: Args, observation: Observation) -> Expectation:
    nin, nouts = args["nin"], args["nouts"]
    sizes = [nin, *nouts]
    return {
        "expected": {
            "layers": len(nouts),
            "neurons per layer": list(nouts),
            "inputs per neuron": sizes[:-1],
            "parameters": sum((a + 1) * b for a, b in itertools.pairwise(sizes)),
        }
    }


def expect_activations(args: Args, observation: Observation) -> Expectation:
    return _activations_expectation(args)


def expect_zero_grad(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"Neuron": [0.0] * 4, "Layer": [0.0] * 8, "MLP": [0.0] * 13}}


EXPECT = {
    "step5.neuron-init": expect_init,
    "step5.parameters": expect_parameters,
    "step5.neuron-forward": expect_forward,
    "step5.layer-forward": expect_forward,
    "step5.mlp-structure": expect_structure,
    "step5.mlp-forward": expect_forward,
    "step5.mlp-activations": expect_activations,
    "step5.zero-grad": expect_zero_grad,
}


def random_weights(choose: Chooser, sizes: list[int]) -> list[dict[str, Any]]:
    """Weights for every neuron of layers sizes[0] -> sizes[1] -> ..., neuron by neuron (biases away from 0)."""
    return [
        {"w": [number_between(choose, -1, 1, 0.05) for _ in range(nin)], "b": number_between(choose, -0.6, 0.6, 0.1)}
        for nin, nout in itertools.pairwise(sizes)
        for _ in range(nout)
    ]


def _distinct(expectation: Expectation) -> bool:
    """No classic mistake gives the right output, or another mistake's, by accident."""
    return clear(expectation["expected"], expectation["alternatives"])


def _forward_case(
    choose: Chooser, make: Callable[[], Args], expectation: Callable[[Args], Expectation] = _forward_expectation
) -> Args:
    for _ in range(200):
        args = make()
        if _distinct(expectation(args)):
            return args
    raise RuntimeError("no distinguishable weights")


RANDOM: dict[str, Any] = {}


def cases(choose: Chooser) -> list[Case]:
    made = [Case("step5.neuron-init", {"seed": choose.integer(0, 10**6), "nin": 300}, "nin = 300")]
    for kind, sizes in (("Neuron", [3]), ("Layer", [2, 3]), ("MLP", [2, 3, 2, 1])):
        made.append(Case("step5.parameters", {"kind": kind, "sizes": sizes}, f"{kind} {sizes}"))
    for nonlin in (True, False):
        for as_values in (False, True):

            def neuron(nonlin: bool = nonlin, as_values: bool = as_values) -> dict[str, Any]:
                nin = choose.integer(2, 4)
                return {
                    "x": [number_between(choose, -2, 2, 0.2) for _ in range(nin)],
                    "nonlin": nonlin,
                    "as_values": as_values,
                    "weights": random_weights(choose, [nin, 1]),
                }

            args = _forward_case(choose, neuron)
            label = f"nonlin={nonlin}, x as {'Values' if as_values else 'floats'}"
            made.append(Case("step5.neuron-forward", args, label))
    for nout in (1, 3):

        def layer(nout: int = nout) -> dict[str, Any]:
            return {
                "x": [number_between(choose, -2, 2, 0.2) for _ in range(2)],
                "nout": nout,
                "weights": random_weights(choose, [2, nout]),
            }

        made.append(Case("step5.layer-forward", _forward_case(choose, layer), f"nout = {nout}"))
    for nin, nouts in ((2, [16, 16, 1]), (3, [4, 2])):
        made.append(Case("step5.mlp-structure", {"nin": nin, "nouts": nouts}, f"MLP({nin}, {nouts})"))
    for i, last in enumerate((1, 1, 2)):

        def mlp(last: int = last) -> dict[str, Any]:
            nin = choose.integer(1, 3)
            nouts = [choose.integer(2, 4) for _ in range(choose.integer(1, 2))] + [last]
            return {
                "x": [number_between(choose, -2, 2, 0.2) for _ in range(nin)],
                "nouts": nouts,
                "weights": random_weights(choose, [nin, *nouts]),
            }

        args = _forward_case(choose, mlp)
        made.append(Case("step5.mlp-forward", args, f"MLP({len(args['x'])}, {args['nouts']}) {i + 1}"))
    # every activation in a hidden layer and in the last one, across the three cases
    for activations in (["relu", "sigmoid", "linear"], ["sigmoid", "tanh", "sigmoid"], ["tanh", "relu", "tanh"]):

        def activated(activations: list[str] = activations) -> dict[str, Any]:
            nin = choose.integer(2, 3)
            nouts = [choose.integer(2, 4), choose.integer(2, 3), 1]
            return {
                "x": [number_between(choose, -2, 2, 0.2) for _ in range(nin)],
                "nouts": nouts,
                "activations": activations,
                "weights": random_weights(choose, [nin, *nouts]),
            }

        args = _forward_case(choose, activated, _activations_expectation)
        label = f"MLP({len(args['x'])}, {args['nouts']}, {args['activations']})"
        made.append(Case("step5.mlp-activations", args, label))
    made.append(Case("step5.zero-grad", {"grad": number_between(choose, 0.5, 2.0)}, "Neuron, Layer and MLP"))
    return made
