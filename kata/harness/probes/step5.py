"""Step 5 probes: Neuron, Layer, MLP (micrograd/nn.py).

Weights are injected through the structure the contract names (model.layers[i].neurons[j].w[k],
.b), so an output can be judged exactly whatever random numbers the student's constructor drew.
In the grader, `mg.Value` is the kata's engine (kata.harness.tracer), so a bug in the student's
engine costs nothing here; on a student's machine it is their own engine.
"""

from __future__ import annotations

import math
import random

from kata.harness.observe import number, safe_repr

_type = type
_len = len
_id = id
_isinstance = isinstance
_hasattr = hasattr
_list = list


def neurons_of(model) -> list:
    """(name, neuron) for every neuron of an MLP, a Layer or a Neuron, in the contract's order."""
    if _hasattr(model, "layers"):
        return [(f"L{i}.N{j}", n) for i, layer in enumerate(model.layers) for j, n in enumerate(layer.neurons)]
    if _hasattr(model, "neurons"):
        return [(f"N{j}", n) for j, n in enumerate(model.neurons)]
    return [("", model)]


def parameter_names(model) -> dict:
    names = {}
    for prefix, neuron in neurons_of(model):
        dot = "." if prefix else ""
        for k, w in enumerate(neuron.w):
            names[_id(w)] = f"{prefix}{dot}w{k}"
        names[_id(neuron.b)] = f"{prefix}{dot}b"
    return names


def inject(model, weights: list) -> None:
    """Set every weight and bias from weights[i] = {"w": [...], "b": ...}, neuron by neuron."""
    for (_, neuron), given in zip(neurons_of(model), weights):
        for w, value in zip(neuron.w, given["w"]):
            w.data = value
        neuron.b.data = given["b"]


def output(out, Value) -> object:
    if _isinstance(out, Value):
        return number(out.data)
    if _type(out) is _list:
        return [
            number(o.data) if _isinstance(o, Value) else {"not_a_number": _type(o).__name__, "repr": safe_repr(o)}
            for o in out
        ]
    return {"not_a_number": _type(out).__name__, "repr": safe_repr(out)}


def _inputs(mg, args: dict) -> list:
    return [mg.Value(x) for x in args["x"]] if args.get("as_values") else _list(args["x"])


def neuron_init(mg, args: dict) -> dict:
    random.seed(args["seed"])
    n = mg.nn.Neuron(args["nin"])
    data = [w.data for w in n.w]
    floats = [x for x in data if _type(x) in (int, float) and math.isfinite(x)]
    return {
        "count": _len(data),
        "all Values": all(_isinstance(w, mg.Value) for w in n.w) and _isinstance(n.b, mg.Value),
        "b": number(n.b.data),
        "min": number(min(floats)) if floats else None,
        "max": number(max(floats)) if floats else None,
        "distinct": _len(set(floats)),
        "not finite": _len(data) - _len(floats),
    }


def parameters(mg, args: dict) -> dict:
    kind, sizes = args["kind"], args["sizes"]
    if kind == "Neuron":
        model = mg.nn.Neuron(sizes[0])
    elif kind == "Layer":
        model = mg.nn.Layer(sizes[0], sizes[1])
    else:
        model = mg.nn.MLP(sizes[0], sizes[1:])
    names = parameter_names(model)
    listed = model.parameters()
    return {"parameters": [names.get(_id(p), "(not a weight or bias of the model)") for p in listed]}


def neuron_forward(mg, args: dict) -> dict:
    n = mg.nn.Neuron(_len(args["x"]), nonlin=args["nonlin"])
    inject(n, args["weights"])
    return {"output": output(n(_inputs(mg, args)), mg.Value)}


def layer_forward(mg, args: dict) -> dict:
    layer = mg.nn.Layer(_len(args["x"]), args["nout"])
    inject(layer, args["weights"])
    out = layer(_inputs(mg, args))
    kind = "one Value" if _isinstance(out, mg.Value) else _type(out).__name__
    return {"returns": kind, "neurons": _len(layer.neurons), "output": output(out, mg.Value)}


def mlp_structure(mg, args: dict) -> dict:
    model = mg.nn.MLP(args["nin"], args["nouts"])
    return {
        "layers": _len(model.layers),
        "neurons per layer": [_len(layer.neurons) for layer in model.layers],
        "inputs per neuron": [_len(layer.neurons[0].w) for layer in model.layers],
        "parameters": _len(model.parameters()),
    }


def mlp_forward(mg, args: dict) -> dict:
    model = mg.nn.MLP(_len(args["x"]), args["nouts"])
    inject(model, args["weights"])
    last = [getattr(n, "nonlin", None) for n in model.layers[-1].neurons]
    return {
        "output": output(model(_inputs(mg, args)), mg.Value),
        "the last layer's neurons have nonlin": [x if _type(x) is bool else None for x in last],
    }


def mlp_activations(mg, args: dict) -> dict:
    """MLP(nin, nouts, activations) with injected weights: its output, and each neuron's activation as named."""
    model = mg.nn.MLP(_len(args["x"]), args["nouts"], args["activations"])
    inject(model, args["weights"])
    return {"output": output(model(_inputs(mg, args)), mg.Value)}


def zero_grad(mg, args: dict) -> dict:
    report = {}
    for kind, model in (("Neuron", mg.nn.Neuron(3)), ("Layer", mg.nn.Layer(3, 2)), ("MLP", mg.nn.MLP(2, [3, 1]))):
        everything = [p for _, n in neurons_of(model) for p in (*n.w, n.b)]
        names = parameter_names(model)
        for i, p in enumerate(everything):
            p.grad = args["grad"] + i
        listed = [names.get(_id(p), "?") for p in model.parameters()]
        model.zero_grad()
        report[kind] = [number(p.grad) for p in everything]
        report[f"{kind}: every parameter"] = [names[_id(p)] for p in everything]
        report[f"{kind}: parameters() lists"] = listed
    return report


PROBES = {
    "step5.neuron-init": neuron_init,
    "step5.parameters": parameters,
    "step5.neuron-forward": neuron_forward,
    "step5.layer-forward": layer_forward,
    "step5.mlp-structure": mlp_structure,
    "step5.mlp-forward": mlp_forward,
    "step5.mlp-activations": mlp_activations,
    "step5.zero-grad": zero_grad,
}
