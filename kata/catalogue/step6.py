"""Step 6: losses, SGD and the training loop (micrograd/train.py). What is checked, how it is judged.

train() is judged by what the model saw (the parameters at every forward call, recorded by the
kata's model) and by the losses recomputed from those parameters, never by what train() says about
itself.
"""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check, compared, looks_like, reported
from kata.numbers import EXACT, close, is_real, show


def _lists_close(a: object, b: object) -> bool:
    return (
        isinstance(a, list)
        and isinstance(b, list)
        and len(a) == len(b)
        and all(
            isinstance(x, list)
            and isinstance(y, list)
            and len(x) == len(y)
            and all(close(u, v, EXACT) for u, v in zip(x, y))
            for x, y in zip(a, b)
        )
    )


@check(6, "mse", "mse_loss returns the MEAN of the squared errors, as a Value", uses=(2,))
def mse(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(6, "mse-gradient", "backward() through mse_loss gives every prediction 2 (p - t) / n", uses=(2, 3, 4))
def mse_gradient(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(6, "sgd-step", "sgd_step moves every parameter by -lr * grad and leaves the grads alone")
def sgd_step(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    if got.get("grads after") != expectation["expected"]["grads after"]:
        return [*compared(expectation["expected"], got), looks_like("sgd-changes-grad")]
    return against(expectation, got)


def trajectory_seen(got: Observation, epochs: int, samples: int) -> list[object] | str:
    """The parameters at the start of every epoch (and at the end), from the model's own record."""
    calls, seen = got.get("forward calls"), got.get("parameters at each forward call")
    if calls != epochs * samples or not isinstance(seen, list):
        return (
            f"the model was called {calls} times; {epochs} epochs of {samples} samples call it "
            f"{epochs * samples} times (once per sample per epoch)"
        )
    starts = [seen[e * samples] for e in range(epochs) if e * samples < len(seen)]
    if len(starts) != epochs:
        return "the model's record is incomplete"
    return [*starts, got.get("final parameters")]


@check(
    6,
    "train-history",
    "train() runs forward, loss, zero_grad, backward, step every epoch, with the loss_fn it is given, "
    "and returns every epoch's loss",
    weight=2.0,
    uses=(2, 3, 4),
)
def train_history(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    epochs = args["epochs"]
    seen = trajectory_seen(got, epochs, expectation["samples"])
    if isinstance(seen, str):
        return [Problem(seen)]
    if not _lists_close(expectation["trajectory"], seen):
        problems = [
            Problem(f"the parameters after each epoch were {_rows(seen)}; expected {_rows(expectation['trajectory'])}")
        ]
        for bug, trajectory in expectation["alternatives"]:
            if _lists_close(trajectory, seen):
                if bug == "train-without-zero-grad" and reported(got, "zero_grad calls", int) > 0:
                    continue  # it does call zero_grad: the numbers agree by accident
                return [*problems, looks_like(bug)]
        return problems
    history = got.get("history")
    if (
        not isinstance(history, list)
        or len(history) != epochs
        or not all(close(e, h, EXACT) for e, h in zip(expectation["history"], history))
    ):
        return [
            Problem(
                f"train returned {show(history)[:200]}; the losses of its epochs were "
                f"{[round(x, 6) for x in expectation['history']]}"
            ),
            looks_like("train-history-not-losses"),
        ]
    return []


def _rows(rows: list[object]) -> str:
    return (
        "["
        + ", ".join(
            "(" + ", ".join(f"{x:.4g}" if is_real(x) else show(x) for x in row) + ")"
            if isinstance(row, list)
            else show(row)
            for row in rows[:6]
        )
        + (", ...]" if len(rows) > 6 else "]")
    )


@check(6, "learns-xor", "train() with mse_loss learns XOR on the kata's model", weight=2.0, uses=(2, 3, 4))
def learns_xor(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    history = got.get("history")
    if not isinstance(history, list) or len(history) != args["epochs"]:
        return [Problem(f"train must return a list of {args['epochs']} losses; got {show(history)[:80]}")]
    params = got.get("final parameters")
    if not isinstance(params, list) or len(params) != 4 or not all(is_real(p) for p in params):
        return [Problem(f"after training the parameters are {show(params)}: they must be finite numbers")]
    xs, ys = expectation["xs"], expectation["ys"]
    predictions = [params[0] * x[0] + params[1] * x[1] + params[2] * x[0] * x[1] + params[3] for x in xs]
    loss = sum((p - y) ** 2 for p, y in zip(predictions, ys)) / len(ys)
    if not loss <= expectation["threshold"]:
        return [
            Problem(
                f"after {args['epochs']} epochs the model's mean squared error on XOR is {loss:.4g} (from its "
                f"parameters {[round(p, 4) for p in params]}); a right loop gets it below "
                f"{expectation['threshold']}. Does every step go downhill, with this epoch's gradients?"
            )
        ]
    return []
