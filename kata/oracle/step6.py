"""Step 6: the cases, and what a right mse_loss, sgd_step and train() give (plain floats).

The training checks train the kata's model y = w0 x0 + w1 x1 + w2 x0 x1 + b: its gradient has a
closed form, so the right trajectory (and the trajectories of the classic training-loop mistakes)
are computed here exactly, epoch by epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.oracle.choose import Chooser, number_between
from kata.oracle.distinct import clear

XOR_INPUTS = [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]
XOR_TARGETS = [-1.0, 1.0, 1.0, -1.0]

Loss = Callable[[list[float], list[float]], tuple[float, list[float]]]  # -> (loss, d loss / d prediction)


def features(x: list[float]) -> list[float]:
    return [x[0], x[1], x[0] * x[1], 1.0]


def predict(params: list[float], x: list[float]) -> float:
    return sum(p * f for p, f in zip(params, features(x)))


def mse(predictions: list[float], targets: list[float]) -> tuple[float, list[float]]:
    n = len(predictions)
    errors = [p - t for p, t in zip(predictions, targets)]
    return sum(e * e for e in errors) / n, [2 * e / n for e in errors]


def quartic(predictions: list[float], targets: list[float]) -> tuple[float, list[float]]:
    errors = [p - t for p, t in zip(predictions, targets)]
    return sum(e**4 for e in errors) * 0.25, [e**3 for e in errors]


def weighted(predictions: list[float], targets: list[float]) -> tuple[float, list[float]]:
    value = sum((p - t) ** 2 * (t + 2.0) for p, t in zip(predictions, targets))
    return value, [2 * (p - t) * (t + 2.0) for p, t in zip(predictions, targets)]


def weighted_swapped(predictions: list[float], targets: list[float]) -> tuple[float, list[float]]:
    """weighted(targets, predictions): what train computes when it swaps the loss's arguments."""
    value = sum((t - p) ** 2 * (p + 2.0) for p, t in zip(predictions, targets))
    return value, [-2 * (t - p) * (p + 2.0) + (t - p) ** 2 for p, t in zip(predictions, targets)]


LOSSES: dict[str, Loss] = {"mse": mse, "quartic": quartic, "weighted": weighted}


def simulate(args: Args, loss: Loss, mistake: str = "") -> dict[str, Any]:
    """Train the kata's model: the parameters at the start of every epoch (and at the end), the losses.

    mistake: "" (right), "no zero_grad" (gradients accumulate), "zeroed step" (zero_grad, step, backward:
    nothing ever moves), "stale step" (step, zero_grad, backward: each step uses last epoch's gradients)."""
    params = list(args["weights"])
    xs, ys, lr = args["xs"], args["ys"], args["lr"]
    trajectory, history = [], []
    held = [0.0] * len(params)  # what the parameters' grads hold when the step reads them
    for _ in range(args["epochs"]):
        trajectory.append(list(params))
        predictions = [predict(params, x) for x in xs]
        value, slopes = loss(predictions, ys)
        grads = [sum(s * features(x)[i] for s, x in zip(slopes, xs)) for i in range(len(params))]
        history.append(value)
        if mistake == "no zero_grad":
            held = [h + g for h, g in zip(held, grads)]
        elif mistake == "zeroed step":
            held = [0.0] * len(params)
        elif mistake == "stale step":
            pass  # the step below uses last epoch's gradients; this epoch's are read next time
        else:
            held = grads
        params = [p - lr * h for p, h in zip(params, held)]
        if mistake == "stale step":
            held = grads
    trajectory.append(list(params))
    return {"trajectory": trajectory, "history": history}


def expect_mse(args: Args, observation: Observation) -> Expectation:
    p, t = args["predictions"], args["targets"]
    errors = [a - b for a, b in zip(p, t)]
    n = len(errors)
    return {
        "expected": {"is a Value": True, "loss": sum(e * e for e in errors) / n},
        "alternatives": [
            ["mse-summed", {"loss": sum(e * e for e in errors)}],
            ["mse-not-squared", {"loss": sum(errors) / n}],
            ["mse-not-squared-not-averaged", {"loss": sum(errors)}],
        ],
    }


def expect_mse_gradient(args: Args, observation: Observation) -> Expectation:
    p, t = args["predictions"], args["targets"]
    n = len(p)
    errors = [a - b for a, b in zip(p, t)]
    return {
        "expected": {"prediction grads": [2 * e / n for e in errors]},
        "alternatives": [
            ["mse-summed", {"prediction grads": [2 * e for e in errors]}],
            ["mse-not-squared", {"prediction grads": [1.0 / n] * n}],
            ["mse-not-squared-not-averaged", {"prediction grads": [1.0] * n}],
            ["mse-detached", {"prediction grads": [0.0] * n}],
        ],
    }


