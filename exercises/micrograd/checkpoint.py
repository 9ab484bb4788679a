"""Bonus step 10: gradient checkpointing, memory traded for time.

backward() needs the graph, so every intermediate Value of a computation stays in memory until
backward() is done: a deep chain keeps all of its nodes alive. Checkpointing keeps only the
boundaries of a segment. checkpoint(f, *inputs) runs the segment f, keeps its result as ONE node
whose inputs are the segment's inputs, and lets the segment's own graph go. When backward() reaches
that node, its _backward builds the segment again from the inputs' values, runs backward() inside
it, and passes the gradients on to the inputs. The price: every segment runs twice.

A chain of n functions cut into segments of k keeps about n / k boundaries plus one segment of k at
a time, for one extra forward pass: with k near sqrt(n), memory grows like sqrt(n) instead of n.
"""

from .engine import Value


def checkpoint(f, *inputs):
    """f(*inputs) as one Value whose _prev is the inputs; f's graph is rebuilt during backward().

    f must compute its result from its inputs (plain numbers are fine): a Value it reads from
    anywhere else would get no gradient through the checkpoint."""
    raise NotImplementedError("Step 10: return f(*inputs) as ONE Value whose _prev is the inputs, and whose _backward rebuilds the segment and adds out.grad * d(f)/d(input) to each input's grad (make hint STEP=10)")


def sequential(functions, x, every=0):
    """The functions applied in turn to x (each takes one Value and returns one). With every = k > 0,
    each run of k consecutive functions is one checkpointed segment. Returns the last result."""
    raise NotImplementedError('Step 10: apply the functions in turn to x; with every = k > 0, checkpoint each run of k consecutive functions as one segment (make hint STEP=10)')
