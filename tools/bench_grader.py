"""Print how fast the grader is: seconds per submission and submissions per minute, for the
bundled samples and for N copies of the complete sample, with and without the sandbox, on one
core and on all of them.

    python tools/bench_grader.py [--copies 100]

Each figure is one run of the real command line (`python -m grader grade`), start-up included. Then the
goal (issue 13): grading, sandboxed, costs at most 1.5 times the floor, in CPU seconds per complete
submission; the floor is the same checks on the same code run in this process, with no sandbox and no
process start (grader/inprocess.py), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
        [sys.executable, "-m", "grader", "grade", *map(str, submissions), "--out", str(out), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the grader failed:\n{done.stderr}")
    shutil.rmtree(out)
    return seconds


GOAL = 1.5  # grading may cost this many times the floor, per submission


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def goal(copies: list[Path], folder: Path, flag: str, jobs: int) -> None:
    """Print the floor, the grader's cost per submission and whether the goal is met."""
    from grader.inprocess import grade_in_process
    from kata.manifest import load

    manifest = load()
    started = time.process_time()
    for copy in copies:
        grade_in_process(copy / "micrograd", manifest.grading_seed, manifest=manifest)
    floor = (time.process_time() - started) / len(copies)
    before = children_cpu()
    run(copies[:1], folder / "out", flag, "--jobs", str(jobs))
    once = children_cpu() - before  # one submission and everything a batch does once (start-up, report)
    before = children_cpu()
    wall = run(copies, folder / "out", flag, "--jobs", str(jobs))
    total = children_cpu() - before
    cost = total / len(copies)
    marginal = (total - once) / (len(copies) - 1)  # what one more submission costs in a batch
    ratio = cost / floor
    print(
        f"\ngoal: grading ({flag}, {jobs} jobs) costs at most {GOAL}x the floor, in CPU seconds per complete submission"
    )
    print(f"  floor (in process, no sandbox, no process start): {floor:.2f} CPU s per submission")
    print(
        f"  the grader: {cost:.2f} CPU s per submission ({len(copies) / wall * 60:.0f} per minute here): "
        f"{ratio:.1f}x the floor, goal {'MET' if ratio <= GOAL else 'NOT met'} "
        f"(it would grade about {jobs * 60 / (GOAL * floor):.0f} per minute on {jobs} cores)"
    )
    print(
        f"  of which the batch's start-up and report: {(total - marginal * len(copies)) / len(copies):.2f} CPU s per "
        f"submission; each further submission: {marginal:.2f} CPU s ({marginal / floor:.1f}x the floor)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--goal-only", action="store_true", help="only the goal against the floor")
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
        if args.goal_only:
            goal(copies[:20], folder, "--require-sandbox" if sandboxed else "--no-sandbox", cores)
            return 0
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
        goal(copies[:20], folder, "--require-sandbox" if sandboxed else "--no-sandbox", cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
