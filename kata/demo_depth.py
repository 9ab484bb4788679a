"""make demo's depth run: what depth buys, measured (the chapter's exercise 28.5).

Three networks, 2-4-1, 2-8-8-1 and 2-16-16-1 (tanh hidden layers, a linear output: the default MLP),
each trained with YOUR engine on the demo's two tasks with the demo's own recipes:
    XOR     your train(), up to 150 epochs (a run stops once its loss is below 1e-4: solved),
            learning rate 0.1, from three seeds (a small network's fate on XOR depends on where it starts)
    moons   40 points of two moons, hinge loss with L2, full batch, 40 steps of your sgd_step (the
            demo's moons run has 100 points and 100 steps: 2-16-16-1 on those alone takes 26 s)
Loss curves in one plot (build/demo/depth_loss.png), and a few sentences made from the measurements:
final losses, when each network first got below a threshold, accuracy, and the price per step. Nothing
is asserted in advance: if depth bought nothing on this run, the words say so.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kata import demo
from kata.harness.observe import Implementation

NETWORKS = {"2-4-1": [4, 1], "2-8-8-1": [8, 8, 1], "2-16-16-1": [16, 16, 1]}
XOR_SEEDS = (1, 2, 3)
XOR_STOP = 1e-4  # a run whose loss is below this has solved XOR: its curve ends there
MOONS_POINTS, MOONS_STEPS = 40, 40
XOR_SOLVED = 0.01  # an XOR loss (MSE) below this: every output within 0.1 of its target, about
MOONS_SOLVED = 0.1  # a moons hinge loss below this: nearly every point outside the margin


@dataclass
class Measured:
    """One network on one task: its loss curves (one per seed), accuracy (moons), seconds per step."""

    name: str
    parameters: int
    curves: list[list[float]] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    accuracy: str = ""

    @property
    def final(self) -> float:
        return statistics.median(curve[-1] for curve in self.curves)

    @property
    def per_step(self) -> float:
        return self.seconds / max(1, self.steps)

    def first_below(self, threshold: float) -> list[int | None]:
        """For each seed, the first epoch (1-based) whose loss is below threshold, or None."""
        return [next((i + 1 for i, loss in enumerate(c) if loss < threshold), None) for c in self.curves]


def parameters(sizes: list[int], nin: int = 2) -> int:
    full = [nin, *sizes]
    return sum((a + 1) * b for a, b in itertools.pairwise(full))


# the whole run costs about this many moons steps of 2-16-16-1 (measured with the reference: 5.1 s, and
# 80 ms a step): the demo's estimate is one such step, timed, times this
EQUIVALENT_STEPS = 65


def one_step(mg: Implementation, finish: Callable[[Any], None]) -> None:
    """One moons step of the largest network: the unit of the estimate (EQUIVALENT_STEPS of them)."""
    model = mg.nn.MLP(2, NETWORKS["2-16-16-1"])
    xs, ys = mg.data.make_moons(MOONS_POINTS, noise=0.1, seed=1337)
    loss, _ = demo.hinge_loss(mg, model, xs, ys)
    model.zero_grad()
    loss.backward()
    finish(loss)


def measure(mg: Implementation, finish: Callable[[Any], None]) -> tuple[dict[str, Measured], dict[str, Measured]]:
    xor: dict[str, Measured] = {}
    moons: dict[str, Measured] = {}
    for name, sizes in NETWORKS.items():
        measured = Measured(name, parameters(sizes))
        for seed in XOR_SEEDS:
            started = time.perf_counter()
            _, history = demo.train_xor(
                mg, finish, seed=seed, sizes=sizes, name=f"xor {name} s{seed}", stop_below=XOR_STOP
            )
            measured.seconds += time.perf_counter() - started
            measured.steps += len(history)
            measured.curves.append(history)
        xor[name] = measured
    for name, sizes in NETWORKS.items():
        measured = Measured(name, parameters(sizes))
        started = time.perf_counter()
        _, losses, accuracy = demo.train_moons(
            mg, finish, steps=MOONS_STEPS, sizes=sizes, name=f"moons {name}", points=MOONS_POINTS
        )
        measured.seconds, measured.steps = time.perf_counter() - started, len(losses)
        measured.curves.append(losses)
        measured.accuracy = accuracy.removeprefix("accuracy ")
        moons[name] = measured
    return xor, moons


def _when(steps: list[int | None], unit: str) -> str:
    reached = [s for s in steps if s is not None]
    if not reached:
        return "never"
    if len(steps) == 1:
        return f"at {unit} {reached[0]}"
    return f"in {len(reached)} of {len(steps)} seeds (at {unit} {', '.join(map(str, reached))})"


def _reached(m: Measured, threshold: float) -> tuple[int, float | None]:
    """How many seeds got below threshold, and the median first epoch of those that did."""
    steps = [s for s in m.first_below(threshold) if s is not None]
    return len(steps), (statistics.median(steps) if steps else None)


def _compare(task: str, small: Measured, deep: Measured, threshold: float, unit: str) -> str:
    """One sentence: what deep bought over small on this task (the solution, reliability, speed, or nothing)."""
    (a, at_a), (b, at_b) = _reached(small, threshold), _reached(deep, threshold)
    n = len(small.curves)

    def how(m: Measured, count: int, at: float | None) -> str:
        if n > 1:
            return f"{m.name} in {count} of {n} seeds" + (f" (median {unit} {at:g})" if at is not None else "")
        if at is not None:
            return f"{m.name} at {unit} {at:g}"
        return f"{m.name} never (final loss {m.final:.4f}" + (f", accuracy {m.accuracy})" if m.accuracy else ")")

    both = f"below {threshold}: {how(deep, b, at_b)}, {how(small, a, at_a)}"
    if b > a:
        return f"-> on {task}, depth bought {'the solution itself' if a == 0 else 'reliability'}: {both}."
    if b < a:
        return f"-> on {task}, depth did worse: {both}."
    if at_a is None or at_b is None:
        finals = f"final loss {deep.final:.4f} against {small.final:.4f}"
        if deep.accuracy:
            finals += f", accuracy {deep.accuracy} against {small.accuracy}"
        if deep.final <= 0.75 * small.final:
            return f"-> on {task}, neither got below {threshold}, but depth bought a lower loss: {finals}."
        return f"-> on {task}, neither got below {threshold}: depth bought nothing here ({finals})."
    if at_b <= 0.75 * at_a:
        return f"-> on {task}, depth bought speed: {both}."
    if at_b >= 1.33 * at_a:
        return f"-> on {task}, depth was slower: {both}."
    return f"-> on {task}, depth bought little: {both}."


def verdict(xor: dict[str, Measured], moons: dict[str, Measured]) -> list[str]:
    """The measurements in words: what depth bought on each task, and what it cost."""
    lines = ["What depth bought, measured on this run:"]
    for task, runs, threshold, unit in (
        ("XOR", xor, XOR_SOLVED, "epoch"),
        ("two moons", moons, MOONS_SOLVED, "step"),
    ):
        lines.append(f"  {task}:")
        for m in runs.values():
            extra = f", accuracy {m.accuracy}" if m.accuracy else ""
            seeds = " (median of the seeds)" if len(m.curves) > 1 else ""
            lines.append(
                f"    {m.name:<10} {m.parameters:>4} parameters: final loss {m.final:.4f}{seeds}{extra}; "
                f"below {threshold} {_when(m.first_below(threshold), unit)}"
            )
        lines.append("    " + _compare(task, runs["2-4-1"], runs["2-16-16-1"], threshold, unit))
        middle, deep = runs["2-8-8-1"], runs["2-16-16-1"]
        (m_count, m_at), (d_count, d_at) = _reached(middle, threshold), _reached(deep, threshold)
        if m_count == d_count and m_at is not None and d_at is not None and m_at <= 1.5 * d_at:
            cost = deep.per_step / middle.per_step
            lines.append(
                f"    -> 2-8-8-1 did about as well as 2-16-16-1, whose steps cost {cost:.1f}x as much "
                f"(below {threshold} at {unit} {m_at:g} against {d_at:g})."
            )
    price = moons["2-16-16-1"].per_step / moons["2-4-1"].per_step
    lines.append(
        f"  the price: a moons step of 2-16-16-1 took {price:.1f}x as long as one of 2-4-1 "
        f"({moons['2-16-16-1'].per_step * 1000:.0f} ms against {moons['2-4-1'].per_step * 1000:.0f} ms: "
        f"{moons['2-16-16-1'].parameters} parameters against {moons['2-4-1'].parameters})."
    )
    return lines


def plot(xor: dict[str, Measured], moons: dict[str, Measured], path: Path) -> Path:
    plt = demo._pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=100)
    colors = {"2-4-1": "#d62728", "2-8-8-1": "#1f77b4", "2-16-16-1": "#2ca02c"}
    for axes, runs, title, unit in (
        (left, xor, "XOR (MSE)", "epoch"),
        (right, moons, "two moons (hinge + L2)", "step"),
    ):
        for m in runs.values():
            for i, curve in enumerate(m.curves):
                axes.plot(
                    range(1, len(curve) + 1),
                    curve,
                    color=colors[m.name],
                    alpha=1.0 if i == 0 else 0.35,
                    linewidth=1.6 if i == 0 else 0.9,
                    label=f"{m.name} ({m.parameters} parameters)" if i == 0 else None,
                )
        axes.set_yscale("log")
        if runs is xor:  # a solved XOR keeps halving its loss down to 1e-20 and below: not worth the room
            axes.set_ylim(bottom=max(1e-6, min(min(c) for m in runs.values() for c in m.curves)))
        axes.set_xlabel(unit)
        axes.set_ylabel("loss")
        axes.set_title(f"{title}: loss by depth" + (" (3 seeds, first bold)" if runs is xor else ""))
        axes.grid(True, alpha=0.3)
        axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def run(mg: Implementation, finish: Callable[[Any], None], out: Path) -> tuple[list[float], str, list[Path]]:
    """Train, plot, print the verdict; the demo's (history, summary, files) for this run."""
    xor, moons = measure(mg, finish)
    files = [plot(xor, moons, out / "depth_loss.png")]
    print("\n".join(verdict(xor, moons)), flush=True)
    best = min(moons.values(), key=lambda m: m.final)
    return best.curves[0], f"moons: best {best.name} (accuracy {best.accuracy})", files
