"""Step 6 probes: losses, SGD and the training loop (micrograd/train.py).

The training checks train the kata's own small model (KataModel below), not the student's MLP, so
a bug in step 5 costs nothing here; and in the grader its Values are the kata's engine, so a bug
in steps 2-4 costs nothing either. The model records the parameters it sees at every forward
call and every zero_grad() call: the judge recomputes the losses from those parameters, so what
train() returns about itself is checked, never believed.
"""

from __future__ import annotations

import random

from kata.harness.observe import number, numbers

_type = type
_len = len
_isinstance = isinstance
_list = list

MAX_LOGGED = 400  # forward calls whose parameters are reported


class KataModel:
    """y = w0 * x0 + w1 * x1 + w2 * x0 * x1 + b: four parameters, one output, any Value class."""

    def __init__(self, Value, weights: list[float]) -> None:
        self.params = [Value(w) for w in weights]
        self.forward_calls: list = []
        self.forward_count = 0
        self.zero_grad_calls = 0

    def __call__(self, x: list):
        if self.forward_count < MAX_LOGGED:
            self.forward_calls.append([number(p.data) for p in self.params])
        self.forward_count += 1
        w0, w1, w2, b = self.params
        return w0 * x[0] + w1 * x[1] + w2 * x[0] * x[1] + b

    def parameters(self) -> list:
        return _list(self.params)

    def zero_grad(self) -> None:
        self.zero_grad_calls += 1
        for p in self.params:
            p.grad = 0.0

    def report(self) -> dict:
        return {
            "forward calls": self.forward_count,
            "parameters at each forward call": self.forward_calls,
            "zero_grad calls": self.zero_grad_calls,
            "final parameters": [number(p.data) for p in self.params],
        }


def quartic_loss(predictions, targets):
    """sum((p - t)^4) / 4: a loss other than MSE, so train() can be seen using the loss_fn it gets."""
    total = 0
    for p, t in zip(predictions, targets):
        total = total + (p - t) ** 4
    return total * 0.25


def weighted_loss(predictions, targets):
    """sum((p - t)^2 * (t + 2)): not symmetric in its arguments, so swapping them shows."""
    total = 0
    for p, t in zip(predictions, targets):
        total = total + (p - t) ** 2 * (t + 2.0)
    return total


LOSSES = {"quartic": quartic_loss, "weighted": weighted_loss}


def probe_mse(mg, args: dict) -> dict:
    predictions = [mg.Value(p) for p in args["predictions"]]
    targets = [mg.Value(t) for t in args["targets"]] if args["targets_as_values"] else _list(args["targets"])
    loss = mg.train.mse_loss(predictions, targets)
    if not _isinstance(loss, mg.Value):
        return {"is a Value": False, "loss": number(loss)}
    return {"is a Value": True, "loss": number(loss.data)}


def mse_gradient(mg, args: dict) -> dict:
    predictions = [mg.Value(p) for p in args["predictions"]]
    loss = mg.train.mse_loss(predictions, _list(args["targets"]))
    loss.backward()
    return {"prediction grads": [number(p.grad) for p in predictions]}


def sgd_step(mg, args: dict) -> dict:
    parameters = [mg.Value(x) for x in args["data"]]
    for p, g in zip(parameters, args["grads"]):
        p.grad = g
    mg.train.sgd_step(parameters, args["lr"])
    return {"data after": [number(p.data) for p in parameters], "grads after": [number(p.grad) for p in parameters]}


def train_history(mg, args: dict) -> dict:
    model = KataModel(mg.Value, args["weights"])
    history = mg.train.train(model, args["xs"], args["ys"], args["epochs"], args["lr"], loss_fn=LOSSES[args["loss"]])
    return {"history": numbers(history), **model.report()}


def learns_xor(mg, args: dict) -> dict:
    random.seed(args["seed"])
    model = KataModel(mg.Value, [random.uniform(-1, 1) for _ in range(4)])
    history = mg.train.train(model, args["xs"], args["ys"], args["epochs"], args["lr"])
    report = model.report()
    return {
        "history": numbers(history),
        "final parameters": report["final parameters"],
        "forward calls": report["forward calls"],
    }


PROBES = {
    "step6.mse": probe_mse,
    "step6.mse-gradient": mse_gradient,
    "step6.sgd-step": sgd_step,
    "step6.train-history": train_history,
    "step6.learns-xor": learns_xor,
}
