"""Step 5: Neuron, Layer, MLP (micrograd/nn.py).

Weights are injected through the structure the contract names (model.layers[i].neurons[j].w[k],
.b), so an output can be compared with the reference's exactly, whatever random numbers the
student's constructor drew. Only forward values are compared: no gradient, so steps 3 and 4 are
not needed here.
"""

from __future__ import annotations

import itertools
import math
import random

from kata.checks.core import Case, check, compare
from kata.graphs import RandomChooser, number_between
from kata.numbers import close, is_real
from kata.observe import number, safe_repr


def neurons_of(model) -> list[tuple[str, object]]:
    """(name, neuron) for every neuron of an MLP, a Layer or a Neuron, in the contract's order."""
    if hasattr(model, "layers"):
        return [(f"L{i}.N{j}", n) for i, layer in enumerate(model.layers) for j, n in enumerate(layer.neurons)]
    if hasattr(model, "neurons"):
        return [(f"N{j}", n) for j, n in enumerate(model.neurons)]
    return [("", model)]


def parameter_names(model) -> dict[int, str]:
    names = {}
    for prefix, neuron in neurons_of(model):
        dot = "." if prefix else ""
        for k, w in enumerate(neuron.w):
            names[id(w)] = f"{prefix}{dot}w{k}"
        names[id(neuron.b)] = f"{prefix}{dot}b"
    return names


def inject(model, weights: list) -> None:
    """Set every weight and bias from weights[i] = {"w": [...], "b": ...}, neuron by neuron."""
    for (_, neuron), given in zip(neurons_of(model), weights):
        for w, value in zip(neuron.w, given["w"]):
            w.data = value
        neuron.b.data = given["b"]


def _output(out, Value) -> object:
    if isinstance(out, Value):
        return number(out.data)
    if type(out) is list:
        return [
            number(o.data) if isinstance(o, Value) else {"not_a_number": type(o).__name__, "repr": safe_repr(o)}
            for o in out
        ]
    return {"not_a_number": type(out).__name__, "repr": safe_repr(out)}


def _inputs(mg, args):
    return [mg.Value(x) for x in args["x"]] if args.get("as_values") else list(args["x"])


# ---- Neuron -------------------------------------------------------------------------------------


