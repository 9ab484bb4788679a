"""The formulas of every op form: forward value, local derivatives, and the classic wrong variants
(keyed by the bug id of kata/catalogue/bugs.py) that the judges use to say which bug a number looks like."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kata.harness.build import FORMS, Form

Floats = Sequence[float]
LIMIT = 30.0  # |value| of every node of a drawn graph stays below this, so every comparison is well scaled
T = TypeVar("T")


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Formula:
    forward: Callable[[Floats, Any], float]
    partials: Callable[[Floats, float, Any], tuple[float, ...]]  # (inputs, output, const) -> d(out)/d(input) each
    consts: tuple[Any, ...] = ()  # the constants a case may use (exponents, plain numbers)
    valid: Callable[[Floats, Any], bool] = lambda xs, c: True
    from_output: bool = False  # the derivative is naturally written from the output (e^x, 1 - t^2, s(1 - s))
    wrong_partials: dict[str, Callable[[Floats, float, Any], tuple[float, ...]]] = field(default_factory=dict)
    wrong_forward: dict[str, Callable[[Floats, Any], float]] = field(default_factory=dict)


PLAIN = (0.5, 2.0, -1.5, 3.0)
EXPONENT_CLASSES = ((2, 3), (-1, -2), (0.5, 1.5))  # positive integers, negative integers, fractions


# the bases of number ** Value: never e, where ln c = 1 and a closure that forgets ln c would look right
RPOW_BASES = (0.5, 1.5, 2.0, 3.0)


def _rpow_valid(x: Floats, c: float) -> bool:
    # a positive exponent, so that the classic wrong answers (x ** c for c ** x, the log of the exponent)
    # are real numbers that the judges can name
    return c > 0 and x[0] >= 0.2


def _pow_valid(x: Floats, c: float) -> bool:
    if c != int(c) and x[0] < 0.3:
        return False
    return not (c < 0 and abs(x[0]) < 0.3)


FORMULAS: dict[str, Formula] = {
    "add": Formula(
        lambda x, c: x[0] + x[1],
        lambda x, y, c: (1.0, 1.0),
        wrong_partials={"add-first-input-only": lambda x, y, c: (1.0, 0.0)},
    ),
    "sub": Formula(
        lambda x, c: x[0] - x[1],
        lambda x, y, c: (1.0, -1.0),
        wrong_partials={"sub-second-sign": lambda x, y, c: (1.0, 1.0)},
        wrong_forward={"operands-swapped": lambda x, c: x[1] - x[0]},
    ),
    "mul": Formula(
        lambda x, c: x[0] * x[1],
        lambda x, y, c: (x[1], x[0]),
        wrong_partials={"mul-own-value": lambda x, y, c: (x[0], x[1])},
    ),
    "div": Formula(
        lambda x, c: x[0] / x[1],
        lambda x, y, c: (1.0 / x[1], -x[0] / x[1] ** 2),
        valid=lambda x, c: abs(x[1]) >= 0.3,
        wrong_partials={
            "div-denominator-sign": lambda x, y, c: (1.0 / x[1], x[0] / x[1] ** 2),
            "div-numerator-missing": lambda x, y, c: (1.0 / x[1], -1.0 / x[1] ** 2),
        },
        wrong_forward={"operands-swapped": lambda x, c: x[1] / x[0] if x[0] else math.inf},
    ),
    "neg": Formula(
        lambda x, c: -x[0],
        lambda x, y, c: (-1.0,),
        wrong_partials={"neg-loses-sign": lambda x, y, c: (1.0,)},
    ),
    "pow": Formula(
        lambda x, c: x[0] ** c,
        lambda x, y, c: (c * x[0] ** (c - 1),),
        consts=(2, 3, -1, -2, 0.5, 1.5),
        valid=_pow_valid,
        wrong_partials={
            "power-rule-wrong": lambda x, y, c: (c * x[0] ** c,),
            "pow-factor-missing": lambda x, y, c: (x[0] ** (c - 1),),
            "pow-n-minus-one": lambda x, y, c: ((c - 1) * x[0] ** (c - 1),),
        },
    ),
    "exp": Formula(
        lambda x, c: math.exp(x[0]),
        lambda x, y, c: (y,),
        valid=lambda x, c: x[0] <= 3.0,
        from_output=True,
        wrong_partials={"exp-grad-from-input": lambda x, y, c: (x[0],)},
    ),
    "log": Formula(
        lambda x, c: math.log(x[0]),
        lambda x, y, c: (1.0 / x[0],),
        valid=lambda x, c: x[0] >= 0.2,
        wrong_partials={
            "log-grad-times-x": lambda x, y, c: (x[0],),
            "log-grad-from-output": lambda x, y, c: (1.0 / y if y else math.inf,),
        },
    ),
    "tanh": Formula(
        lambda x, c: math.tanh(x[0]),
        lambda x, y, c: (1.0 - y * y,),
        from_output=True,
        wrong_partials={
            "tanh-grad-from-input": lambda x, y, c: (1.0 - x[0] ** 2,),
            "tanh-square-missing": lambda x, y, c: (1.0 - y,),
        },
    ),
    "relu": Formula(
        lambda x, c: x[0] if x[0] > 0 else 0.0,
        lambda x, y, c: (1.0 if y > 0 else 0.0,),
        valid=lambda x, c: x[0] == 0 or abs(x[0]) >= 0.05,
        from_output=True,
        wrong_partials={
            "relu-passes-negative": lambda x, y, c: (1.0,),
            "relu-grad-is-value": lambda x, y, c: (y,),
            "relu-grad-threshold": lambda x, y, c: (1.0 if x[0] > 1 else 0.0,),
        },
        wrong_forward={"relu-forward-threshold": lambda x, c: x[0] if x[0] > 1 else 0.0},
    ),
    "sigmoid": Formula(
        lambda x, c: sigmoid(x[0]),
        lambda x, y, c: (y * (1.0 - y),),
        from_output=True,
        wrong_partials={
            "sigmoid-grad-from-input": lambda x, y, c: (x[0] * (1.0 - x[0]),),
            "sigmoid-factor-missing": lambda x, y, c: (y,),
        },
    ),
    "add_const": Formula(lambda x, c: x[0] + c, lambda x, y, c: (1.0,), consts=PLAIN),
    "sub_const": Formula(lambda x, c: x[0] - c, lambda x, y, c: (1.0,), consts=PLAIN),
    "mul_const": Formula(lambda x, c: x[0] * c, lambda x, y, c: (c,), consts=PLAIN),
    "div_const": Formula(lambda x, c: x[0] / c, lambda x, y, c: (1.0 / c,), consts=PLAIN),
    "radd": Formula(lambda x, c: c + x[0], lambda x, y, c: (1.0,), consts=PLAIN),
    "rsub": Formula(
        lambda x, c: c - x[0],
        lambda x, y, c: (-1.0,),
        consts=PLAIN,
        wrong_forward={"operands-swapped": lambda x, c: x[0] - c},
    ),
    "rmul": Formula(lambda x, c: c * x[0], lambda x, y, c: (c,), consts=PLAIN),
    "rdiv": Formula(
        lambda x, c: c / x[0],
        lambda x, y, c: (-c / x[0] ** 2,),
        consts=PLAIN,
        valid=lambda x, c: abs(x[0]) >= 0.3,
        wrong_forward={"operands-swapped": lambda x, c: x[0] / c},
    ),
    "rpow": Formula(
        lambda x, c: c ** x[0],
        lambda x, y, c: (y * math.log(c),),
        consts=RPOW_BASES,
        valid=_rpow_valid,
        from_output=True,
        wrong_partials={
            "rpow-power-rule": lambda x, y, c: (x[0] * c ** (x[0] - 1),),
            "rpow-x-ln-c": lambda x, y, c: (x[0] * math.log(c),),
            "rpow-log-missing": lambda x, y, c: (y,),
            "rpow-log-of-exponent": lambda x, y, c: (y * math.log(x[0]),),
        },
        wrong_forward={"operands-swapped": lambda x, c: x[0] ** c},
    ),
}

assert set(FORMULAS) == set(FORMS), "every op form has its formulas"


def form(name: str) -> Form:
    return FORMS[name]


def forward(name: str, inputs: Floats, const: Any = None) -> float:
    return FORMULAS[name].forward(inputs, const)


def partials(name: str, inputs: Floats, output: float, const: Any = None) -> tuple[float, ...]:
    return FORMULAS[name].partials(inputs, output, const)


def safe(function: Callable[[], T]) -> T | None:
    """function(), or None when it raises an arithmetic error or gives a complex number."""
    try:
        result = function()
    except (ArithmeticError, ValueError):
        return None
    if isinstance(result, complex):
        return None
    return result
