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
        ### BEGIN SOLUTION
        for p in self.parameters:
            p.grad = 0.0
        ### END SOLUTION

    def step(self):
        raise NotImplementedError("an Optimizer subclass defines step()")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum: v = momentum * v + grad; p -= lr * v."""

    def __init__(self, parameters, lr=0.01, momentum=0.0):
        super().__init__(parameters, lr)
        self.momentum = momentum
        ### BEGIN SOLUTION
        self.velocities = [0.0 for _ in self.parameters]
        ### END SOLUTION

    def step(self):
        ### BEGIN SOLUTION
        for i, p in enumerate(self.parameters):
            self.velocities[i] = self.momentum * self.velocities[i] + p.grad
            p.data -= self.lr * self.velocities[i]
        ### END SOLUTION


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): running averages of the gradient (m) and of its square (v),
    corrected for their start at zero, and a step of lr * m_hat / (sqrt(v_hat) + eps)."""

    def __init__(self, parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(parameters, lr)
        self.betas = betas
        self.eps = eps
        ### BEGIN SOLUTION
        self.m = [0.0 for _ in self.parameters]
        self.v = [0.0 for _ in self.parameters]
        self.t = 0
        ### END SOLUTION

    def step(self):
        ### BEGIN SOLUTION
        beta1, beta2 = self.betas
        self.t += 1
        for i, p in enumerate(self.parameters):
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * p.grad
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * p.grad**2
            # both averages start at 0, so early on they are too small: divide by (1 - beta^t)
            m_hat = self.m[i] / (1 - beta1**self.t)
            v_hat = self.v[i] / (1 - beta2**self.t)
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)
        ### END SOLUTION
