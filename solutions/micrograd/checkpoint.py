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
    ### BEGIN SOLUTION
    out = Value(f(*inputs).data, inputs, "checkpoint")  # nothing keeps f's graph: it is freed here

    def _backward():
        leaves = [Value(x.data) for x in inputs]  # stand-ins for the inputs, outside the outer graph
        inner = f(*leaves)  # the segment, built again
        inner.backward()  # d(inner)/d(stand-in), for every stand-in
        for x, leaf in zip(inputs, leaves):
            x.grad += leaf.grad * out.grad  # the chain rule, back into the real inputs (+=: they may be used elsewhere)

    out._backward = _backward
    return out
    ### END SOLUTION


def sequential(functions, x, every=0):
    """The functions applied in turn to x (each takes one Value and returns one). With every = k > 0,
    each run of k consecutive functions is one checkpointed segment. Returns the last result."""
    ### BEGIN SOLUTION
    if every <= 0:
        for f in functions:
            x = f(x)
        return x
    for start in range(0, len(functions), every):
        group = functions[start : start + every]

        def segment(v, group=group):  # group=group: backward() runs this later, with THIS segment's functions
            for f in group:
                v = f(v)
            return v

        x = checkpoint(segment, x)
    return x
    ### END SOLUTION
