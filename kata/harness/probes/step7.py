"""Step 7 probes: optimisers, momentum and Adam (micrograd/optim.py).

The trajectory checks set every gradient by hand before each step(), so they need only the Value
class; the last check minimises a function with backward() (in the grader, on the kata's engine).
"""

from __future__ import annotations

from kata.harness.observe import number

_tuple = tuple


def trajectory(mg, args: dict) -> dict:
    parameters = [mg.Value(x) for x in args["start"]]
    if args["optimizer"] == "SGD":
        optimizer = mg.optim.SGD(parameters, lr=args["lr"], momentum=args["momentum"])
    elif "eps" in args:
        optimizer = mg.optim.Adam(parameters, lr=args["lr"], betas=_tuple(args["betas"]), eps=args["eps"])
    else:
        optimizer = mg.optim.Adam(parameters, lr=args["lr"], betas=_tuple(args["betas"]))
    steps = []
    for grads in args["grads"]:
        for p, g in zip(parameters, grads):
            p.grad = g
        optimizer.step()
        steps.append([number(p.data) for p in parameters])
    return {"data after each step": steps}


def zero_grad(mg, args: dict) -> dict:
    parameters = [mg.Value(1.0) for _ in range(3)]
    for i, p in enumerate(parameters):
        p.grad = args["grad"] + i
    mg.optim.Adam(parameters).zero_grad()
    return {"grads": [number(p.grad) for p in parameters]}


def adam_minimises(mg, args: dict) -> dict:
    parameters = [mg.Value(x) for x in args["start"]]
    optimizer = mg.optim.Adam(parameters, lr=args["lr"])
    for _ in range(args["steps"]):
        optimizer.zero_grad()
        loss = sum(((p - c) ** 2 for p, c in zip(parameters, args["target"])), mg.Value(0.0))
        loss.backward()
        optimizer.step()
    return {"final": [number(p.data) for p in parameters]}


PROBES = {
    "step7.sgd": trajectory,
    "step7.adam": trajectory,
    "step7.zero-grad": zero_grad,
    "step7.adam-minimises": adam_minimises,
}
