"""Ready-made data sets in pure Python (nothing to implement here)."""

import math
import random

# XOR: the output is 1 when exactly one input is 1. Labels are -1 / +1, which suits tanh.
XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [-1.0, 1.0, 1.0, -1.0]


def make_moons(n_samples=100, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D, labelled -1 and +1 (like scikit-learn's make_moons).

    Returns (xs, ys): n_samples points [x, y] and their labels. The same seed gives the
    same points on every machine.
    """
    rng = random.Random(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    xs, ys = [], []
    for i in range(n_outer):
        t = math.pi * i / max(n_outer - 1, 1)
        xs.append([math.cos(t), math.sin(t)])
        ys.append(-1.0)
    for i in range(n_inner):
        t = math.pi * i / max(n_inner - 1, 1)
        xs.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        ys.append(1.0)
    points = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y in xs]
    order = list(range(n_samples))
    rng.shuffle(order)
    return [points[i] for i in order], [ys[i] for i in order]
