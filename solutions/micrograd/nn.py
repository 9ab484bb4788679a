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
        ### BEGIN SOLUTION
        for p in self.parameters():
            p.grad = 0.0
        ### END SOLUTION


class Neuron(Module):
    """One neuron: nin weights and a bias; tanh(w . x + b), or w . x + b when nonlin is False.

    activation names what is applied to w . x + b: "tanh" (the default), "relu", "sigmoid" or
    "linear" (nothing); nonlin=False means "linear" whatever activation says. Any other name is a
    ValueError that lists the four.
    """

    def __init__(self, nin, nonlin=True, activation="tanh"):
        ### BEGIN SOLUTION
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: use one of {', '.join(ACTIVATIONS)}")
        self.activation = activation if nonlin else "linear"
        self.nonlin = self.activation != "linear"
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        # start the sum at the bias, so the result is a Value even when x is all floats
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        if self.activation == "relu":
            return activation.relu()
        if self.activation == "sigmoid":
            return activation.sigmoid()
        return activation.tanh() if self.nonlin else activation
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return self.w + [self.b]
        ### END SOLUTION

    def __repr__(self):
        return f"Neuron({len(self.w)}, {getattr(self, 'activation', 'tanh' if self.nonlin else 'linear')})"


class Layer(Module):
    """nout neurons side by side, each reading the same nin inputs."""

    def __init__(self, nin, nout, **kwargs):
        ### BEGIN SOLUTION
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return [p for neuron in self.neurons for p in neuron.parameters()]
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        sizes = [nin] + list(nouts)
        last = len(nouts) - 1
        if activations is None:  # tanh everywhere but the last layer, so the network can output any number
            activations = ["linear" if i == last else "tanh" for i in range(len(nouts))]
        if len(activations) != len(nouts):
            raise ValueError(f"one activation per layer: {len(nouts)} layers, {len(activations)} activations")
        self.layers = [Layer(sizes[i], sizes[i + 1], activation=activations[i]) for i in range(len(nouts))]
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return [p for layer in self.layers for p in layer.parameters()]
        ### END SOLUTION

    def __repr__(self):
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"
