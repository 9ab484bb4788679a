"""A real nbgrader round trip in a temporary course, through the make targets instructors use
(the `nbgrader` stage of make check; needs requirements/instructor.txt).

1. `make notebooks COURSE=<tmp>`: the course's nbgrader_config.py and a source notebook per step;
2. `make nbgrader-release COURSE=<tmp>`: a release notebook per step, holding no solution code of
   the step (or later) and no hidden test;
3. submit the reference notebooks for student `ref`, the untouched release for student `blank`, and a
   bug of the zoo per step for student `zoo`;
4. `make nbgrader-autograde COURSE=<tmp>`: an autograded notebook per step and student, and in
   nbgrader's gradebook every step is worth exactly its points, ref gets every point, blank none;
5. grade the very same notebooks with our grader (python -m grader grade): the same score, step by step,
   the zoo's partial scores included (devtests/nbgrader_agreement.py does it for every zoo entry);
6. `make nbgrader-feedback COURSE=<tmp>`: an HTML page per notebook.

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

from kata.catalogue import PUBLIC_SEED
from kata.dev.release import solution_lines
from kata.manifest import Manifest, load
from kata.oracle.draw import cases
from kata.paths import ROOT

SEED = 97531
STUDENTS = ("ref", "blank", "zoo")


def make(target: str, course: Path, *settings: str) -> float:
    """Run `make TARGET COURSE=course` in the repository, as an instructor would; its seconds."""
    started = time.perf_counter()
    command = ["make", "--no-print-directory", "-C", str(ROOT), target, f"COURSE={course}", *settings]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # a make of its own
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        output = done.stdout[-3000:] + done.stderr[-3000:]
        raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}):\n{output}")
    return time.perf_counter() - started


def missing(course: Path, pattern: str, manifest: Manifest, students: tuple[str, ...] = ("",)) -> list[str]:
    """The files of pattern (with {n} the step, {s} the student) that a target should have made."""
    wanted = [pattern.format(n=s.number, s=student) for s in manifest.steps for student in students]
    return [f"{what} was not made" for what in wanted if not (course / what).is_file()]


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
        for student in STUDENTS:
            for step in manifest.steps:
                submission = gradebook.find_submission(f"step{step.number}", student)
                found[(student, step.number)] = (submission.score, submission.max_score)
    return found


def ours(course: Path, scratch: Path) -> dict[tuple[str, int], float]:
    submitted = sorted((course / "submitted").glob("*/step*"))
    out = scratch / "ours"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "--out", str(out), "--seed", str(SEED), "--jobs", "2", "--"]
        + [str(s) for s in submitted],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise SystemExit(f"our grader failed on the notebooks:\n{done.stderr[-3000:]}")
    found = {}
    for row in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")):
        step = int(row["submission"].rsplit("-step", 1)[1])  # submitted/STUDENT/stepN is graded as STUDENT-stepN
        found[(row["name"], step)] = float(row[f"step{step}"])
    return found


def submit_zoo(course: Path, manifest: Manifest) -> dict[int, str]:
    """Student `zoo` hands in, for every step, the step's first bug of the zoo that fits its notebook."""
    from devtests.nbgrader_agreement import notebook_of
    from grader.zoo import bugs

    chosen = {}
    for step in manifest.steps:
        for entry in bugs():
            book = notebook_of(course, entry, manifest) if entry.step == step.number else None
            if book is not None:
                name = f"step{step.number}"
                shutil.copytree(course / "source" / name, course / "submitted" / "zoo" / name)
                (course / "submitted" / "zoo" / name / f"{name}.ipynb").write_text(json.dumps(book), encoding="utf-8")
                chosen[step.number] = entry.id
                break
    return chosen


def main() -> int:
    manifest = load()
    problems: list[str] = []
    students = STUDENTS
    count = len(students) * len(manifest.steps)
    with tempfile.TemporaryDirectory(prefix="kata-nbgrader-") as scratch:
        course = Path(scratch) / "course"  # made by make notebooks, nbgrader_config.py included
        built = make("notebooks", course, f"SEED={SEED}")
        if not (course / "nbgrader_config.py").is_file():
            problems.append("make notebooks did not give the new course its nbgrader_config.py")
        problems += missing(course, "source/step{n}/step{n}.ipynb", manifest)
        released = make("nbgrader-release", course)
        problems += missing(course, "release/step{n}/step{n}.ipynb", manifest)
        problems += release_problems(course, manifest)
        for step in manifest.steps:
            name = f"step{step.number}"
            shutil.copytree(course / "source" / name, course / "submitted" / "ref" / name)
            shutil.copytree(course / "release" / name, course / "submitted" / "blank" / name)
        bugged = submit_zoo(course, manifest)
        problems += [
            f"no zoo entry fits the notebook of step {s.number}" for s in manifest.steps if s.number not in bugged
        ]
        autograded = make("nbgrader-autograde", course)
        problems += missing(course, "autograded/{s}/step{n}/step{n}.ipynb", manifest, students)
        theirs = scores(course, manifest)
        started = time.perf_counter()
        mine = ours(course, Path(scratch))
        graded = time.perf_counter() - started
        for (student, number), (score, maximum) in sorted(theirs.items()):
            if abs(maximum - manifest.step(number).points) > 1e-9:  # exact: no 9.9999 nor 20.0002
                problems.append(f"nbgrader's step {number} is worth {maximum!r}, not {manifest.step(number).points}")
            wanted = {"ref": maximum, "blank": 0.0}.get(student)
            if wanted is not None and abs(score - wanted) > 1e-6:
                problems.append(f"nbgrader gave {student} {score}/{maximum} in step {number}, not {wanted}")
            if student == "zoo" and not 0 < score < maximum:
                problems.append(f"nbgrader gave {bugged.get(number)} (zoo) {score}/{maximum} in step {number}")
            if abs(mine[(student, number)] - score) > 0.01:
                problems.append(f"step {number}, {student}: nbgrader {score}, our grader {mine[(student, number)]}")
        fed = make("nbgrader-feedback", course)
        problems += missing(course, "feedback/{s}/step{n}/step{n}.html", manifest, students)
        pages = list((course / "feedback").glob("*/step*/step*.html"))
        if not all(re.search("micrograd|Step", p.read_text(encoding="utf-8")) for p in pages):
            problems.append("a feedback page does not look like the kata's")
    print(
        f"nbgrader round trip through the make targets: {len(manifest.steps)} steps, {len(students)} students "
        f"({count} notebooks: the reference, the untouched release, a bug of the zoo per step)"
    )
    print(
        f"  make notebooks {built:.1f} s, nbgrader-release {released:.1f} s, nbgrader-autograde {autograded:.1f} s "
        f"({autograded / count:.2f} s per notebook through the CLI), nbgrader-feedback {fed:.1f} s"
    )
    print(f"  our grader on the same notebooks: {graded:.1f} s ({graded / count:.2f} s per notebook)")
    print(
        f"  ref: full marks, blank: zero, nbgrader and our grader agree case by case: {'yes' if not problems else 'NO'}"
    )
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
