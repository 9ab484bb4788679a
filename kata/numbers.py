"""Tolerances and the one closeness function that every check of the kata uses.

All numbers are Python floats (IEEE 754 float64). Two kinds of comparison exist:

EXACT
    A result against the reference engine or against a formula. Both sides compute the same
    maths in float64, but may add the same terms in another order (for example when `_prev`
    is a set), which changes the last bits. Passes when
    |got - expected| <= 1e-9 + 1e-7 * |expected|.

FINITE_DIFFERENCE
    An exact derivative against a central difference with h = 1e-6, whose own error is about
    1e-10 relative for the smooth, moderate functions the checks use. Passes when
    |got - expected| <= 1e-6 + 1e-4 * |expected|.

CONVERGED
    Where an optimisation ends against where it should: a loose absolute bound, since the path
    there depends on the student's (legitimate) choices. Passes when |got - expected| <= 0.05.

NaN and infinity never pass, on either side: a check that expects a non-finite number is a bug
in the check, and a non-finite result from the student is always wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeGuard


@dataclass(frozen=True)
class Tolerance:
    rel: float
    abs: float

    def allowed(self, expected: float) -> float:
        return self.abs + self.rel * abs(expected)


EXACT = Tolerance(rel=1e-7, abs=1e-9)
FINITE_DIFFERENCE = Tolerance(rel=1e-4, abs=1e-6)
CONVERGED = Tolerance(rel=0.0, abs=0.05)
# Cases are drawn so that no classic wrong answer lands this close to the right one by accident.
DISTINCT = Tolerance(rel=1e-3, abs=1e-4)


def is_real(x: object) -> TypeGuard[float]:
    """True for a finite int or float of exactly those types (bool, subclasses and NaN are not)."""
    return (type(x) is int or type(x) is float) and math.isfinite(x)


def close(expected: object, got: object, tolerance: Tolerance = EXACT) -> bool:
    """Combined relative + absolute closeness; False whenever either side is not a finite real."""
    if not (is_real(expected) and is_real(got)):
        return False
    return abs(got - expected) <= tolerance.allowed(expected)


def show(x: object) -> str:
    """A number as a student should read it in feedback: short, but enough digits to differ."""
    if type(x) is float:
        if math.isnan(x) or math.isinf(x):
            return repr(x)
        return f"{x:.10g}"
    if type(x) is int:
        return str(x)
    if isinstance(x, dict) and "not_a_number" in x:
        if x["not_a_number"] == "NoneType":
            return "None (no value: did you forget `return`?)"
        return f"{x.get('repr', '?')} (a {x['not_a_number']}, not a number)"
    if isinstance(x, dict) and isinstance(x.get("raised"), str):
        name = x["raised"]
        return f"a{'n' if name[:1] in 'AEIOU' else ''} {name} raised by your code"
    return repr(x)
