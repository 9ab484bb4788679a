"""Print how long a student waits for `make test-stepN`: per step, against the reference and
against the untouched stubs, measured end to end (interpreter start, pytest, the checks).

    python tools/bench.py [--repeat 3]

Figures, not assertions: speed is measured here, never in a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kata.manifest import load
from kata.runner import run_step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"median of {args.repeat} runs of `python -m kata test N` (what make test-stepN runs)\n")
    print(f"{'step':<40} {'reference':>10} {'stubs':>10}")
    for step in load().steps:
        row = []
        for impl in ("solutions", "exercises"):
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                run_step(step, impl=impl, capture=True)
                times.append(time.perf_counter() - started)
            row.append(statistics.median(times))
        print(f"{step.number}. {step.title:<37} {row[0]:>9.2f}s {row[1]:>9.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
