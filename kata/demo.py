"""make demo: train networks built from YOUR engine, and draw what they learnt.

Four runs, each with a progress bar, writing loss curves and pictures of what was learnt
(matplotlib PNGs in build/demo/). Before they start, one step of each is timed and the plan is
printed with how long each part should take on this machine.
    xor     MLP(2, [8, 1]) on XOR with your train(), 150 epochs
    moons   micrograd's own demo, on a smaller network: 100 points of two moons, MLP(2, [8, 8, 1])
            (micrograd's has 16 neurons per layer: three times the work for the same 100%), hinge
            loss with L2 regularisation (alpha 1e-4), full batch, your sgd_step with learning rate
            1.0 - 0.9 k / 100, 100 steps
    sine    MLP(1, [8, 8, 1]) fitting sin(x) at 20 points of [-3, 3], full batch, 300 epochs of
            gradient descent with momentum 0.9 (the demo's own update; every gradient is yours)
    depth   2-4-1, 2-8-8-1 and 2-16-16-1 on XOR and two moons with the recipes above (six trainings,
            XOR from three seeds): loss curves in one plot, and what depth bought, in words made from
            the measurements (kata/demo_depth.py)
The pictures of what was learnt evaluate the trained weights with plain floats (checked against
your engine on the training points first): a 40 x 40 grid through your engine would cost as much
as the training.

The garbage collector. Every Value is in a reference cycle (out -> out._backward -> out), so the
graph of one training step is only freed by Python's cyclic collector, whose full collections
walk every live object and dominate a run like the moons one. The driver therefore turns the
automatic collector off while training and, after each step, breaks the cycles of the finished
graph itself (node._backward = a function that closes over nothing), so reference counting frees
it at once, with one cheap collection now and then for anything left. `--gc default` runs without
this, to measure.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata.harness.observe import Implementation

OUT = Path("build") / "demo"


@dataclass
class Run:
    name: str
    seconds: float
    history: list[float]
    summary: str
    files: list[Path]


def _nothing() -> None:
    """A _backward that closes over nothing, so it keeps no node alive."""


def release(root: Any) -> None:
    """Break the reference cycles of a finished graph so that reference counting frees it."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node._prev)
        node._backward = _nothing


@contextmanager
def collector(mode: str) -> Iterator[Callable[[Any], None]]:
    """Yields what to do with a step's finished graph: release it (managed) or nothing (default)."""
    if mode == "default":
        yield lambda root: None
        return
    was_enabled = gc.isenabled()
    gc.disable()
    steps = [0]

    def finish(root: Any) -> None:
        release(root)
        steps[0] += 1
        if steps[0] % 25 == 0:
            gc.collect()

    try:
        yield finish
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


