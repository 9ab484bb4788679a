"""Bonus step 7: optimizers, the same interface as PyTorch's (zero_grad, then backward, then step).

Plain SGD steps by -lr * grad. Momentum keeps a running velocity, so steps build up along
directions the gradient keeps pointing to and cancel where it zig-zags. Adam also keeps a running
average of squared gradients and divides by its square root, so every parameter gets a step of
about lr whatever the scale of its gradient.
"""

import math


class Optimizer:
    """Holds the parameters (a list of Values) it updates."""

    def __init__(self, parameters, lr):
        self.parameters = list(parameters)
        self.lr = lr

    def zero_grad(self):
        raise NotImplementedError('Step 7: set the grad of every parameter back to 0.0 (make hint STEP=7)')

    def step(self):
        raise NotImplementedError("an Optimizer subclass defines step()")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum: v = momentum * v + grad; p -= lr * v."""

    def __init__(self, parameters, lr=0.01, momentum=0.0):
        super().__init__(parameters, lr)
        self.momentum = momentum
        raise NotImplementedError('Step 7: start one velocity per parameter at 0.0 (make hint STEP=7)')

    def step(self):
        raise NotImplementedError('Step 7: v = momentum * v + grad, then p.data -= lr * v, for every parameter (make hint STEP=7)')


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): running averages of the gradient (m) and of its square (v),
    corrected for their start at zero, and a step of lr * m_hat / (sqrt(v_hat) + eps)."""

    def __init__(self, parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(parameters, lr)
        self.betas = betas
        self.eps = eps
        raise NotImplementedError('Step 7: start the running averages m and v at 0.0 per parameter, and the step count t at 0 (make hint STEP=7)')

    def step(self):
        raise NotImplementedError('Step 7: update m and v, correct them for their start at zero, and step by lr * m_hat / (sqrt(v_hat) + eps) (make hint STEP=7)')
