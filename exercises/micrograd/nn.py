"""Step 5: a neural network is a bigger expression made of Values.

A Neuron computes tanh(w . x + b). A Layer is a list of Neurons that all read the same
inputs. An MLP (multi-layer perceptron) is a list of Layers, each reading the outputs of
the one before. Every weight and bias is a Value, so backward() reaches all of them.
"""

import random

from .engine import Value


class Module:
    """Anything with parameters: it can list them and reset their gradients."""

    def parameters(self):
        return []

    def zero_grad(self):
        raise NotImplementedError('Step 5: set the grad of every parameter back to 0.0 (make hint STEP=5)')


class Neuron(Module):
    """One neuron: nin weights and a bias; tanh(w . x + b), or w . x + b when nonlin is False."""

    def __init__(self, nin, nonlin=True):
        raise NotImplementedError('Step 5: create nin weights w with random.uniform(-1, 1), a bias b = Value(0.0), and remember nonlin (make hint STEP=5)')

    def __call__(self, x):
        raise NotImplementedError('Step 5: return tanh(w . x + b), or just w . x + b when nonlin is False (make hint STEP=5)')

    def parameters(self):
        raise NotImplementedError('Step 5: return the weights then the bias, as one list (make hint STEP=5)')

    def __repr__(self):
        kind = "tanh" if self.nonlin else "linear"
        return f"Neuron({len(self.w)}, {kind})"


class Layer(Module):
    """nout neurons side by side, each reading the same nin inputs."""

    def __init__(self, nin, nout, **kwargs):
        raise NotImplementedError('Step 5: create nout Neurons of nin inputs each, passing **kwargs on (make hint STEP=5)')

    def __call__(self, x):
        raise NotImplementedError('Step 5: apply every neuron to x; return the single Value when there is one neuron, else the list (make hint STEP=5)')

    def parameters(self):
        raise NotImplementedError('Step 5: return the parameters of every neuron, in order, as one flat list (make hint STEP=5)')

    def __repr__(self):
        return f"Layer([{', '.join(repr(n) for n in self.neurons)}])"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; the last layer is linear."""

    def __init__(self, nin, nouts):
        raise NotImplementedError('Step 5: chain Layers of sizes [nin] + nouts, every layer nonlinear except the last (make hint STEP=5)')

    def __call__(self, x):
        raise NotImplementedError('Step 5: feed x through every layer in turn and return the result (make hint STEP=5)')

    def parameters(self):
        raise NotImplementedError('Step 5: return the parameters of every layer, in order, as one flat list (make hint STEP=5)')

    def __repr__(self):
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"
