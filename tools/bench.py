"""How long a student waits, measured end to end on this machine, against the goals of issue 12.

    python tools/bench.py [--repeat 5] [--skip-demo]

Every figure is printed next to its floor, measured in the same run, and the ratio against its goal:
    floor            start the venv's Python and import pytest and Hypothesis (nothing can be faster)
    make test-stepN  against the reference, median of --repeat runs   goal: <= 2.5 x the floor
    make progress    every step against the reference                 goal: <= 4 s
    make test        every step, with its overall summary             (figure only)
    make watch       first verdict after starting; new verdict after a save   goals: <= 2 s, <= 1 s
    make demo        with a typical student engine (below)            goal: <= 30 s
The typical student engine is written here the way micrograd's lecture teaches it: `_prev` a set,
subtraction and division composed from +, * and ** (so more nodes), an iterative sort; the rest of
the package is the reference's.

Figures, not assertions: speed is measured here, never in a timed test (the machine may be busy:
the load average is printed with the figures).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kata.dev import exercises as generator  # noqa: E402 - after the path is set
from kata.manifest import load  # noqa: E402
from kata.paths import PACKAGE, SOLUTIONS  # noqa: E402

TYPICAL_ENGINE = """
import math


class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        if not isinstance(other, (int, float)):
            raise TypeError("only int or float powers")
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return other * self**-1

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log of {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        self.grad = 1.0
        for v in reversed(topological_order(self)):
            v._backward()


def topological_order(root):
    topo, visited, stack = [], set(), [(root, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            for child in v._prev:
                stack.append((child, False))
    return topo
"""


def _measure(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def paired(command: list[str], repeat: int) -> tuple[float, float, float, float]:
    """Medians of (the command's wall time, the floor's wall time, the command's CPU time, the floor's
    CPU time), the two measured alternately so that both see the same load on a shared machine."""
    runs, floors = [], []
    for _ in range(repeat):
        floors.append(_measure(FLOOR))
        runs.append(_measure(command))
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(f[0] for f in floors),
        statistics.median(r[1] for r in runs),
        statistics.median(f[1] for f in floors),
    )


FLOOR = [sys.executable, "-c", "import pytest, hypothesis"]


def make(target: str, *variables: str) -> list[str]:
    """The make command for a target (python -m kata's twin where make is missing)."""
    if shutil.which("make"):
        return ["make", "-s", "--no-print-directory", target, *variables]
    raise SystemExit("make is not installed: this benchmark measures the make targets")


def row(name: str, seconds: float, floor: str, goal: str, ratio: float | None, met: bool | None, cpu: str = "") -> str:
    verdict = "" if met is None else ("met" if met else "NOT MET")
    ratio_text = f"{ratio:5.2f}x" if ratio is not None else "      "
    return f"{name:<42} {seconds:7.2f} s  {floor:<10} {ratio_text}  {goal:<14} {verdict:<8} {cpu}"


def cpu_text(cpu: float, floor_cpu: float) -> str:
    return f"cpu {cpu:5.2f} s = {cpu / floor_cpu:4.1f}x the floor's {floor_cpu:.2f} s"


def watch_times(folder: Path) -> tuple[float, float]:
    """(seconds to the first verdict, seconds from a save to the new verdict) of make watch on a copy
    whose step 1 is still stubs, where step 1 is then saved solved."""
    manifest = load()
    generator.write(generator.build(SOLUTIONS / PACKAGE, manifest, upto=0), folder / PACKAGE)
    python = sys.executable
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, "-m", "kata", "watch", "--impl", str(folder), "--no-clear"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    seen = ""
    assert process.stdout is not None  # stdout=PIPE
    stdout = process.stdout

    def until(pattern: str, limit: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.02)
            if ready:
                seen += os.read(stdout.fileno(), 65536).decode(errors="replace")
            found = re.search(pattern, seen)
            if found:
                seen = seen[found.end() :]
                return
        raise SystemExit(f"make watch never printed {pattern!r}")

    try:
        until(r"Step 1 \(Finite differences\): [^\n]*todo")
        first = time.perf_counter() - started
        time.sleep(1.5)  # the student reads, then saves
        solved = generator.build(SOLUTIONS / PACKAGE, manifest, upto=1)["numeric.py"]
        saved = time.perf_counter()
        (folder / PACKAGE / "numeric.py").write_text(solved, encoding="utf-8")
        until(r"Step 1 \(Finite differences\): all \d+ checks pass")
        again = time.perf_counter() - saved
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return first, again


def typical_engine(folder: Path) -> Path:
    package = folder / PACKAGE
    shutil.copytree(SOLUTIONS / PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "engine.py").write_text(TYPICAL_ENGINE.lstrip(), encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-demo", action="store_true", help="leave out make demo (about 15 s)")
    args = parser.parse_args()
    python = sys.executable
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f} at the start"
    )
    print("floor: the venv's Python importing pytest and Hypothesis, timed alternately with each figure.")
    print("Wall times are the goals; CPU times (of every process involved) show the same with less noise")
    print("from other people's load on a shared machine.\n")
    title = f"figure (median of {args.repeat})"
    print(f"{title:<42} {'wall':>9}  {'its floor':<10} {'ratio':>6}  {'goal':<14} {'':<8} cpu")
    floors = []
    for step in load().steps:
        seconds, floor, cpu, floor_cpu = paired(make(f"test-step{step.number}", "IMPL=solutions"), args.repeat)
        floors.append(floor)
        ratio = seconds / floor
        name = f"make test-step{step.number} ({step.title[:22]})"
        print(row(name, seconds, f"{floor:.2f} s", "<= 2.5x floor", ratio, ratio <= 2.5, cpu_text(cpu, floor_cpu)))
    for label, variables in (("reference: every check runs", ["IMPL=solutions"]), ("untouched stubs", [])):
        seconds, floor, cpu, floor_cpu = paired(make("progress", *variables), args.repeat)
        name = f"make progress ({label})"
        print(row(name, seconds, f"{floor:.2f} s", "<= 4 s", seconds / floor, seconds <= 4, cpu_text(cpu, floor_cpu)))
    seconds, floor, cpu, floor_cpu = paired(make("test", "IMPL=solutions"), max(1, args.repeat // 2))
    name = "make test (reference, with its summary)"
    print(row(name, seconds, f"{floor:.2f} s", "", seconds / floor, None, cpu_text(cpu, floor_cpu)))
    floor = statistics.median(floors)
    with tempfile.TemporaryDirectory(prefix="kata-bench-") as scratch:
        first, again = watch_times(Path(scratch) / "watch")
        print(row("make watch: first verdict", first, f"{floor:.2f} s", "<= 2 s", None, first <= 2))
        print(row("make watch: new verdict after a save", again, f"{floor:.2f} s", "<= 1 s", None, again <= 1))
        if not args.skip_demo:
            engine = typical_engine(Path(scratch) / "typical")
            out = Path(scratch) / "demo"
            seconds, cpu = _measure([python, "-m", "kata", "demo", "--impl", str(engine), "--out", str(out)])
            name = "make demo (a typical student engine)"
            print(row(name, seconds, "", "<= 30 s", None, seconds <= 30, f"cpu {cpu:5.2f} s"))
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
