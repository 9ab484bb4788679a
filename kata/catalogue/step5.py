"""Step 5: Neuron, Layer, MLP (micrograd/nn.py). What is checked, and how a result is judged."""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check, compared, looks_like
from kata.numbers import is_real


@check(5, "neuron-init", "Neuron(nin): nin weights drawn from random.uniform(-1, 1), bias Value(0.0)", uses=(2,))
def neuron_init(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    nin = expectation["nin"]
    problems = compared({"count": nin, "all Values": True}, got)
    if got.get("b") != 0.0:
        problems += [Problem(f"b starts at {got.get('b')!r}"), looks_like("bias-initial-value")]
    low, high = got.get("min"), got.get("max")
    if got.get("not finite", 0) or not (is_real(low) and is_real(high)):
        return [*problems, Problem(f"every weight must be a finite number; {got.get('not finite', '?')} are not")]
    if isinstance(got.get("distinct"), int) and got["distinct"] < nin // 2:
        return [
            *problems,
            Problem(f"only {got['distinct']} distinct weights out of {nin}"),
            looks_like("zero-initial-weights"),
        ]
    if not (low >= -1.0 and high <= 1.0):
        return [*problems, Problem(f"the weights range over [{low}, {high}]"), looks_like("weights-out-of-range")]
    if low > -0.8 or high < 0.8:
        problems.append(
            Problem(f"weights should spread over [-1, 1] (random.uniform(-1, 1)); they range over [{low}, {high}]")
        )
    return problems


def parameters_bug(listed: list[object], wanted: list[str], bias_first: list[str] | None = None) -> str:
    """The classic bug a wrong parameters() list is, or ""."""
    if bias_first is not None and listed == bias_first:
        return "bias-before-weights"
    missing = [name for name in wanted if name not in listed]
    if missing and set(map(str, listed)) <= set(wanted):
        if all(name.endswith("b") for name in missing) and not any(str(name).endswith("b") for name in listed):
            return "bias-not-a-parameter"
        neurons = {name.rsplit(".", 1)[0] for name in missing if "." in name}
        whole = all(not any(str(name).startswith(prefix + ".") for name in listed) for prefix in neurons)
        if neurons and whole and all(name.rsplit(".", 1)[0] in neurons for name in missing):
            return "parameters-incomplete"
    return ""


@check(5, "parameters", "parameters() lists every weight and bias, in layer, neuron, weights-then-bias order")
def parameters(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    listed, wanted = got.get("parameters"), expectation["expected"]["parameters"]
    if not problems or not isinstance(listed, list):
        return problems
    bug = parameters_bug(listed, wanted, expectation["bias first"])
    if bug:
        return [*problems, looks_like(bug)]
    if sorted(map(str, listed)) == sorted(wanted):
        problems.append(
            Problem(
                "the right parameters in the wrong order: layer by layer, neuron by neuron, weights "
                "first, then the bias"
            )
        )
    return problems


@check(5, "neuron-forward", "a Neuron computes tanh(w . x + b), or w . x + b when nonlin is False", uses=(2,))
def neuron_forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(
    5, "layer-forward", "a Layer returns one Value per neuron, or the Value itself when it has one neuron", uses=(2,)
)
def layer_forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(5, "mlp-structure", "MLP(nin, nouts) has one Layer per entry of nouts, with that many neurons")
def mlp_structure(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(
    5,
    "mlp-forward",
    "an MLP feeds each layer into the next; tanh everywhere except the last, linear, layer",
    weight=2.0,
    uses=(2,),
)
def mlp_forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    nonlin = got.get("the last layer's neurons have nonlin")
    if (
        any(p.bug == "nonlinear-last-layer" for p in problems)
        and isinstance(nonlin, list)
        and nonlin
        and nonlin == [False] * len(nonlin)
    ):
        # the MLP asked for a linear last layer: the neurons ignore nonlin=False
        problems = [p for p in problems if not p.bug] + [looks_like("tanh-when-linear")]
    return problems


@check(
    5,
    "mlp-activations",
    "MLP(nin, nouts, activations) applies activations[i] (tanh, relu, sigmoid or linear) in layer i",
    uses=(2,),
)
def mlp_activations(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(5, "zero-grad", "zero_grad() sets the grad of every parameter back to 0.0")
def zero_grad(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if not problems:
        return problems
    for kind in expectation["expected"]:
        grads, every, listed = (
            got.get(kind),
            got.get(f"{kind}: every parameter"),
            got.get(f"{kind}: parameters() lists"),
        )
        if not (isinstance(grads, list) and isinstance(every, list) and isinstance(listed, list)):
            continue
        kept = {name for name, grad in zip(every, grads) if grad != 0.0}
        missing = {name for name in every if name not in listed}
        if kept and kept <= missing:  # zero_grad reset all that parameters() gives it: parameters() is wrong
            bug = parameters_bug(listed, every)
            text = f"zero_grad() reset every parameter that parameters() lists; parameters() misses {sorted(missing)}"
            return [*problems, Problem(text), *([looks_like(bug)] if bug else [])]
    return [*problems, looks_like("zero-grad-does-nothing")]