def _judge_init(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(
        {k: expected[k] for k in ("count", "all Values", "b")}, {k: got.get(k) for k in ("count", "all Values", "b")}
    )
    low, high = got.get("min"), got.get("max")
    if got.get("not finite", 0) or not (is_real(low) and is_real(high)):
        problems.append(f"every weight must be a finite number; {got.get('not finite', '?')} are not")
    elif not (low >= -1.0 and high <= 1.0):
        problems.append(f"weights must lie in [-1, 1]; they range over [{low}, {high}]")
    elif low > -0.8 or high < 0.8:
        problems.append(f"weights should spread over [-1, 1] (random.uniform(-1, 1)); they range over [{low}, {high}]")
    if got.get("distinct", 0) < args["nin"] // 2:
        problems.append(
            f"only {got.get('distinct')} distinct weights out of {args['nin']}: every weight needs its "
            "own random draw (all-equal weights make every neuron learn the same thing)"
        )
    return problems


@check(
    5, "neuron-init", "Neuron(nin): nin weights drawn from random.uniform(-1, 1), bias Value(0.0)", judge=_judge_init
)
def neuron_init(mg, args):
    random.seed(args["seed"])
    n = mg.nn.Neuron(args["nin"])
    data = [w.data for w in n.w]
    floats = [x for x in data if type(x) in (int, float) and math.isfinite(x)]
    return {
        "count": len(data),
        "all Values": all(isinstance(w, mg.Value) for w in n.w) and isinstance(n.b, mg.Value),
        "b": number(n.b.data),
        "min": number(min(floats)) if floats else None,
        "max": number(max(floats)) if floats else None,
        "distinct": len(set(floats)),
        "not finite": len(data) - len(floats),
    }


def _judge_parameters(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    listed, wanted = got.get("parameters"), expected["parameters"]
    if problems and isinstance(listed, list):
        missing = [name for name in wanted if name not in listed]
        if any(name.endswith("b") for name in missing):
            problems.append("looks like: the bias is missing from parameters(); training could never move it")
        elif sorted(map(str, listed)) == sorted(wanted):
            problems.append(
                "the right parameters in the wrong order: layer by layer, neuron by neuron, "
                "weights first, then the bias"
            )
    return problems


@check(
    5,
    "parameters",
    "parameters() lists every weight and bias, in layer, neuron, weights-then-bias order",
    judge=_judge_parameters,
)
def parameters(mg, args):
    kind, sizes = args["kind"], args["sizes"]
    if kind == "Neuron":
        model = mg.nn.Neuron(sizes[0])
    elif kind == "Layer":
        model = mg.nn.Layer(sizes[0], sizes[1])
    else:
        model = mg.nn.MLP(sizes[0], sizes[1:])
    names = parameter_names(model)
    listed = model.parameters()
    return {"parameters": [names.get(id(p), "(not a weight or bias of the model)") for p in listed]}


def plain_forward(args: dict, sizes: list[int], tanh_last: bool, bias: bool) -> list[float]:
    """The network's output with plain floats, built correctly or with a classic mistake."""
    x = list(args["x"])
    weights = iter(args["weights"])
    last = len(sizes) - 2
    for i, nout in enumerate(sizes[1:]):
        outs = []
        for _ in range(nout):
            neuron = next(weights)
            total = sum(w * xi for w, xi in zip(neuron["w"], x)) + (neuron["b"] if bias else 0.0)
            outs.append(math.tanh(total) if (i < last or tanh_last) else total)
        x = outs
    return x


BIAS_MISSING = "the bias is left out of the sum: a neuron computes w . x + b"


def _mistakes(args: dict) -> dict[str, tuple[bool, bool]]:
    """Classic mistakes for this case: description -> (tanh on the last layer, bias added)."""
    if "nouts" in args:  # an MLP: tanh on every layer but the last
        return {
            BIAS_MISSING: (False, False),
            "the last layer applies tanh; the last layer must be linear (nonlin=False)": (True, True),
        }
    nonlin = args.get("nonlin", True)
    if nonlin:
        return {BIAS_MISSING: (True, False), "tanh is missing although nonlin is True": (False, True)}
    return {BIAS_MISSING: (False, False), "tanh is applied although nonlin is False": (True, True)}


def _judge_forward(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if not problems:
        return problems
    output = got.get("output")
    values = output if isinstance(output, list) else [output]
    sizes = [len(args["x"]), *args["nouts"]] if "nouts" in args else [len(args["x"]), args.get("nout", 1)]
    for mistake, (tanh_last, bias) in _mistakes(args).items():
        alternative = plain_forward(args, sizes, tanh_last, bias)
        if len(alternative) == len(values) and all(close(a, v) for a, v in zip(alternative, values)):
            problems.append(f"looks like: {mistake}")
            break
    if args.get("hint"):
        problems.append(args["hint"])
    return problems


@check(
    5, "neuron-forward", "a Neuron computes tanh(w . x + b), or w . x + b when nonlin is False", judge=_judge_forward
)
def neuron_forward(mg, args):
    n = mg.nn.Neuron(len(args["x"]), nonlin=args["nonlin"])
    inject(n, args["weights"])
    return {"output": _output(n(_inputs(mg, args)), mg.Value)}


# ---- Layer and MLP ------------------------------------------------------------------------------


@check(
    5,
    "layer-forward",
    "a Layer returns one Value per neuron, or the Value itself when it has one neuron",
    judge=_judge_forward,
)
def layer_forward(mg, args):
    layer = mg.nn.Layer(len(args["x"]), args["nout"])
    inject(layer, args["weights"])
    out = layer(_inputs(mg, args))
    kind = "one Value" if isinstance(out, mg.Value) else type(out).__name__
    return {"returns": kind, "neurons": len(layer.neurons), "output": _output(out, mg.Value)}


@check(5, "mlp-structure", "MLP(nin, nouts) has one Layer per entry of nouts, with that many neurons")
def mlp_structure(mg, args):
    model = mg.nn.MLP(args["nin"], args["nouts"])
    return {
        "layers": len(model.layers),
        "neurons per layer": [len(layer.neurons) for layer in model.layers],
        "inputs per neuron": [len(layer.neurons[0].w) for layer in model.layers],
        "parameters": len(model.parameters()),
    }


@check(
    5,
    "mlp-forward",
    "an MLP feeds each layer into the next; tanh everywhere except the last, linear, layer",
    judge=_judge_forward,
    weight=2.0,
)
def mlp_forward(mg, args):
    model = mg.nn.MLP(len(args["x"]), args["nouts"])
    inject(model, args["weights"])
    return {"output": _output(model(_inputs(mg, args)), mg.Value)}


def _judge_zero_grad(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if problems:
        problems.append(
            "zero_grad() left some gradients as they were: it must set p.grad = 0.0 for every p in self.parameters()"
        )
    return problems


@check(5, "zero-grad", "zero_grad() sets the grad of every parameter back to 0.0", judge=_judge_zero_grad)
def zero_grad(mg, args):
    report = {}
    for kind, model in (("Neuron", mg.nn.Neuron(3)), ("Layer", mg.nn.Layer(3, 2)), ("MLP", mg.nn.MLP(2, [3, 1]))):
        everything = [p for _, n in neurons_of(model) for p in (*n.w, n.b)]
        for i, p in enumerate(everything):
            p.grad = args["grad"] + i
        model.zero_grad()
        report[kind] = [number(p.grad) for p in everything]
    return report


# ---- Cases --------------------------------------------------------------------------------------


def random_weights(choose: RandomChooser, sizes: list[int]) -> list[dict]:
    """Weights for every neuron of layers sizes[0] -> sizes[1] -> ..., neuron by neuron."""
    return [
        {"w": [number_between(choose, -1, 1) for _ in range(nin)], "b": number_between(choose, -0.5, 0.5)}
        for nin, nout in itertools.pairwise(sizes)
        for _ in range(nout)
    ]


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = [Case(neuron_init, {"seed": rng.randint(0, 10**6), "nin": 300}, "nin = 300")]
    for kind, sizes in (("Neuron", [3]), ("Layer", [2, 3]), ("MLP", [2, 3, 2, 1])):
        made.append(Case(parameters, {"kind": kind, "sizes": sizes}, f"{kind} {sizes}"))
    for nonlin in (True, False):
        for as_values in (False, True):
            nin = choose.integer(2, 4)
            args = {
                "x": [number_between(choose, -2, 2) for _ in range(nin)],
                "nonlin": nonlin,
                "as_values": as_values,
                "weights": random_weights(choose, [nin, 1]),
                "hint": "" if nonlin else "with nonlin=False the neuron is affine: no tanh",
            }
            made.append(Case(neuron_forward, args, f"nonlin={nonlin}, x as {'Values' if as_values else 'floats'}"))
    for nout in (1, 3):
        args = {
            "x": [number_between(choose, -2, 2) for _ in range(2)],
            "nout": nout,
            "weights": random_weights(choose, [2, nout]),
            "hint": "a Layer of one neuron returns that Value itself (outs[0]), not a list" if nout == 1 else "",
        }
        made.append(Case(layer_forward, args, f"nout = {nout}"))
    for nin, nouts in ((2, [16, 16, 1]), (3, [4, 2])):
        made.append(Case(mlp_structure, {"nin": nin, "nouts": nouts}, f"MLP({nin}, {nouts})"))
    for i in range(3):
        nin = choose.integer(1, 3)
        nouts = [choose.integer(2, 4) for _ in range(choose.integer(1, 2))] + [choose.pick([1, 2])]
        args = {
            "x": [number_between(choose, -2, 2) for _ in range(nin)],
            "nouts": nouts,
            "weights": random_weights(choose, [nin, *nouts]),
            "hint": "every layer but the last applies tanh; the last is linear; each neuron adds its bias",
        }
        made.append(Case(mlp_forward, args, f"MLP({nin}, {nouts}) {i + 1}"))
    made.append(Case(zero_grad, {"grad": number_between(choose, 0.5, 2.0)}, "Neuron, Layer and MLP"))
    return made
