"""The reference engine against micrograd (the PyPI package, karpathy's code) on micrograd's own demo
workload: two moons, 100 points, MLP(2, [16, 16, 1]), hinge loss + L2 (alpha 1e-4), full batch,
learning rate 1.0 - 0.9 k / 100.

    python tools/bench_engines.py [--steps 100] [--default-gc-steps 5]

Each engine runs in its own process on the same data with the same driver, twice: with the
collector managed (automatic collection off; after each step the graph's closure cycles are broken
and one collection frees the rest, such as the cycle of micrograd's recursive build_topo closure,
which holds the whole graph) for the whole run; and with Python's default collector (micrograd's
demo as written) for a few steps, for the time per step. Peak memory is the process's maximum
resident set. Ratios are reference / micrograd.
micrograd 0.1.0 is installed into build/bench/ on first use (it is not a dependency of the kata).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPI = ROOT / "build" / "bench" / "micrograd-pypi"

CHILD = r"""
import gc, json, random, resource, statistics, sys, time
sys.path[:0] = [{path!r}, {root!r}]
from micrograd.engine import Value
from micrograd.nn import MLP
from kata.demo import release
from solutions.micrograd.data import make_moons  # pure data, the same points for both engines

steps, managed = {steps}, {managed}
xs, ys = make_moons(100, noise=0.1, seed=1337)
random.seed(1337)
model = MLP(2, [16, 16, 1])
if managed:
    gc.disable()
times = []
started = time.perf_counter()
for k in range(steps):
    t = time.perf_counter()
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= (1.0 - 0.9 * k / 100) * p.grad
    if managed:
        release(loss)
        gc.collect()  # micrograd's recursive build_topo closure is a cycle holding the whole graph
    times.append(time.perf_counter() - t)
accuracy = sum((y > 0) == (s.data > 0) for y, s in zip(ys, scores)) / len(ys)
print(json.dumps({{"step": statistics.median(times), "run": time.perf_counter() - started,
                  "memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "accuracy": accuracy,
                  "loss": loss.data}}))
"""


def ensure_micrograd() -> Path:
    if not (PYPI / "micrograd" / "engine.py").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(PYPI),
                "micrograd==0.1.0",
            ],
            check=True,
        )
    return PYPI


def measure(engine_path: Path, steps: int, managed: bool) -> dict[str, Any]:
    code = CHILD.format(path=str(engine_path), root=str(ROOT), steps=steps, managed=managed)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--default-gc-steps", type=int, default=5)
    args = parser.parse_args()
    engines = {"reference": ROOT / "solutions", "micrograd": ensure_micrograd()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("two moons, MLP(2, [16, 16, 1]), hinge + L2, full batch (micrograd's demo workload)\n")
    print(f"{'':<34} {'reference':>10} {'micrograd':>10} {'ratio':>7}")
    managed = {name: measure(path, args.steps, True) for name, path in engines.items()}
    default = {name: measure(path, args.default_gc_steps, False) for name, path in engines.items()}
    rows = [
        ("time per step, collector managed", "step", managed, "s"),
        (f"whole run, {args.steps} steps, managed", "run", managed, "s"),
        ("peak memory, managed", "memory_mb", managed, "MB"),
        ("time per step, default collector", "step", default, "s"),
        ("peak memory, default collector", "memory_mb", default, "MB"),
    ]
    for label, key, figures, unit in rows:
        ours, theirs = figures["reference"][key], figures["micrograd"][key]
        print(f"{label:<34} {ours:>9.3f}{unit[0]} {theirs:>9.3f}{unit[0]} {ours / theirs:>7.2f}")
    print(
        f"\naccuracy after {args.steps} steps: reference {managed['reference']['accuracy']:.0%}, "
        f"micrograd {managed['micrograd']['accuracy']:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
