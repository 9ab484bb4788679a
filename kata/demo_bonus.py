"""make demo, the bonus steps: what a gradient costs (step 9) and memory traded for time (step 10),
shown with YOUR code. Each part runs only once its step is written; it takes well under a second.

    cost        the graph of MLP(n, [4, 4, 1]) on n inputs, for n = 1, 2, 4, ..., 64: your forward_ops,
                backward_ops and forward_mode_ops of its output, as a table, and plotted against the
                number of inputs of the gradient (the leaves: the inputs, weights and biases) in
                build/demo/cost.png when matplotlib is installed.
    checkpoint  a chain of 200 steps v -> tanh(c v + d) on your Value, plain and through your
                sequential(..., every=k) for several k: the most Values alive at once, how many steps
                ran (the time: a checkpointed step runs twice), the seconds, and the gradient.

The live Values are counted after every step of the chain: a full collection (your Values are in
reference cycles, which only the cyclic collector frees), then the objects of your Value class.
gc.freeze() first puts everything older aside, so that each collection looks only at the chain's
objects and the count costs microseconds, not the whole program's heap. The counts are the same on
every run and every machine; the seconds are not.
"""

from __future__ import annotations

import gc
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kata.harness.observe import Implementation

COST_INPUTS = (1, 2, 4, 8, 16, 32, 64)
COST_HIDDEN = [4, 4, 1]
CHAIN = 200
EVERY = (0, 2, 5, 10, 14, 20, 50, 100)  # 0: plain; 14 is about sqrt(200)
RUNS = ("cost", "checkpoint")
NEEDS = {"cost": "step 9 (micrograd/cost.py) and steps 2 and 5", "checkpoint": "step 10 (micrograd/checkpoint.py)"}


@dataclass
class Part:
    name: str
    lines: list[str]
    files: list[Path] = field(default_factory=list)


# ---- Step 9: the cost of a gradient ---------------------------------------------------------------------


def cost_rows(mg: Implementation) -> list[dict[str, int]]:
    """Per network: its inputs, its leaves (inputs, weights, biases) and your three counts of its output's graph."""
    rows = []
    for n in COST_INPUTS:
        random.seed(n)
        model = mg.nn.MLP(n, COST_HIDDEN)
        out = model([mg.Value(0.5 - i / n) for i in range(n)])
        leaves = n + len(model.parameters())  # the inputs of the gradient: inputs, weights, biases
        rows.append(
            {
                "inputs": n,
                "leaves": leaves,
                "forward": int(mg.cost.forward_ops(out)),
                "backward": int(mg.cost.backward_ops(out)),
                "forward mode": int(mg.cost.forward_mode_ops(out)),
            }
        )
    return rows


def cost_table(rows: list[dict[str, int]]) -> list[str]:
    lines = [
        f"cost: one gradient of the output of MLP(n, {COST_HIDDEN}), in operations counted by your micrograd/cost.py",
        "  inputs  leaves  forward  backward  backward/forward  forward mode  forward mode/(forward + backward)",
    ]
    for row in rows:
        forward, backward, mode = row["forward"], row["backward"], row["forward mode"]
        lines.append(
            f"  {row['inputs']:>6}  {row['leaves']:>6}  {forward:>7}  {backward:>8}  {backward / forward:>16.2f}  "
            f"{mode:>12}  {mode / (forward + backward):>10.1f}"
        )
    lines.append(
        "  reverse mode (forward + backward()) stays a few times the forward pass; forward mode pays that "
        "once per leaf."
    )
    return lines


