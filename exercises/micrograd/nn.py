"""Step 5: a neural network is a bigger expression made of Values.

A Neuron computes tanh(w . x + b), or another activation of it: relu, sigmoid, or none
(linear). A Layer is a list of Neurons that all read the same inputs. An MLP (multi-layer
perceptron) is a list of Layers, each reading the outputs of the one before; each layer may
have an activation of its own. Every weight and bias is a Value, so backward() reaches all of
them.
"""

import random

from .engine import Value

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")  # what a neuron may apply to w . x + b


class Module:
    """Anything with parameters: it can list them and reset their gradients."""

    def parameters(self):
        return []

    def zero_grad(self):
        raise NotImplementedError('Step 5: set the grad of every parameter back to 0.0 (make hint STEP=5)')


class Neuron(Module):
    """One neuron: nin weights and a bias; tanh(w . x + b), or w . x + b when nonlin is False.

    activation names what is applied to w . x + b: "tanh" (the default), "relu", "sigmoid" or
    "linear" (nothing); nonlin=False means "linear" whatever activation says. Any other name is a
    ValueError that lists the four.
    """

    def __init__(self, nin, nonlin=True, activation="tanh"):
        raise NotImplementedError('Step 5: create nin weights w with random.uniform(-1, 1), a bias b = Value(0.0), and remember the activation ("linear" when nonlin is False; ValueError for an unknown name) (make hint STEP=5)')

    def __call__(self, x):
        raise NotImplementedError('Step 5: return tanh(w . x + b), or relu / sigmoid of it, or just w . x + b when linear (make hint STEP=5)')

    def parameters(self):
        raise NotImplementedError('Step 5: return the weights then the bias, as one list (make hint STEP=5)')

    def __repr__(self):
        return f"Neuron({len(self.w)}, {getattr(self, 'activation', 'tanh' if self.nonlin else 'linear')})"


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
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; the last layer is linear.

    activations, if given, names each layer's activation, one per entry of nouts: "tanh", "relu",
    "sigmoid" or "linear" (MLP(2, [16, 16, 1], ["relu", "relu", "linear"]) is karpathy's MLP). The
    default is tanh in every layer but the last, which is linear. A list of the wrong length is a
    ValueError.
    """

    def __init__(self, nin, nouts, activations=None):
        raise NotImplementedError('Step 5: chain Layers of sizes [nin] + nouts; layer i applies activations[i], or by default tanh in every layer but the last, linear one (make hint STEP=5)')

    def __call__(self, x):
        raise NotImplementedError('Step 5: feed x through every layer in turn and return the result (make hint STEP=5)')

    def parameters(self):
        raise NotImplementedError('Step 5: return the parameters of every layer, in order, as one flat list (make hint STEP=5)')

    def __repr__(self):
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"
