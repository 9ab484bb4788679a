"""A real nbgrader round trip in a temporary course (part of make check; needs requirements/instructor.txt).

1. build the notebooks from the reference (grader.notebooks) and `nbgrader generate_assignment` every step;
2. prove the release holds no solution code of the step (or later) and no hidden test;
3. submit the reference notebooks for student `ref` and the untouched release for student `blank`;
4. `nbgrader autograde` every step, and read the scores from nbgrader's gradebook: ref gets every
   point, blank none;
5. grade the very same notebooks with our grader (python -m grader): the same score, step by step;
6. `nbgrader generate_feedback`: an HTML page per notebook.

    python -m devtests.nbgrader_roundtrip        prints the figures, exits 1 on any difference
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader import notebooks
from kata.catalogue import PUBLIC_SEED
from kata.manifest import Manifest, load
from kata.oracle.draw import cases
from kata.paths import ROOT
from kata.release import solution_lines

SEED = 97531


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


def release_problems(course: Path, manifest: Manifest) -> list[str]:
    problems = []
    for step in manifest.steps:
        folder = course / "release" / f"step{step.number}"
        book = json.loads((folder / f"step{step.number}.ipynb").read_text(encoding="utf-8"))
        text = "\n".join("".join(cell["source"]) for cell in book["cells"])
        lines = {line.strip() for line in text.splitlines()}
        later = {s.number for s in manifest.steps if s.number >= step.number}
        earlier = {s.number for s in manifest.steps if s.number < step.number}
        # the step's (and later steps') solution lines, except those the earlier steps' code also has,
        # which the notebook carries on purpose
        secret = solution_lines(manifest, later) - solution_lines(manifest, earlier)
        for line in sorted(lines & secret):
            problems.append(f"step{step.number}: solution code in the release: {line}")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in text:
                problems.append(f"step{step.number}: the release still says {marker}")
        public = {json.dumps(case.args, separators=(",", ":")) for case in cases(step.number, PUBLIC_SEED)}
        for case in cases(step.number, SEED):
            inputs = json.dumps(case.args, separators=(",", ":"))
            if inputs not in public and inputs in text:
                problems.append(f"step{step.number}: the inputs of a hidden case are in the release: {case.id}")
        files = {str(p.relative_to(folder)) for p in folder.rglob("*.py")}
        leaked = [f for f in files if lines_in((folder / f).read_text(encoding="utf-8"), secret)]
        problems += [f"step{step.number}: solution code in {f}" for f in leaked]
    return problems


def lines_in(text: str, wanted: set[str]) -> set[str]:
    return {line.strip() for line in text.splitlines()} & wanted


def scores(course: Path, manifest: Manifest) -> dict[tuple[str, int], tuple[float, float]]:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in ("ref", "blank"):
            for step in manifest.steps:
                submission = gradebook.find_submission(f"step{step.number}", student)
                found[(student, step.number)] = (submission.score, submission.max_score)
    return found


def ours(course: Path, scratch: Path) -> dict[tuple[str, int], float]:
    submitted = sorted((course / "submitted").glob("*/step*"))
    out = scratch / "ours"
    done = subprocess.run(
        [sys.executable, "-m", "grader", *map(str, submitted), "--out", str(out), "--seed", str(SEED), "--jobs", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise SystemExit(f"our grader failed on the notebooks:\n{done.stderr[-3000:]}")
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    found = {}
    for path, row in zip(submitted, rows):
        step = int(path.name.removeprefix("step"))
        found[(path.parent.name, step)] = float(row[f"step{step}"])
    return found


def main() -> int:
    manifest = load()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kata-nbgrader-") as scratch:
        course = Path(scratch) / "course"
        course.mkdir()
        shutil.copy(ROOT / "nbgrader" / "nbgrader_config.py", course)
        started = time.perf_counter()
        notebooks.build(course, SEED, manifest)
        built = time.perf_counter() - started
        started = time.perf_counter()
        for step in manifest.steps:
            nbgrader(course, "generate_assignment", f"step{step.number}", "--force")
        released = time.perf_counter() - started
        problems += release_problems(course, manifest)
        for step in manifest.steps:
            name = f"step{step.number}"
            shutil.copytree(course / "source" / name, course / "submitted" / "ref" / name)
            shutil.copytree(course / "release" / name, course / "submitted" / "blank" / name)
        started = time.perf_counter()
        for step in manifest.steps:
            nbgrader(course, "autograde", f"step{step.number}")
        autograded = time.perf_counter() - started
        theirs = scores(course, manifest)
        started = time.perf_counter()
        mine = ours(course, Path(scratch))
        graded = time.perf_counter() - started
        for (student, step), (score, maximum) in sorted(theirs.items()):
            wanted = maximum if student == "ref" else 0.0
            if abs(score - wanted) > 1e-6:
                problems.append(f"nbgrader gave {student} {score}/{maximum} in step {step}, not {wanted}")
            if abs(mine[(student, step)] - score) > 0.01:
                problems.append(f"step {step}, {student}: nbgrader {score}, our grader {mine[(student, step)]}")
        started = time.perf_counter()
        for step in manifest.steps:
            nbgrader(course, "generate_feedback", f"step{step.number}")
        fed = time.perf_counter() - started
        pages = list((course / "feedback").glob("*/step*/step*.html"))
        if len(pages) != 2 * len(manifest.steps):
            problems.append(f"generate_feedback wrote {len(pages)} pages, not {2 * len(manifest.steps)}")
        elif not all(re.search("micrograd|Step", p.read_text(encoding="utf-8")) for p in pages):
            problems.append("a feedback page does not look like the kata's")
    count = 2 * len(manifest.steps)
    print(f"nbgrader round trip: {len(manifest.steps)} steps, 2 students ({count} notebooks)")
    print(
        f"  build {built:.1f} s, generate_assignment {released:.1f} s, autograde {autograded:.1f} s "
        f"({autograded / count:.2f} s per notebook through the CLI), feedback {fed:.1f} s"
    )
    print(f"  our grader on the same notebooks: {graded:.1f} s ({graded / count:.2f} s per notebook)")
    print(f"  ref: full marks, blank: zero, nbgrader and our grader agree: {'yes' if not problems else 'NO'}")
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
