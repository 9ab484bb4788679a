"""Bonus step 9: the cheap gradient principle, counted on the graph.

What does a gradient cost? Count the elementary operations (one +, -, *, / or one function such as
tanh or exp) that each way of computing it performs:

    the forward pass   every op node computed its value once, from its inputs: 1 each. A leaf was
                       given, not computed: 0. A node that several nodes use was still computed once.
    backward()         the seed (root.grad = 1.0): 1. Then every node's _backward: an op's passes
                       out.grad to each of its inputs, a multiply (out.grad * local derivative) and
                       an add (+= into the input's grad), so 2 per input; a leaf's does nothing.
    forward mode       (step 8) one pass per leaf, each giving the derivative with respect to that
                       leaf: its seed (that leaf's derivative = 1): 1. Then every op node computes its
                       value (1) and its derivative, a multiply and an add per input (2 per input).

An op has at most two inputs, so backward() costs at most 1 + 4 T after a forward pass of T
operations: a small constant times the forward pass, however many inputs there are (Griewank's
cheap gradient principle). One forward-mode pass costs as much as the forward pass and backward()
together, and it takes one pass per input: forward mode grows with the number of inputs, which is
why neural networks, with thousands of parameters and one loss, are trained in reverse mode.
"""


def nodes(root):
    """Every node the root depends on, the root and the leaves included, each exactly once."""
    raise NotImplementedError('Step 9: return every node the root depends on (the root and the leaves too), each exactly once (make hint STEP=9)')


def forward_ops(root):
    """The elementary operations of the forward pass that computed root."""
    raise NotImplementedError('Step 9: return the operations of the forward pass that computed root: 1 per op node, 0 per leaf (make hint STEP=9)')


def backward_ops(root):
    """The elementary operations of root.backward()."""
    raise NotImplementedError('Step 9: return the operations of root.backward(): 1 for the seed, then 2 (a multiply and an add) per input of every op node (make hint STEP=9)')


def forward_mode_ops(root):
    """The elementary operations of forward mode computing d(root)/d(leaf) for every leaf."""
    raise NotImplementedError('Step 9: return the operations of forward mode over every leaf: one pass per leaf, each 1 for its seed plus, per op node, 1 + 2 per input (make hint STEP=9)')
