"""Bonus step 8: forward-mode differentiation with dual numbers.

A dual number a + b e, with e * e = 0, carries a value a and a derivative b together. Doing
arithmetic on duals applies the chain rule as it goes: (a + b e) * (c + d e) = ac + (ad + bc) e.
Seed the input with derivative 1 and every result carries d(result)/d(input): the derivative comes
out of ONE forward pass, no graph, no backward. The price: one pass per input. Reverse mode
(backward()) gives the derivative with respect to every input in one pass, which is why neural
networks use it.
"""

import math


class Dual:
    """value + derivative * e, where e * e = 0."""

    def __init__(self, value, derivative=0.0):
        self.value = float(value)
        self.derivative = float(derivative)

    def __repr__(self):
        return f"Dual({self.value:.6g}, {self.derivative:.6g})"

    def __add__(self, other):
        raise NotImplementedError('Step 8: return the Dual of Dual.__add__: its value, and its derivative by the chain rule (make hint STEP=8)')

    def __mul__(self, other):
        raise NotImplementedError('Step 8: return the Dual of Dual.__mul__: its value, and its derivative by the chain rule (make hint STEP=8)')

    def __neg__(self):
        raise NotImplementedError('Step 8: return the Dual of Dual.__neg__: its value, and its derivative by the chain rule (make hint STEP=8)')

    def __sub__(self, other):
        raise NotImplementedError('Step 8: return the Dual of Dual.__sub__: its value, and its derivative by the chain rule (make hint STEP=8)')

    def __truediv__(self, other):
        raise NotImplementedError('Step 8: return the Dual of Dual.__truediv__: its value, and its derivative by the chain rule (make hint STEP=8)')

    def __pow__(self, exponent):
        raise NotImplementedError('Step 8: return the Dual of self ** exponent for an int or float exponent (TypeError otherwise) (make hint STEP=8)')

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):  # other - self
        return Dual(other) - self

    def __rtruediv__(self, other):  # other / self
        return Dual(other) / self

    def exp(self):
        raise NotImplementedError('Step 8: return the Dual of Dual.exp: its value, and its derivative by the chain rule (make hint STEP=8)')

    def log(self):
        raise NotImplementedError('Step 8: return the Dual of the natural log (ValueError naming the value if it is not positive) (make hint STEP=8)')

    def tanh(self):
        raise NotImplementedError('Step 8: return the Dual of Dual.tanh: its value, and its derivative by the chain rule (make hint STEP=8)')

    def relu(self):
        raise NotImplementedError('Step 8: return the Dual of Dual.relu: its value, and its derivative by the chain rule (make hint STEP=8)')

    def sigmoid(self):
        raise NotImplementedError('Step 8: return the Dual of Dual.sigmoid: its value, and its derivative by the chain rule (make hint STEP=8)')


def derivative(f, x):
    """f'(x) in one forward pass: seed x with derivative 1."""
    raise NotImplementedError("Step 8: return f'(x) from one forward pass: call f on Dual(x, 1.0) (make hint STEP=8)")


def gradient(f, xs):
    """Every partial derivative of f (which takes a list) at xs: one forward pass per input."""
    raise NotImplementedError('Step 8: return every partial derivative of f at xs: one forward pass per input, seeding that input with 1 (make hint STEP=8)')
