"""Step 1: derivatives measured rather than derived.

A derivative is the slope of f at x: how much f(x) moves per unit of a tiny move of x.
Finite differences measure it by evaluating f twice. They are slow (two calls per input)
and approximate, which is why the rest of the kata computes exact gradients with the chain
rule instead; but they are the yardstick every gradient in the kata is checked against.
"""


def numerical_derivative(f, x, h=1e-6):
    """The central difference (f(x + h) - f(x - h)) / (2h), an estimate of f'(x).

    Stepping to both sides cancels the error of the curvature, so the error shrinks like h**2
    (a one-sided difference only shrinks like h).
    """
    raise NotImplementedError('Step 1: implement numerical_derivative (make hint STEP=1)')


def numerical_gradient(f, xs, h=1e-6):
    """The central-difference partial derivative of f at xs for every coordinate.

    f takes a list of floats and returns a float. Each partial derivative moves one
    coordinate by +-h and holds the others fixed. xs itself is left unchanged.
    """
    raise NotImplementedError('Step 1: implement numerical_gradient (make hint STEP=1)')
