"""A scalar autograd engine: the Value class and the backward pass.

Step 2 builds the graph: every operation on Values returns a new Value that
remembers its inputs (`_prev`) and which operation made it (`_op`).

Step 3 adds the local derivatives: every operation also stores a `_backward`
closure. Called after `out.grad` is known, it adds `out.grad` times the local
derivative d(out)/d(input) to each input's `grad` (the chain rule). It adds
(`+=`) rather than assigns, because a Value used twice gets a gradient from
each use. Its warm-up, first: `backprop_by_hand`, the backward pass of one
small expression, done by hand.

Step 4 runs the closures in the right order: `topological_order` lists the graph
so that every node comes after its inputs, and `backward()` walks that list
from the output back to the leaves.
"""

import math

# ---- Step 3's warm-up: the backward pass by hand, before any _backward ------------------------------


def backprop_by_hand(x, y, z):
    """f(x, y, z) = (x + y) * z + exp(x * z), node by node, by hand (with pen and paper first).

    Its graph has eight nodes; the inputs come first, every node after the nodes it is made of:

        x, y, z        the inputs
        s = x + y
        p = s * z
        q = x * z
        r = exp(q)
        f = p + r      the output

    Return a dict {name: (value, gradient)} for all eight names, where gradient is d(f)/d(node).
    Write each as a formula of x, y and z with plain arithmetic and math.exp: no Value and no
    backward(), this IS the backward pass, done by you. Start from d(f)/d(f) = 1 and work back
    to the inputs, one local derivative at a time; x and z are each used twice.
    At x = 1, y = 2, z = -1, `make graph` draws your numbers on the graph.
    """
    ### BEGIN SOLUTION
    # forward: every node's value, inputs first
    s = x + y
    p = s * z
    q = x * z
    r = math.exp(q)
    f = p + r
    # backward: d(f)/d(node), output first; each node adds up what its consumers send back
    grad_f = 1.0
    grad_p = grad_f * 1.0  # f = p + r
    grad_r = grad_f * 1.0
    grad_q = grad_r * r  # r = exp(q): d(r)/d(q) = exp(q), which is r
    grad_s = grad_p * z  # p = s * z
    grad_y = grad_s * 1.0  # s = x + y
    grad_x = grad_s * 1.0 + grad_q * z  # two paths: through s = x + y and through q = x * z
    grad_z = grad_p * s + grad_q * x  # two paths: through p = s * z and through q = x * z
    return {
        "x": (x, grad_x),
        "y": (y, grad_y),
        "z": (z, grad_z),
        "s": (s, grad_s),
        "p": (p, grad_p),
        "q": (q, grad_q),
        "r": (r, grad_r),
        "f": (f, grad_f),
    }
    ### END SOLUTION


# ---- The Value class ------------------------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so that it can be differentiated."""

    def __init__(self, data, _children=(), _op="", label=""):
        ### BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self._prev = tuple(_children)  # the Values this one was computed from
        self._op = _op  # the operation that produced it ('' for a leaf)
        self._backward = lambda: None  # a leaf has no inputs to pass a gradient to
        self.label = label
        ### END SOLUTION

    def __repr__(self):
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- Binary operations -------------------------------------------------------------

    def __add__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(a + b)/da = 1 and d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __mul__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(a * b)/da = b and d(a * b)/db = a: each input gets its partner's value
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        ### BEGIN SOLUTION
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Value ** exponent needs an int or float exponent, got {type(exponent).__name__}")
        out = Value(self.data**exponent, (self,), f"**{exponent}")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # the power rule: d(x**n)/dx = n * x**(n - 1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __neg__(self):
        ### BEGIN SOLUTION
        out = Value(-self.data, (self,), "neg")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(-x)/dx = -1
            self.grad -= out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __sub__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(a - b)/da = 1 and d(a - b)/db = -1
            self.grad += out.grad
            other.grad -= out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(a / b)/da = 1 / b and d(a / b)/db = -a / b**2
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2
            ### END SOLUTION

        out._backward = _backward
        return out

    # ---- Reflected operations: Python calls these for `2 + x`, `2 - x`, `2 * x`, `2 / x`, `2 ** x` ----

    def __radd__(self, other):  # other + self
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __rsub__(self, other):  # other - self: the plain number comes first
        ### BEGIN SOLUTION
        return Value(other) - self
        ### END SOLUTION

    def __rmul__(self, other):  # other * self
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __rtruediv__(self, other):  # other / self: the plain number is the numerator
        ### BEGIN SOLUTION
        return Value(other) / self
        ### END SOLUTION

    def __rpow__(self, base):  # base ** self: a plain number raised to the power of a Value
        ### BEGIN SOLUTION
        if not isinstance(base, (int, float)):
            return NotImplemented  # Python then raises its own TypeError
        if base <= 0:
            raise ValueError(
                f"number ** Value needs a positive number on the left, got {base}: c ** x is exp(x * ln c), "
                "and ln c exists only for c > 0. Use a positive base."
            )
        out = Value(base**self.data, (self,), f"{base}**")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(c**x)/dx = c**x * ln c, and c**x is the output
            self.grad += out.data * math.log(base) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    # ---- Functions of one Value --------------------------------------------------------

    def exp(self):
        ### BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,), "exp")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(e^x)/dx = e^x, which is the output itself
            self.grad += out.data * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def log(self):
        ### BEGIN SOLUTION
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(ln x)/dx = 1 / x
            self.grad += out.grad / self.data
            ### END SOLUTION

        out._backward = _backward
        return out

    def tanh(self):
        ### BEGIN SOLUTION
        # math.tanh saturates to +-1 for large inputs; (e^2x - 1) / (e^2x + 1) would overflow
        out = Value(math.tanh(self.data), (self,), "tanh")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(tanh x)/dx = 1 - tanh(x)**2, and tanh(x) is the output
            self.grad += (1 - out.data**2) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def relu(self):
        ### BEGIN SOLUTION
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # slope 1 where the input was positive, 0 elsewhere (0 at exactly 0, by convention)
            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    def sigmoid(self):
        ### BEGIN SOLUTION
        # two forms of 1 / (1 + e^-x); each only exponentiates a number <= 0, so neither overflows
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")
        ### END SOLUTION

        def _backward():
            ### BEGIN SOLUTION
            # d(sigmoid x)/dx = s * (1 - s), with s the output
            self.grad += out.data * (1 - out.data) * out.grad
            ### END SOLUTION

        out._backward = _backward
        return out

    # ---- The backward pass -------------------------------------------------------------

    def backward(self):
        """Fill in d(self)/d(node) as node.grad for every node that self depends on."""
        ### BEGIN SOLUTION
        self.grad = 1.0  # d(self)/d(self)
        # reversed: a node runs its _backward only after every node that uses it has run theirs
        for node in reversed(topological_order(self)):
            node._backward()
        ### END SOLUTION


def topological_order(root):
    """Every Value that root depends on, root included: each exactly once, each after its inputs.

    It is a depth-first search that adds a node only once all of its inputs are in the list
    (post-order). It keeps its own stack instead of recursing, so a graph thousands of nodes deep
    does not hit Python's recursion limit.
    """
    ### BEGIN SOLUTION
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)  # all of its inputs were appended before it
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # come back to it after its inputs
            for child in node._prev:
                if child not in visited:
                    stack.append((child, False))
    return order
    ### END SOLUTION
