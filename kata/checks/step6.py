"""Step 6: losses, SGD and the training loop (micrograd/train.py).

Training runs every earlier step (forward, closures, backward, the network), so these checks
depend on all of them.
"""

from __future__ import annotations

import random

from kata.checks.core import Case, check, compare
from kata.checks.step5 import inject, random_weights
from kata.graphs import RandomChooser, number_between
from kata.numbers import close, is_real
from kata.observe import number, numbers


def _judge_mse(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    loss = got.get("loss")
    errors = [p - t for p, t in zip(args["predictions"], args["targets"])]
    variants = {
        "the squared errors are summed instead of averaged: divide by the number of samples": sum(
            e * e for e in errors
        ),
        "the errors are not squared: (prediction - target) ** 2": sum(errors) / len(errors),
        "the errors are not squared and not averaged": sum(errors),
    }
    for mistake, value in variants.items():
        if problems and close(value, loss):
            problems.append(f"looks like: {mistake}")
            break
    return problems


@check(6, "mse", "mse_loss returns the MEAN of the squared errors, as a Value", judge=_judge_mse)
def mse(mg, args):
    predictions = [mg.Value(p) for p in args["predictions"]]
    targets = [mg.Value(t) for t in args["targets"]] if args["targets_as_values"] else list(args["targets"])
    loss = mg.train.mse_loss(predictions, targets)
    return {"is a Value": isinstance(loss, mg.Value), "loss": number(loss.data)}


def _judge_mse_grad(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if problems:
        n = len(args["predictions"])
        problems.append(
            f"d(mean of (p - t)^2)/dp = 2 (p - t) / {n}: check that the loss divides by the number of samples"
        )
    return problems


@check(6, "mse-gradient", "backward() through mse_loss gives every prediction 2 (p - t) / n", judge=_judge_mse_grad)
def mse_gradient(mg, args):
    predictions = [mg.Value(p) for p in args["predictions"]]
    loss = mg.train.mse_loss(predictions, list(args["targets"]))
    loss.backward()
    return {"prediction grads": [number(p.grad) for p in predictions]}


def _judge_sgd(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if (
        problems
        and got.get("data after")
        and all(
            isinstance(g, float) and abs(g - (d + args["lr"] * gr)) < 1e-9
            for g, d, gr in zip(got["data after"], args["data"], args["grads"])
        )
    ):
        problems.append("looks like: the step goes uphill; subtract lr * grad, the gradient points uphill")
    return problems


@check(6, "sgd-step", "sgd_step moves every parameter by -lr * grad and leaves the grads alone", judge=_judge_sgd)
def sgd_step(mg, args):
    parameters = [mg.Value(x) for x in args["data"]]
    for p, g in zip(parameters, args["grads"]):
        p.grad = g
    mg.train.sgd_step(parameters, args["lr"])
    return {"data after": [number(p.data) for p in parameters], "grads after": [number(p.grad) for p in parameters]}


def _model(mg, args):
    model = mg.nn.MLP(len(args["xs"][0]), args["nouts"])
    inject(model, args["weights"])
    return model


def _quartic_loss(predictions, targets):
    """A loss other than MSE, to see that train() uses the loss_fn it is given."""
    total = 0
    for p, t in zip(predictions, targets):
        total = total + (p - t) ** 4
    return total * 0.25


def _judge_history(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    history, reference = got.get("history"), expected.get("history")
    if problems and isinstance(history, list) and isinstance(reference, list) and history and reference:
        if len(history) != len(reference):
            problems.append(f"train must return one loss per epoch: {len(reference)} epochs")
        elif history[0] == reference[0] and len(history) > 1:
            problems.append(
                "the first epoch is right but later ones are not: within an epoch the order is forward, loss, "
                "zero_grad, backward, sgd_step (zeroing after backward, or stepping before it, breaks it)"
            )
        if args.get("loss") == "quartic":
            problems.append("train must use the loss_fn it is given, not always mse_loss")
    return problems


@check(
    6,
    "train-history",
    "train() returns the loss of every epoch, matching the reference from the same weights",
    judge=_judge_history,
    weight=2.0,
)
def train_history(mg, args):
    model = _model(mg, args)
    loss_fn = _quartic_loss if args.get("loss") == "quartic" else mg.train.mse_loss
    history = mg.train.train(model, args["xs"], args["ys"], args["epochs"], args["lr"], loss_fn=loss_fn)
    return {"history": numbers(history), "final bias": number(model.layers[-1].neurons[0].b.data)}


def _judge_learns(args: dict, expected: dict, got: dict) -> list[str]:
    history = got.get("history")
    if not isinstance(history, list) or len(history) != args["epochs"]:
        return [f"train must return a list of {args['epochs']} losses; got {history!r:.80}"]
    if not all(is_real(x) for x in history):
        return [
            "every loss in the history must be a finite number; training produced NaN or infinity "
            "(a gradient that is not a number poisons every weight it touches)"
        ]
    reference, last = expected["history"][-1], history[-1]
    if not last <= args["threshold"]:
        return [
            f"after {args['epochs']} epochs the loss is {last:.4g}; the reference reaches {reference:.4g} "
            f"(the check wants <= {args['threshold']}). Are the initial weights random (not all zero)? "
            "Does every step go downhill?"
        ]
    return []


@check(6, "learns-xor", "an MLP(2, [8, 1]) trained with your code learns XOR", judge=_judge_learns, weight=2.0)
def learns_xor(mg, args):
    random.seed(args["seed"])
    model = mg.nn.MLP(2, [8, 1])
    xs, ys = mg.data.XOR_INPUTS, mg.data.XOR_TARGETS
    return {"history": numbers(mg.train.train(model, xs, ys, args["epochs"], args["lr"]))}


# ---- Cases --------------------------------------------------------------------------------------


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = []
    for as_values in (False, True):
        n = choose.integer(3, 5)
        args = {
            "predictions": [number_between(choose, -2, 2) for _ in range(n)],
            "targets": [number_between(choose, -2, 2) for _ in range(n)],
            "targets_as_values": as_values,
        }
        made.append(Case(mse, args, f"{n} samples, targets as {'Values' if as_values else 'floats'}"))
    n = choose.integer(3, 5)
    args = {
        "predictions": [number_between(choose, -2, 2) for _ in range(n)],
        "targets": [number_between(choose, -2, 2) for _ in range(n)],
    }
    made.append(Case(mse_gradient, args, f"{n} samples"))
    n = choose.integer(3, 6)
    args = {
        "data": [number_between(choose, -2, 2) for _ in range(n)],
        "grads": [number_between(choose, -2, 2) for _ in range(n)],
        "lr": choose.pick([0.01, 0.05, 0.1]),
    }
    made.append(Case(sgd_step, args, f"{n} parameters, lr = {args['lr']}"))
    for loss in ("mse", "quartic"):
        nouts = [choose.integer(2, 4), 1]
        xs = [[number_between(choose, -1, 1) for _ in range(2)] for _ in range(choose.integer(3, 5))]
        args = {
            "xs": xs,
            "ys": [choose.pick([-1.0, 1.0]) for _ in xs],
            "nouts": nouts,
            "weights": random_weights(choose, [2, *nouts]),
            "epochs": 6,
            "lr": choose.pick([0.05, 0.1]),
            "loss": loss,
        }
        made.append(Case(train_history, args, f"MLP(2, {nouts}), {len(xs)} samples, {loss} loss"))
    made.append(
        Case(
            learns_xor,
            {"seed": rng.randint(0, 10**6), "epochs": 150, "lr": 0.1, "threshold": 0.05},
            "150 epochs, lr = 0.1",
        )
    )
    return made
