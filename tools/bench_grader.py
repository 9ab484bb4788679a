"""Print how fast the grader is: seconds per submission and submissions per minute, for the
bundled samples and for N copies of the complete sample, with and without the sandbox, on one
core and on all of them.

    python tools/bench_grader.py [--copies 100]

Each figure is one run of the real command line (`python -m grader`), start-up included.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.samples import build_samples  # noqa: E402
from grader.sandbox import build_harness, probe_bwrap  # noqa: E402


def run(submissions: list[Path], out: Path, *flags: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "grader", *map(str, submissions), "--out", str(out), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the grader failed:\n{done.stderr}")
    shutil.rmtree(out)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(
        f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as scratch:
        folder = Path(scratch)
        samples = build_samples(folder / "samples")
        copies = []
        for i in range(args.copies):
            copy = folder / "class" / f"student{i:03d}"
            shutil.copytree(samples[0], copy)
            copies.append(copy)
        sandboxed = probe_bwrap(build_harness(folder / "probe"))[0] is not None
        modes = [("sandboxed", "--require-sandbox")] if sandboxed else []
        modes.append(("no sandbox", "--no-sandbox"))
        print(f"\n{'batch':<34} {'mode':<11} {'jobs':>4} {'seconds':>8} {'s/subm.':>8} {'subm./min':>10}")
        for label, batch in (("3 samples", samples), (f"{args.copies} x complete", copies)):
            for mode, flag in modes:
                for jobs in sorted({1, cores}):
                    seconds = run(batch, folder / "out", flag, "--jobs", str(jobs))
                    print(
                        f"{label:<34} {mode:<11} {jobs:>4} {seconds:>8.1f} {seconds / len(batch):>8.2f} "
                        f"{len(batch) / seconds * 60:>10.0f}"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