class Bar:
    """One line of progress on stderr: [#####.....] 40/100 loss 0.1234."""

    def __init__(self, name: str, total: int, width: int = 30) -> None:
        self.name, self.total, self.width, self.started = name, total, width, time.perf_counter()

    def update(self, done: int, loss: float) -> None:
        if done != self.total and done % max(1, self.total // 50):
            return  # redraw about 50 times per run, not at every epoch
        filled = self.width * done // self.total
        sys.stderr.write(
            f"\r{self.name:<6} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} "
            f"loss {loss:.4f}  {time.perf_counter() - self.started:5.1f} s"
        )
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


# ---- The three runs -----------------------------------------------------------------------------------


def train_xor(
    mg: Implementation,
    finish: Callable[[object], None],
    seed: int = 1,
    sizes: list[int] | None = None,
    name: str = "xor",
    stop_below: float = 0.0,
) -> tuple[Any, list[float]]:
    random.seed(seed)
    model = mg.nn.MLP(2, sizes or XOR_SIZES)
    xs, ys = mg.data.XOR_INPUTS, mg.data.XOR_TARGETS
    history: list[float] = []
    bar = Bar(name, XOR_EPOCHS)
    for epoch in range(XOR_EPOCHS):
        history += mg.train.train(model, xs, ys, epochs=1, lr=0.1)  # your train(), one epoch at a time
        bar.update(epoch + 1, history[-1])
        if history[-1] < stop_below:  # solved: the rest of the epochs would only halve a tiny loss
            break
    return model, history


def hinge_loss(
    mg: Implementation, model: Any, xs: list[list[float]], ys: list[float], alpha: float = 1e-4
) -> tuple[Any, float]:
    """micrograd's moons loss: mean(relu(1 - y * score)) + alpha * sum(p * p); and the accuracy."""
    scores = [model(x) for x in xs]
    margins = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    data_loss = sum(margins, mg.Value(0.0)) * (1.0 / len(margins))
    regularisation = alpha * sum((p * p for p in model.parameters()), mg.Value(0.0))
    accuracy = sum((y > 0) == (score.data > 0) for y, score in zip(ys, scores)) / len(ys)
    return data_loss + regularisation, accuracy


XOR_SIZES, MOONS_SIZES = [8, 1], [8, 8, 1]
SINE_SIZES, SINE_POINTS, SINE_EPOCHS, SINE_MOMENTUM = [8, 8, 1], 20, 300, 0.9
XOR_EPOCHS, MOONS_STEPS = 150, 100


def train_moons(
    mg: Implementation,
    finish: Callable[[object], None],
    seed: int = 1337,
    steps: int = MOONS_STEPS,
    sizes: list[int] | None = None,
    name: str = "moons",
    points: int = 100,
) -> tuple[Any, list[float], str]:
    random.seed(seed)
    xs, ys = mg.data.make_moons(points, noise=0.1, seed=seed)
    model = mg.nn.MLP(2, sizes or MOONS_SIZES)
    losses: list[float] = []
    bar = Bar(name, steps)
    accuracy = 0.0
    for k in range(steps):
        loss, accuracy = hinge_loss(mg, model, xs, ys)
        model.zero_grad()
        loss.backward()
        mg.train.sgd_step(model.parameters(), 1.0 - 0.9 * k / steps)
        losses.append(loss.data)
        finish(loss)
        bar.update(k + 1, loss.data)
    return model, losses, f"accuracy {accuracy:.0%}"


def sine_points() -> tuple[list[list[float]], list[float]]:
    xs = [[-3.0 + 6.0 * i / (SINE_POINTS - 1)] for i in range(SINE_POINTS)]
    return xs, [math.sin(x[0]) for x in xs]


def train_sine(
    mg: Implementation, finish: Callable[[object], None], seed: int = 7, epochs: int = SINE_EPOCHS
) -> tuple[Any, list[float], list[list[float]]]:
    random.seed(seed)
    xs, ys = sine_points()
    model = mg.nn.MLP(1, SINE_SIZES)
    parameters = model.parameters()
    velocity = [0.0] * len(parameters)
    losses: list[float] = []
    bar = Bar("sine", epochs)
    for epoch in range(epochs):
        lr = 0.05 - (0.05 - 0.005) * epoch / epochs  # linear decay
        loss = mg.train.mse_loss([model(x) for x in xs], ys)
        model.zero_grad()
        loss.backward()
        for i, p in enumerate(parameters):  # gradient descent with momentum: v = 0.9 v + grad; p -= lr v
            velocity[i] = SINE_MOMENTUM * velocity[i] + p.grad
            p.data -= lr * velocity[i]
        losses.append(loss.data)
        finish(loss)
        bar.update(epoch + 1, loss.data)
    return model, losses, xs


# ---- Before it starts: is the engine ready, and how long will it take ---------------------------------


def ready(mg: Implementation) -> None:
    """Raise the stub's NotImplementedError if the engine cannot train a network yet (steps 2-6)."""
    random.seed(0)
    model = mg.nn.MLP(2, [2, 1])
    loss = mg.train.mse_loss([model([0.5, -0.5])], [1.0])
    model.zero_grad()
    loss.backward()
    mg.train.sgd_step(model.parameters(), 0.1)
    mg.train.train(model, [[0.5, -0.5]], [1.0], epochs=1, lr=0.1)


def _one_step(mg: Implementation, name: str, finish: Callable[[object], None]) -> None:
    if name == "depth":
        from kata import demo_depth

        demo_depth.one_step(mg, finish)
        return
    if name == "xor":
        model = mg.nn.MLP(2, XOR_SIZES)
        mg.train.train(model, mg.data.XOR_INPUTS, mg.data.XOR_TARGETS, epochs=1, lr=0.1)
        return
    if name == "moons":
        xs, ys = mg.data.make_moons(100, noise=0.1, seed=1337)
        model = mg.nn.MLP(2, MOONS_SIZES)
        loss, _ = hinge_loss(mg, model, xs, ys)
    else:
        xs, ys = sine_points()
        model = mg.nn.MLP(1, SINE_SIZES)
        loss = mg.train.mse_loss([model(x) for x in xs], ys)
    model.zero_grad()
    loss.backward()
    finish(loss)


STEPS = {"xor": XOR_EPOCHS, "moons": MOONS_STEPS, "sine": SINE_EPOCHS, "depth": 6}
UNITS = {"xor": "epochs", "moons": "steps", "sine": "epochs", "depth": "trainings"}


def _cost(name: str) -> int:
    """How many of _one_step(name) a run costs."""
    if name == "depth":
        from kata import demo_depth

        return demo_depth.EQUIVALENT_STEPS
    return STEPS[name]


def estimate(mg: Implementation, which: list[str], gc_mode: str = "managed") -> dict[str, float]:
    """Seconds each run should take: one step of it, timed, times its number of steps."""
    state = random.getstate()
    found = {}
    with collector(gc_mode) as finish:
        for name in which:
            started = time.perf_counter()
            _one_step(mg, name, finish)
            found[name] = (time.perf_counter() - started) * _cost(name)
    random.setstate(state)
    return found


def plan(estimates: dict[str, float]) -> str:
    lines = ["make demo: training with your engine; estimated from one step of each run:"]
    for name, seconds in estimates.items():
        lines.append(f"  {name:<6} {STEPS[name]:>4} {UNITS[name]:<9} about {max(1, round(seconds))} s")
    lines.append(f"  then the pictures (a few seconds); in all about {max(1, round(sum(estimates.values())))} s")
    return "\n".join(lines)


# ---- Pictures ---------------------------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_loss(history: list[float], title: str, path: Path) -> Path:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5, 3.2), dpi=100)
    axes.plot(range(1, len(history) + 1), history, color="#1f77b4")
    axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


SQUASH: dict[str, Callable[[float], float]] = {
    "tanh": math.tanh,
    "relu": lambda t: t if t > 0 else 0.0,
    "sigmoid": lambda t: 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t)),
    "linear": lambda t: t,
}