def plot_cost(rows: list[dict[str, int]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    leaves = [row["leaves"] for row in rows]
    forward = [row["forward"] for row in rows]
    reverse = [row["forward"] + row["backward"] for row in rows]
    mode = [row["forward mode"] for row in rows]
    figure, (counts, ratios) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    counts.plot(leaves, forward, "o-", color="0.5", label="the forward pass")
    counts.plot(leaves, reverse, "o-", color="#1f77b4", label="reverse mode: forward + backward()")
    counts.plot(leaves, mode, "o-", color="#d62728", label="forward mode: one pass per leaf")
    counts.set_ylabel("operations")
    counts.set_title(f"The cost of one gradient, MLP(n, {COST_HIDDEN})")
    counts.legend(loc="upper left", fontsize="small")
    ratios.plot(leaves, [r / f for r, f in zip(reverse, forward)], "o-", color="#1f77b4", label="reverse mode")
    ratios.plot(leaves, [m / f for m, f in zip(mode, forward)], "o-", color="#d62728", label="forward mode")
    ratios.set_ylabel("operations / the forward pass's")
    ratios.set_title("In forward passes: a constant, or one per leaf")
    ratios.legend(loc="upper left", fontsize="small")
    for axes in (counts, ratios):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("inputs of the gradient (leaves: inputs, weights, biases)")
        axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def cost(mg: Implementation, out: Path, plots: bool) -> Part:
    rows = cost_rows(mg)
    part = Part("cost", cost_table(rows))
    if plots:
        part.files.append(plot_cost(rows, out / "cost.png"))
    else:
        part.lines.append("  (no plot: matplotlib is not installed; make demo installs it)")
    return part


# ---- Step 10: memory for time -----------------------------------------------------------------------------


class Meter:
    """The most Values of one class alive at once, sampled when asked, and how many samples."""

    def __init__(self, value_class: type) -> None:
        self.value_class = value_class
        self.most = self.samples = 0

    def sample(self) -> None:
        gc.collect()
        live = sum(1 for o in gc.get_objects() if type(o) is self.value_class)
        self.most = max(self.most, live)
        self.samples += 1


def chain(meter: Meter | None) -> list[Callable[[Any], Any]]:
    """The chain's steps v -> tanh(c v + d), each sampling the live Values when it is done."""
    steps: list[Callable[[Any], Any]] = []
    for i in range(CHAIN):
        c, d = (1.05, 0.02) if i % 2 == 0 else (0.95, -0.02)

        def step(v: Any, c: float = c, d: float = d) -> Any:
            out = (v * c + d).tanh()
            if meter is not None:
                meter.sample()
            return out

        steps.append(step)
    return steps


def through(mg: Implementation, every: int, meter: Meter | None) -> tuple[float, int, float]:
    """The gradient d(out)/dx of the chain at x = 0.5, how many steps ran, and the seconds it took."""
    steps = chain(meter)
    ran = [0]

    def counted(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def run(v: Any) -> Any:
            ran[0] += 1
            return f(v)

        return run

    functions = [counted(f) for f in steps]
    started = time.perf_counter()
    x = mg.Value(0.5)
    if every:
        out = mg.checkpoint.sequential(functions, x, every)
    else:
        out = x
        for f in functions:
            out = f(out)
    out.backward()
    seconds = time.perf_counter() - started
    return float(x.grad), ran[0], seconds


def trade_off(mg: Implementation) -> list[dict[str, Any]]:
    rows = []
    was_enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    gc.freeze()  # everything alive now is set aside: each collection below walks only the chain's objects
    try:
        for every in EVERY:
            meter = Meter(mg.Value)
            grad, ran, _ = through(mg, every, meter)
            seconds = math.inf
            for _ in range(3):  # timed without the counting, the best of three
                gc.collect()
                seconds = min(seconds, through(mg, every, None)[2])
            rows.append({"every": every, "peak": meter.most, "ran": ran, "seconds": seconds, "grad": grad})
    finally:
        gc.unfreeze()
        gc.collect()
        if was_enabled:
            gc.enable()
    return rows


def trade_off_table(rows: list[dict[str, Any]]) -> list[str]:
    plain = rows[0]
    lines = [
        f"checkpoint: a chain of {CHAIN} steps v -> tanh(c v + d), plain and through your sequential(..., every=k)",
        "  segments of k   Values alive at the peak   steps run   seconds   d(out)/dx",
    ]
    for row in rows:
        name = "plain" if row["every"] == 0 else f"k = {row['every']}"
        same = "" if row is plain else ("  (the plain one)" if _same(row["grad"], plain["grad"]) else "  DIFFERS")
        lines.append(
            f"  {name:<13}   {row['peak']:>22}   {row['ran']:>9}   {row['seconds']:>7.4f}   {row['grad']:.9g}{same}"
        )
    best = min(rows[1:], key=lambda row: row["peak"])
    lines += [
        f"  the least memory at k = {best['every']}: {best['peak']} Values instead of {plain['peak']}, "
        "for running every step twice.",
        "  While a segment of k steps is rebuilt it holds about 5 k Values (v * c, c, + d, d, tanh), and the",
        f"  boundaries {CHAIN} / k more: the least is near k = sqrt({CHAIN} / 5) = {math.sqrt(CHAIN / 5):.1f}.",
    ]
    return lines


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)


def checkpointing(mg: Implementation, out: Path, plots: bool) -> Part:
    return Part("checkpoint", trade_off_table(trade_off(mg)))


PARTS: dict[str, Callable[[Implementation, Path, bool], Part]] = {"cost": cost, "checkpoint": checkpointing}


def run(mg: Implementation, which: list[str], out: Path, plots: bool) -> list[Part]:
    """The parts asked for whose steps are written; a part whose step is not is one line saying so."""
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for name in which:
        try:
            parts.append(PARTS[name](mg, out, plots))
        except NotImplementedError as error:
            parts.append(Part(name, [f"{name}: not yet, it needs {NEEDS[name]}: {error}"]))
        except Exception as error:  # noqa: BLE001 - the student's code may raise anything; the rest still runs
            step = 9 if name == "cost" else 10
            parts.append(
                Part(
                    name, [f"{name}: your code raised {type(error).__name__}: {error} (make test-step{step} says more)"]
                )
            )
    return parts