def expect_sgd(args: Args, observation: Observation) -> Expectation:
    data, grads, lr = args["data"], args["grads"], args["lr"]
    return {
        "expected": {
            "data after": [d - lr * g for d, g in zip(data, grads)],
            "grads after": [float(g) for g in grads],
        },
        "alternatives": [["sgd-climbs", {"data after": [d + lr * g for d, g in zip(data, grads)]}]],
    }


def expect_train(args: Args, observation: Observation) -> Expectation:
    loss = LOSSES[args["loss"]]
    alternatives = [
        ["train-without-zero-grad", simulate(args, loss, "no zero_grad")["trajectory"]],
        ["step-before-backward", simulate(args, loss, "zeroed step")["trajectory"]],
        ["step-before-backward", simulate(args, loss, "stale step")["trajectory"]],
        ["train-ignores-loss-fn", simulate(args, mse)["trajectory"]],
    ]
    if args["loss"] == "weighted":
        alternatives.append(["train-loss-args-swapped", simulate(args, weighted_swapped)["trajectory"]])
    right = simulate(args, loss)
    return {
        "trajectory": right["trajectory"],
        "history": right["history"],
        "samples": len(args["xs"]),
        "alternatives": alternatives,
    }


def expect_learns(args: Args, observation: Observation) -> Expectation:
    return {"threshold": args["threshold"], "xs": args["xs"], "ys": args["ys"]}


EXPECT = {
    "step6.mse": expect_mse,
    "step6.mse-gradient": expect_mse_gradient,
    "step6.sgd-step": expect_sgd,
    "step6.train-history": expect_train,
    "step6.learns-xor": expect_learns,
}


def _samples(choose: Chooser, n: int) -> tuple[list[float], list[float]]:
    """Predictions and targets whose errors are not all equal, so no classic mistake hides."""
    while True:
        p = [number_between(choose, -2, 2) for _ in range(n)]
        t = [number_between(choose, -2, 2) for _ in range(n)]
        errors = [a - b for a, b in zip(p, t)]
        args = {"predictions": p, "targets": t}
        if (
            min(abs(e) for e in errors) >= 0.2
            and abs(sum(errors)) >= 0.2
            and clear(expect_mse(args, {})["expected"], expect_mse(args, {})["alternatives"])
            and clear(expect_mse_gradient(args, {})["expected"], expect_mse_gradient(args, {})["alternatives"])
        ):
            return p, t


RANDOM: dict[str, Any] = {}


def cases(choose: Chooser) -> list[Case]:
    made = []
    for as_values in (False, True):
        n = choose.integer(3, 5)
        p, t = _samples(choose, n)
        args: Args = {"predictions": p, "targets": t, "targets_as_values": as_values}
        made.append(Case("step6.mse", args, f"{n} samples, targets as {'Values' if as_values else 'floats'}"))
    n = choose.integer(3, 5)
    p, t = _samples(choose, n)
    made.append(Case("step6.mse-gradient", {"predictions": p, "targets": t}, f"{n} samples"))
    n = choose.integer(3, 6)
    args = {
        "data": [number_between(choose, -2, 2) for _ in range(n)],
        "grads": [number_between(choose, -2, 2, 0.1) for _ in range(n)],
        "lr": choose.pick([0.01, 0.05, 0.1]),
    }
    made.append(Case("step6.sgd-step", args, f"{n} parameters, lr = {args['lr']}"))
    for loss in ("quartic", "weighted"):
        while True:
            xs = [[number_between(choose, -1, 1, 0.1) for _ in range(2)] for _ in range(choose.integer(3, 5))]
            args = {
                "xs": xs,
                "ys": [choose.pick([-1.0, 1.0]) for _ in xs],
                "weights": [number_between(choose, -1, 1, 0.1) for _ in range(4)],
                "epochs": 5,
                "lr": choose.pick([0.05, 0.1]),
                "loss": loss,
            }
            expected = expect_train(args, {})
            if clear(expected["trajectory"], expected["alternatives"]):
                break
        made.append(Case("step6.train-history", args, f"{len(xs)} samples, {loss} loss, 5 epochs"))
    args = {
        "seed": choose.integer(0, 10**6),
        "xs": XOR_INPUTS,
        "ys": XOR_TARGETS,
        # on the four points +-1 the features are orthogonal: each epoch of gradient descent multiplies every
        # weight's error by 1 - 2 lr = 0.6, so 15 epochs leave a loss below 7 * 0.6**30 < 1e-5 from any start
        "epochs": 15,
        "lr": 0.2,
        "threshold": 0.01,
    }
    made.append(Case("step6.learns-xor", args, "y = w0 x0 + w1 x1 + w2 x0 x1 + b, mse_loss, 15 epochs, lr = 0.2"))
    return made