def _squash(neuron: Any) -> Callable[[float], float]:
    """What a neuron applies, by the contract's names: activation if it has one, else tanh or nothing by nonlin."""
    name = getattr(neuron, "activation", None)
    if name in SQUASH and neuron.nonlin == (name != "linear"):
        return SQUASH[name]
    return SQUASH["tanh" if neuron.nonlin else "linear"]


def plain(model: Any) -> Callable[[list[float]], float] | None:
    """The trained MLP as a function of plain floats, from its weights (the contract's names: layers,
    neurons, w, b, nonlin, activation); None if the model does not have that shape. (evaluator checks it
    against the engine before using it.)"""
    try:
        layers = [[([w.data for w in n.w], n.b.data, _squash(n)) for n in layer.neurons] for layer in model.layers]
    except (AttributeError, TypeError):
        return None

    def forward(x: list[float]) -> float:
        values = list(x)
        for layer in layers:
            values = [squash(b + sum(w * v for w, v in zip(ws, values))) for ws, b, squash in layer]
        return values[0]

    return forward


def evaluator(model: Any, xs: list[list[float]], finish: Callable[[object], None]) -> Callable[[list[float]], float]:
    """A fast way to evaluate the trained model: plain floats when they agree with your engine on the
    training points, else your engine itself."""

    def engine(x: list[float]) -> float:
        out = model(x)
        value: float = out.data
        finish(out)
        return value

    fast = plain(model)
    if fast is not None and all(abs(fast(x) - engine(x)) <= 1e-9 * (1 + abs(engine(x))) for x in xs):
        return fast
    return engine


