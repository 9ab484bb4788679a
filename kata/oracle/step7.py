"""Step 7: the cases, and the trajectories of a right SGD with momentum and Adam (plain floats)."""

from __future__ import annotations

import math
from typing import Any

from kata.catalogue.core import Args, Case, Expectation, Observation
from kata.numbers import close
from kata.oracle.choose import Chooser, number_between
from kata.oracle.distinct import clear

EPS = 1e-8


def simulate(args: Args, mistake: str = "") -> list[list[float]]:
    """The parameters after each step, right or with a classic mistake:
    "momentum forgets", "no bias correction", "no eps", "eps inside sqrt", "uphill"."""
    data = list(args["start"])
    n = len(data)
    first, second = [0.0] * n, [0.0] * n
    eps = args.get("eps", EPS)
    sign = -1.0 if mistake == "uphill" else 1.0
    steps = []
    for t, grads in enumerate(args["grads"], start=1):
        for i, g in enumerate(grads):
            if args["optimizer"] == "SGD":
                first[i] = args["momentum"] * first[i] + (0.0 if mistake == "momentum forgets" else g)
                data[i] -= sign * args["lr"] * first[i]
            else:
                b1, b2 = args["betas"]
                first[i] = b1 * first[i] + (1 - b1) * g
                second[i] = b2 * second[i] + (1 - b2) * g * g
                corrected = mistake != "no bias correction"
                m_hat = first[i] / (1 - b1**t) if corrected else first[i]
                v_hat = second[i] / (1 - b2**t) if corrected else second[i]
                if mistake == "no eps":
                    denominator = math.sqrt(v_hat)
                elif mistake == "eps inside sqrt":
                    denominator = math.sqrt(v_hat + eps)
                else:
                    denominator = math.sqrt(v_hat) + eps
                data[i] -= sign * args["lr"] * m_hat / denominator
        steps.append(list(data))
    return steps


def expect_trajectory(args: Args, observation: Observation) -> Expectation:
    alternatives = [["optimizer-climbs", {"data after each step": simulate(args, "uphill")}]]
    if args["optimizer"] == "SGD" and args["momentum"]:
        alternatives.append(["momentum-forgets-gradient", {"data after each step": simulate(args, "momentum forgets")}])
    if args["optimizer"] == "Adam":
        alternatives.append(["adam-no-bias-correction", {"data after each step": simulate(args, "no bias correction")}])
        if "eps" in args:
            alternatives.append(["adam-without-eps", {"data after each step": simulate(args, "no eps")}])
            alternatives.append(["adam-without-eps", {"data after each step": simulate(args, "eps inside sqrt")}])
    return {"expected": {"data after each step": simulate(args)}, "alternatives": alternatives}


def expect_zero_grad(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"grads": [0.0, 0.0, 0.0]}}


def expect_minimise(args: Args, observation: Observation) -> Expectation:
    return {"expected": {"final": list(args["target"])}, "tolerance": "converged"}


def eps_invisible(args: Args) -> bool:
    """Whether where eps goes cannot change this case's verdict: true of every case but the one that
    gives eps its own small gradients (else a misplaced eps would cost points under some seeds only)."""
    if args["optimizer"] != "Adam" or "eps" in args:
        return True
    right = _flat(simulate(args))
    return all(
        close(a, b) for mistake in ("no eps", "eps inside sqrt") for a, b in zip(right, _flat(simulate(args, mistake)))
    )


def _flat(steps: list[list[float]]) -> list[float]:
    return [x for step in steps for x in step]


EXPECT = {
    "step7.sgd": expect_trajectory,
    "step7.adam": expect_trajectory,
    "step7.zero-grad": expect_zero_grad,
    "step7.adam-minimises": expect_minimise,
}


RANDOM: dict[str, Any] = {}


def cases(choose: Chooser) -> list[Case]:
    made = []

    def trajectory_args(optimizer: str, scale: float = 1.0, **extra: Any) -> dict[str, Any]:
        while True:
            n = choose.integer(2, 3)
            args = {
                "optimizer": optimizer,
                "start": [number_between(choose, -2, 2) for _ in range(n)],
                "grads": [[number_between(choose, -2, 2, 0.1) * scale for _ in range(n)] for _ in range(5)],
                **extra,
            }
            expected = expect_trajectory(args, {})
            if clear(expected["expected"], expected["alternatives"]) and eps_invisible(args):
                return args

    for momentum in (0.0, 0.9):
        args = trajectory_args("SGD", lr=choose.pick([0.05, 0.1]), momentum=momentum)
        made.append(Case("step7.sgd", args, f"lr = {args['lr']}, momentum = {momentum}, 5 steps"))
    for betas in ([0.9, 0.999], [0.8, 0.99]):
        args = trajectory_args("Adam", lr=choose.pick([0.01, 0.1]), betas=betas)
        made.append(Case("step7.adam", args, f"lr = {args['lr']}, betas = {tuple(betas)}, 5 steps"))
    args = trajectory_args("Adam", scale=1e-9, lr=0.01, betas=[0.9, 0.999], eps=1e-8)
    made.append(Case("step7.adam", args, "gradients near 1e-9, where eps matters, 5 steps"))
    made.append(Case("step7.zero-grad", {"grad": number_between(choose, 0.5, 2)}, ""))
    target = [number_between(choose, -2, 2) for _ in range(3)]
    made.append(
        Case(
            "step7.adam-minimises",
            {"start": [0.0, 0.0, 0.0], "target": target, "lr": 0.1, "steps": 200},
            f"c = {target}, lr = 0.1, 200 steps",
        )
    )
    return made
