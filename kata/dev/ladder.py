"""The stub ladder: for every N, the reference's code for steps <= N with stubs after it.

On rung N every suite of a step <= N must pass and every later suite must report only todo (or
blocked, where a later check needs a step that is not written yet): no failure, no import or
collection error. This proves that the suites are progressive (step N
needs nothing after N) and that an unstarted step reads as todo, never as a crash.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kata.dev import exercises as generator
from kata.manifest import Manifest, load
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.runner import StepResult, pytest_command, read_report


def run_rung(manifest: Manifest, upto: int, scratch: Path) -> list[str]:
    """Problems found on one rung of the ladder ([] if it holds)."""
    folder = scratch / f"upto{upto}"
    generator.write(generator.build(SOLUTIONS / PACKAGE, manifest, upto=upto), folder / PACKAGE)
    report = folder / "report.jsonl"
    budget = max(step.budget for step in manifest.steps)
    command = pytest_command([step.test_file for step in manifest.steps], str(folder), report, budget, [])
    env = {**os.environ, "KATA_HYPOTHESIS": "grade", "HYPOTHESIS_STORAGE_DIRECTORY": str(folder / "hypothesis")}
    completed = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=sum(step.budget for step in manifest.steps) + 60,
    )
    problems = []
    for step in manifest.steps:
        result = StepResult(step)
        read_report(report, result)
        counts = f"{result.passed} passed, {result.failed} failed, {result.todo} todo, {result.blocked} blocked"
        if step.number <= upto and (result.failed or result.todo or result.blocked or not result.passed or result.hung):
            problems.append(f"rung {upto}: step {step.number} should pass with its reference code; got {counts}")
        elif step.number > upto and (result.failed or result.passed or not result.todo + result.blocked or result.hung):
            problems.append(f"rung {upto}: step {step.number} should be all todo (or blocked); got {counts}")
    if problems or completed.returncode != (0 if upto == len(manifest.steps) else 1):
        problems.append(
            f"rung {upto}: pytest exited {completed.returncode}\n{completed.stdout[-3000:]}{completed.stderr[-2000:]}"
        )
    return problems


def run_ladder(jobs: int = 2) -> int:
    manifest = load()
    rungs = range(0, len(manifest.steps) + 1)
    with tempfile.TemporaryDirectory(prefix="kata-ladder-") as scratch, ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda n: run_rung(manifest, n, Path(scratch)), rungs))
    problems = [p for rung in results for p in rung]
    for rung, found in zip(rungs, results):
        print(f"rung {rung}: steps <= {rung} solved ... {'ok' if not found else 'BROKEN'}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"stub ladder: {len(rungs) - sum(1 for r in results if r)}/{len(rungs)} rungs hold")
    return 1 if problems else 0
