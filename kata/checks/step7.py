"""Bonus step 7: optimizers, momentum and Adam (micrograd/optim.py).

The trajectory checks set every gradient by hand before each step(), so they need only Value from
step 2; the last check minimises a function with backward(), so the step depends on steps 2-4.
"""

from __future__ import annotations

import math
import random

from kata.checks.core import Case, check, compare
from kata.graphs import RandomChooser, number_between
from kata.numbers import CONVERGED, close
from kata.observe import number


def _run(mg, args):
    parameters = [mg.Value(x) for x in args["start"]]
    kind = args["optimizer"]
    if kind == "SGD":
        optimizer = mg.optim.SGD(parameters, lr=args["lr"], momentum=args["momentum"])
    else:
        optimizer = mg.optim.Adam(parameters, lr=args["lr"], betas=tuple(args["betas"]))
    trajectory = []
    for grads in args["grads"]:
        for p, g in zip(parameters, grads):
            p.grad = g
        optimizer.step()
        trajectory.append([number(p.data) for p in parameters])
    return {"data after each step": trajectory}


def simulate(args: dict, bias_correction: bool = True, momentum_style: str = "pytorch") -> list[list[float]]:
    """The trajectory with plain floats, right or with a classic mistake."""
    data = list(args["start"])
    n = len(data)
    first, second = [0.0] * n, [0.0] * n
    trajectory = []
    for t, grads in enumerate(args["grads"], start=1):
        for i, g in enumerate(grads):
            if args["optimizer"] == "SGD":
                if momentum_style == "pytorch":
                    first[i] = args["momentum"] * first[i] + g
                else:  # the velocity forgets the gradient it just saw: v = momentum * v
                    first[i] = args["momentum"] * first[i]
                data[i] -= args["lr"] * first[i]
            else:
                b1, b2 = args["betas"]
                first[i] = b1 * first[i] + (1 - b1) * g
                second[i] = b2 * second[i] + (1 - b2) * g * g
                m_hat = first[i] / (1 - b1**t) if bias_correction else first[i]
                v_hat = second[i] / (1 - b2**t) if bias_correction else second[i]
                data[i] -= args["lr"] * m_hat / (math.sqrt(v_hat) + 1e-8)
        trajectory.append(list(data))
    return trajectory


def _same(a: list, b: object) -> bool:
    return (
        isinstance(b, list)
        and len(a) == len(b)
        and all(
            isinstance(y, list) and len(x) == len(y) and all(close(u, v) for u, v in zip(x, y)) for x, y in zip(a, b)
        )
    )


def _judge_trajectory(args: dict, expected: dict, got: dict) -> list[str]:
    problems = compare(expected, got)
    if not problems and not _same(simulate(args), got.get("data after each step")):
        problems.append("the trajectory differs from the formulas")
    if problems:
        trajectory = got.get("data after each step")
        if args["optimizer"] == "Adam" and _same(simulate(args, bias_correction=False), trajectory):
            problems.append("looks like: no bias correction; m and v start at 0, so divide them by (1 - beta^t)")
        elif args["optimizer"] == "SGD" and args["momentum"] and _same(simulate(args, momentum_style="x"), trajectory):
            problems.append("looks like: the velocity does not add the new gradient: v = momentum * v + grad")
        elif (
            isinstance(trajectory, list)
            and trajectory
            and _same(
                [[-x for x in row] for row in simulate({**args, "start": [-x for x in args["start"]]})], trajectory
            )
        ):
            problems.append("looks like: the steps go uphill")
    return problems


@check(7, "sgd", "SGD.step() moves each parameter by -lr * v, with v = momentum * v + grad", judge=_judge_trajectory)
def sgd(mg, args):
    return _run(mg, args)


@check(
    7,
    "adam",
    "Adam.step() follows m, v, their bias correction and lr * m_hat / (sqrt(v_hat) + eps)",
    judge=_judge_trajectory,
    weight=2.0,
)
def adam(mg, args):
    return _run(mg, args)


@check(7, "zero-grad", "an optimizer's zero_grad() sets the grad of every parameter it holds to 0.0")
def zero_grad(mg, args):
    parameters = [mg.Value(1.0) for _ in range(3)]
    for i, p in enumerate(parameters):
        p.grad = args["grad"] + i
    mg.optim.Adam(parameters).zero_grad()
    return {"grads": [number(p.grad) for p in parameters]}


def _judge_minimise(args: dict, expected: dict, got: dict) -> list[str]:
    final = got.get("final")
    target = args["target"]
    if (
        not isinstance(final, list)
        or len(final) != len(target)
        or not all(close(t, f, CONVERGED) for t, f in zip(target, final))
    ):
        return [f"after {args['steps']} Adam steps on sum((p - c)^2) the parameters are {final}, not near c = {target}"]
    return []


@check(
    7,
    "adam-minimises",
    "zero_grad, backward, step: Adam minimises sum((p - c)^2) with your whole engine",
    judge=_judge_minimise,
)
def adam_minimises(mg, args):
    parameters = [mg.Value(x) for x in args["start"]]
    optimizer = mg.optim.Adam(parameters, lr=args["lr"])
    for _ in range(args["steps"]):
        optimizer.zero_grad()
        loss = sum(((p - c) ** 2 for p, c in zip(parameters, args["target"])), mg.Value(0.0))
        loss.backward()
        optimizer.step()
    return {"final": [number(p.data) for p in parameters]}


def cases(rng: random.Random) -> list[Case]:
    choose = RandomChooser(rng)
    made = []

    def trajectory_args(optimizer: str, **extra) -> dict:
        n = choose.integer(2, 3)
        return {
            "optimizer": optimizer,
            "start": [number_between(choose, -2, 2) for _ in range(n)],
            "grads": [[number_between(choose, -2, 2, 0.1) for _ in range(n)] for _ in range(5)],
            **extra,
        }

    for momentum in (0.0, 0.9):
        args = trajectory_args("SGD", lr=choose.pick([0.05, 0.1]), momentum=momentum)
        made.append(Case(sgd, args, f"lr = {args['lr']}, momentum = {momentum}, 5 steps"))
    for betas in ([0.9, 0.999], [0.8, 0.99]):
        args = trajectory_args("Adam", lr=choose.pick([0.01, 0.1]), betas=betas)
        made.append(Case(adam, args, f"lr = {args['lr']}, betas = {tuple(betas)}, 5 steps"))
    made.append(Case(zero_grad, {"grad": number_between(choose, 0.5, 2)}, ""))
    target = [number_between(choose, -2, 2) for _ in range(3)]
    made.append(
        Case(
            adam_minimises,
            {"start": [0.0, 0.0, 0.0], "target": target, "lr": 0.1, "steps": 200},
            f"c = {target}, lr = 0.1, 200 steps",
        )
    )
    return made