def plot_boundary(
    model: Any,
    xs: list[list[float]],
    ys: list[float],
    title: str,
    path: Path,
    finish: Callable[[object], None],
    steps: int = 40,
) -> Path:
    plt = _pyplot()
    evaluate = evaluator(model, xs, finish)
    low = [min(x[i] for x in xs) - 0.5 for i in (0, 1)]
    high = [max(x[i] for x in xs) + 0.5 for i in (0, 1)]
    grid_x = [low[0] + (high[0] - low[0]) * i / (steps - 1) for i in range(steps)]
    grid_y = [low[1] + (high[1] - low[1]) * j / (steps - 1) for j in range(steps)]
    scores = []
    for y in grid_y:
        scores.append([evaluate([x, y]) for x in grid_x])
    figure, axes = plt.subplots(figsize=(4.5, 4), dpi=100)
    axes.contourf(grid_x, grid_y, scores, levels=[-1e9, 0, 1e9], colors=["#f4c7c3", "#c6dbef"], alpha=0.9)
    axes.contour(grid_x, grid_y, scores, levels=[0], colors="k", linewidths=1)
    axes.scatter(
        [x[0] for x in xs], [x[1] for x in xs], c=["#d62728" if y < 0 else "#1f77b4" for y in ys], edgecolors="k", s=25
    )
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_fit(model: Any, xs: list[list[float]], title: str, path: Path, finish: Callable[[object], None]) -> Path:
    plt = _pyplot()
    evaluate = evaluator(model, xs, finish)
    dense = [-3.0 + 6.0 * i / 199 for i in range(200)]
    predictions = [evaluate([x]) for x in dense]
    figure, axes = plt.subplots(figsize=(5, 3.2), dpi=100)
    axes.plot(dense, [math.sin(x) for x in dense], color="0.6", label="sin(x)")
    axes.plot(dense, predictions, color="#d62728", label="your network")
    axes.scatter([x[0] for x in xs], [math.sin(x[0]) for x in xs], s=12, color="k", label="training points")
    axes.legend(loc="upper left")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def run(
    mg: Implementation, which: list[str], out: Path = OUT, gc_mode: str = "managed", announce: bool = True
) -> list[Run]:
    unknown = [name for name in which if name not in STEPS]
    if unknown:
        raise ValueError(f"no demo run is called {', '.join(unknown)}; the runs are {', '.join(STEPS)}")
    out.mkdir(parents=True, exist_ok=True)
    if announce:
        print(plan(estimate(mg, which, gc_mode)), flush=True)
    runs = []
    for name in which:
        started = time.perf_counter()
        with collector(gc_mode) as finish:
            if name == "xor":
                model, history = train_xor(mg, finish)
                seconds = time.perf_counter() - started
                files = [
                    plot_loss(history, "XOR: loss (MSE)", out / "xor_loss.png"),
                    plot_boundary(
                        model,
                        mg.data.XOR_INPUTS,
                        mg.data.XOR_TARGETS,
                        "XOR: what it learnt",
                        out / "xor_boundary.png",
                        finish,
                    ),
                ]
                summary = f"final loss {history[-1]:.4f}"
            elif name == "moons":
                model, history, summary = train_moons(mg, finish)
                seconds = time.perf_counter() - started
                xs, ys = mg.data.make_moons(100, noise=0.1, seed=1337)
                files = [
                    plot_loss(history, "Two moons: loss (hinge + L2)", out / "moons_loss.png"),
                    plot_boundary(
                        model, xs, ys, f"Two moons: decision boundary ({summary})", out / "moons_boundary.png", finish
                    ),
                ]
            elif name == "depth":
                from kata import demo_depth

                history, summary, files = demo_depth.run(mg, finish, out)
                seconds = time.perf_counter() - started
            else:
                model, history, xs = train_sine(mg, finish)
                seconds = time.perf_counter() - started
                summary = f"final loss {history[-1]:.4f}"
                files = [
                    plot_loss(history, "sin(x): loss (MSE)", out / "sine_loss.png"),
                    plot_fit(model, xs, "sin(x): the fit", out / "sine_fit.png", finish),
                ]
        runs.append(Run(name, seconds, history, summary, files))
    return runs
