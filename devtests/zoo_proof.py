"""Prove the bug zoo (grader/zoo.toml): every realistic wrong implementation is caught, attributed
and explained.

For every entry:
  1. its step's suite FAILS against it (at least one failure, not only todo);
  2. the grader gives it less than full marks in that step, and full marks in every step that does
     not depend on it (kata.toml's `depends`, transitively);
  3. the feedback of that step contains the entry's `names` (the op or the concept).

    python -m devtests.zoo_proof        (make zoo; part of make check)

Prints the figures and exits 1 if any entry slips through.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.records import load_record
from grader.zoo import Bug, bugs, with_bugs
from kata.manifest import Manifest, load
from kata.paths import ROOT
from kata.runner import run_step


def dependents(manifest: Manifest, step: int) -> set[int]:
    """Steps that run the code of `step` (directly or through another step)."""
    found: set[int] = set()
    changed = True
    while changed:
        changed = False
        for s in manifest.steps:
            if s.number not in found and (step in s.depends or found & set(s.depends)):
                found.add(s.number)
                changed = True
    return found


def section(feedback: str, step: int) -> str:
    start = feedback.find(f"## Step {step}:")
    end = feedback.find("\n## Step ", start + 1)
    return feedback[start:] if end < 0 else feedback[start:end]


def prove(folder: Path, jobs: int = 2) -> tuple[dict[str, list[str]], dict[str, int]]:
    manifest = load()
    entries = list(bugs())
    for entry in entries:
        with_bugs(folder / "bugs" / entry.id, [entry])

    def suite(entry: Bug) -> str:
        result = run_step(
            manifest.step(entry.step),
            impl=str(folder / "bugs" / entry.id),
            capture=True,
            env={"KATA_HYPOTHESIS": "grade"},
        )
        if result.failed == 0:
            return f"its step {entry.step} suite does not fail ({result.passed} passed, {result.todo} todo)"
        return ""

    with ThreadPoolExecutor(jobs) as pool:
        suite_problems = dict(zip([e.id for e in entries], pool.map(suite, entries)))

    out = folder / "grades"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            *(str(folder / "bugs" / e.id) for e in entries),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the grader failed on the zoo:\n{done.stderr[-3000:]}")
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}

    problems: dict[str, list[str]] = {}
    figures = {"entries": len(entries), "detected": 0, "attributed": 0, "named": 0}
    for entry in entries:
        found = [suite_problems[entry.id]] if suite_problems[entry.id] else []
        figures["detected"] += not found
        record = load_record(out / entry.id / "record.json")
        full = {s.number: s.points for s in manifest.steps}
        scores = {n: record.step_score(n) for n in full} if record else {}
        independent = [n for n in full if n != entry.step and n not in dependents(manifest, entry.step)]
        attributed = bool(record) and scores[entry.step] < full[entry.step]
        if not attributed:
            found.append(f"the grader gives step {entry.step} full marks ({rows.get(entry.id)})")
        lost = [n for n in independent if record and scores[n] != full[n]]
        if lost:
            attributed = False
            found.append(f"steps {lost} do not depend on step {entry.step} but lost points ({rows.get(entry.id)})")
        figures["attributed"] += attributed
        feedback = (out / entry.id / "feedback.md").read_text(encoding="utf-8")
        if entry.names.lower() in section(feedback, entry.step).lower():
            figures["named"] += 1
        else:
            found.append(f"the feedback of step {entry.step} does not say {entry.names!r}")
        if found:
            problems[entry.id] = found
    return problems, figures


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kata-zoo-") as scratch:
        problems, figures = prove(Path(scratch))
    by_step: dict[int, int] = {}
    for entry in bugs():
        by_step[entry.step] = by_step.get(entry.step, 0) + 1
    print(f"bug zoo: {figures['entries']} entries ({', '.join(f'step {k}: {v}' for k, v in sorted(by_step.items()))})")
    print(f"  detected by their step's suite:        {figures['detected']}/{figures['entries']}")
    print(f"  attributed to the right step (grader): {figures['attributed']}/{figures['entries']}")
    print(f"  named in the feedback:                 {figures['named']}/{figures['entries']}")
    for identifier, found in problems.items():
        for problem in found:
            print(f"  SLIPPED {identifier}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
