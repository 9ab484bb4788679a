"""Step 7: optimisers, momentum and Adam (micrograd/optim.py). What is checked, how it is judged."""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check


@check(7, "sgd", "SGD.step() moves each parameter by -lr * v, with v = momentum * v + grad")
def sgd(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(7, "adam", "Adam.step() follows m, v, their bias correction and lr * m_hat / (sqrt(v_hat) + eps)", weight=2.0)
def adam(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return against(expectation, got)


@check(7, "zero-grad", "an optimizer's zero_grad() sets the grad of every parameter it holds to 0.0")
def zero_grad(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if problems:
        problems.append(Problem("zero_grad() must set p.grad = 0.0 for every parameter the optimizer holds"))
    return problems


@check(
    7,
    "adam-minimises",
    "zero_grad, backward, step: Adam minimises sum((p - c)^2)",
    uses=(2, 3, 4),
)
def adam_minimises(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if problems:
        problems.insert(0, Problem(f"after {args['steps']} Adam steps on sum((p - c)^2) the parameters are not near c"))
    return problems
