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
        ### BEGIN SOLUTION
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value + other.value, self.derivative + other.derivative)
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Dual) else Dual(other)
        # the product rule, carried along: (ab)' = a'b + ab'
        return Dual(self.value * other.value, self.derivative * other.value + self.value * other.derivative)
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return Dual(-self.value, -self.derivative)
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value - other.value, self.derivative - other.derivative)
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Dual) else Dual(other)
        # the quotient rule: (a / b)' = (a'b - ab') / b^2
        derivative = (self.derivative * other.value - self.value * other.derivative) / other.value**2
        return Dual(self.value / other.value, derivative)
        ### END SOLUTION

    def __pow__(self, exponent):
        ### BEGIN SOLUTION
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Dual ** exponent needs an int or float exponent, got {type(exponent).__name__}")
        return Dual(self.value**exponent, exponent * self.value ** (exponent - 1) * self.derivative)
        ### END SOLUTION

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):  # other - self
        return Dual(other) - self

    def __rtruediv__(self, other):  # other / self
        return Dual(other) / self

    def exp(self):
        ### BEGIN SOLUTION
        e = math.exp(self.value)
        return Dual(e, e * self.derivative)
        ### END SOLUTION

    def log(self):
        ### BEGIN SOLUTION
        if self.value <= 0:
            raise ValueError(f"log needs a positive number, got {self.value}")
        return Dual(math.log(self.value), self.derivative / self.value)
        ### END SOLUTION

    def tanh(self):
        ### BEGIN SOLUTION
        t = math.tanh(self.value)
        return Dual(t, (1 - t * t) * self.derivative)
        ### END SOLUTION

    def relu(self):
        ### BEGIN SOLUTION
        if self.value > 0:
            return Dual(self.value, self.derivative)
        return Dual(0.0, 0.0)
        ### END SOLUTION

    def sigmoid(self):
        ### BEGIN SOLUTION
        if self.value >= 0:
            s = 1.0 / (1.0 + math.exp(-self.value))
        else:
            e = math.exp(self.value)
            s = e / (1.0 + e)
        return Dual(s, s * (1 - s) * self.derivative)
        ### END SOLUTION


def derivative(f, x):
    """f'(x) in one forward pass: seed x with derivative 1."""
    ### BEGIN SOLUTION
    return f(Dual(x, 1.0)).derivative
    ### END SOLUTION


def gradient(f, xs):
    """Every partial derivative of f (which takes a list) at xs: one forward pass per input."""
    ### BEGIN SOLUTION
    return [f([Dual(x, 1.0 if i == j else 0.0) for j, x in enumerate(xs)]).derivative for i in range(len(xs))]
    ### END SOLUTION
