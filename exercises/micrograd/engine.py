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
    raise NotImplementedError("Step 3: the warm-up: for f = (x + y) * z + exp(x * z), return every node's value and d(f)/d(node), worked out by hand as formulas of x, y, z (make hint STEP=3)")


# ---- The Value class ------------------------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so that it can be differentiated."""

    def __init__(self, data, _children=(), _op="", label=""):
        raise NotImplementedError('Step 2: store data (as a float), grad = 0.0, the inputs as _prev, _op, a _backward that does nothing, and label (make hint STEP=2)')

    def __repr__(self):
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- Binary operations -------------------------------------------------------------

    def __add__(self, other):
        raise NotImplementedError('Step 2: compute the forward value of Value.__add__ and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__add__ (make hint STEP=3)")

        out._backward = _backward
        return out

    def __mul__(self, other):
        raise NotImplementedError('Step 2: compute the forward value of Value.__mul__ and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__mul__ (make hint STEP=3)")

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        raise NotImplementedError('Step 2: compute self ** exponent for an int or float exponent (raise TypeError for anything else) and record the graph (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__pow__ (make hint STEP=3)")

        out._backward = _backward
        return out

    def __neg__(self):
        raise NotImplementedError('Step 2: compute the forward value of Value.__neg__ and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__neg__ (make hint STEP=3)")

        out._backward = _backward
        return out

    def __sub__(self, other):
        raise NotImplementedError('Step 2: compute the forward value of Value.__sub__ and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__sub__ (make hint STEP=3)")

        out._backward = _backward
        return out

    def __truediv__(self, other):
        raise NotImplementedError('Step 2: compute the forward value of Value.__truediv__ and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__truediv__ (make hint STEP=3)")

        out._backward = _backward
        return out

    # ---- Reflected operations: Python calls these for `2 + x`, `2 - x`, `2 * x`, `2 / x`, `2 ** x` ----

    def __radd__(self, other):  # other + self
        raise NotImplementedError('Step 2: make number + Value work (reuse __add__) (make hint STEP=2)')

    def __rsub__(self, other):  # other - self: the plain number comes first
        raise NotImplementedError('Step 2: make number - Value work (mind the order of the operands) (make hint STEP=2)')

    def __rmul__(self, other):  # other * self
        raise NotImplementedError('Step 2: make number * Value work (reuse __mul__) (make hint STEP=2)')

    def __rtruediv__(self, other):  # other / self: the plain number is the numerator
        raise NotImplementedError('Step 2: make number / Value work (mind the order of the operands) (make hint STEP=2)')

    def __rpow__(self, base):  # base ** self: a plain number raised to the power of a Value
        raise NotImplementedError('Step 2: make number ** Value work: c ** x for a number c > 0 (ValueError naming c when c <= 0), recording the graph (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.__rpow__ (make hint STEP=3)")

        out._backward = _backward
        return out

    # ---- Functions of one Value --------------------------------------------------------

    def exp(self):
        raise NotImplementedError('Step 2: compute the forward value of Value.exp and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.exp (make hint STEP=3)")

        out._backward = _backward
        return out

    def log(self):
        raise NotImplementedError('Step 2: compute the natural log (ValueError naming the value if it is not positive) and record the graph (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.log (make hint STEP=3)")

        out._backward = _backward
        return out

    def tanh(self):
        raise NotImplementedError('Step 2: compute tanh without overflowing at +-1000 and record the graph (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.tanh (make hint STEP=3)")

        out._backward = _backward
        return out

    def relu(self):
        raise NotImplementedError('Step 2: compute the forward value of Value.relu and record its inputs (_prev) and op (_op) (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.relu (make hint STEP=3)")

        out._backward = _backward
        return out

    def sigmoid(self):
        raise NotImplementedError('Step 2: compute 1 / (1 + e^-x) without overflowing at +-1000 and record the graph (make hint STEP=2)')

        def _backward():
            raise NotImplementedError("Step 3: add this op's chain-rule contribution to each input's grad (use +=) in the _backward closure of Value.sigmoid (make hint STEP=3)")

        out._backward = _backward
        return out

    # ---- The backward pass -------------------------------------------------------------

    def backward(self):
        """Fill in d(self)/d(node) as node.grad for every node that self depends on."""
        raise NotImplementedError('Step 4: seed self.grad = 1.0, then call _backward on every node in reverse topological order (make hint STEP=4)')


def topological_order(root):
    """Every Value that root depends on, root included: each exactly once, each after its inputs.

    It is a depth-first search that adds a node only once all of its inputs are in the list
    (post-order). It keeps its own stack instead of recursing, so a graph thousands of nodes deep
    does not hit Python's recursion limit.
    """
    raise NotImplementedError('Step 4: return every node reachable from root exactly once, each after all of its inputs, without recursion (use an explicit stack) (make hint STEP=4)')
