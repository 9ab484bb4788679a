"""nbgrader and our grader agree on the bug zoo's notebooks: every zoo entry, written into its step's
notebook of the nbgrader course, gets the same points from nbgrader's test cells as from our grader.

nbgrader scores a test cell all or nothing; the course has one cell per case, worth that case's share of
the step as our grader weighs it (grader/notebooks.py), so the two agree case by case. nbgrader's side
is computed here the way its autograde does it: the notebook's code cells run in order in one
interpreter (the `%%micrograd NAME` cells through the very function the cell magic calls), and a graded
cell earns its points when it raises nothing. (The real nbgrader runs the same cells in the round trip,
devtests/nbgrader_roundtrip.py, on fewer notebooks: it takes seconds a notebook.)

    python -m devtests.nbgrader_agreement        prints the disagreements, exits 1 on any
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from grader.zoo import Bug, bugs
from kata.manifest import Manifest, load
from kata.paths import ROOT

SEED = 97531  # the round trip's (devtests/nbgrader_roundtrip.py)
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

# Runs in a child: each notebook's code cells in order, as a kernel would; prints, per notebook, the
# points of every graded cell that raised nothing.
RUNNER = r"""
import io, json, sys, contextlib
from kata.notebook import run_module, _package
results = {}
for path in json.loads(sys.argv[1]):
    book = json.load(open(path, encoding="utf-8"))
    _package()
    namespace = {"__name__": "__main__"}
    earned = 0.0
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        grade = cell["metadata"].get("nbgrader", {})
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                if source.startswith("%%micrograd"):
                    first, _, code = source.partition("\n")
                    run_module(first.split()[1], code)
                elif "setup()" in source:  # the cell magic needs IPython: its function is called directly above
                    namespace["_package"] = _package
                    exec(source.replace("setup()", "_package()"), namespace)
                else:
                    exec(compile(source, "<cell>", "exec"), namespace)
        except BaseException:
            continue
        if grade.get("grade"):
            earned += grade["points"]
    results[path] = earned
print(json.dumps(results))
"""


def notebook_of(course: Path, entry: Bug, manifest: Manifest) -> dict[str, Any] | None:
    """The step's source notebook with the zoo entry's edits made in the student's cell (markers dropped:
    what a student's submitted notebook holds); None if an edit does not fit the cell."""
    step = manifest.step(entry.step)
    book: dict[str, Any] = json.loads(
        (course / "source" / f"step{step.number}" / f"step{step.number}.ipynb").read_text()
    )
    module = step.file.removesuffix(".py")
    for cell in book["cells"]:
        text = "".join(cell["source"])
        if cell["metadata"].get("nbgrader", {}).get("solution") and text.startswith(f"%%micrograd {module}\n"):
            lines = [line for line in text.splitlines(keepends=True) if line.strip() not in MARKERS]
            text = "".join(lines)
            for old, new in entry.edits:
                if text.count(old) != 1:
                    return None
                text = text.replace(old, new)
            cell["source"] = text
            return book
    return None


def nbgrader_scores(paths: dict[str, Path]) -> dict[str, float]:
    """Each notebook's points as nbgrader's autograde counts them, one child per step."""
    by_step: dict[str, list[str]] = {}
    for path in paths.values():
        by_step.setdefault(path.parent.name, []).append(str(path))

    def run(chosen: list[str]) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, json.dumps(chosen)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise SystemExit(f"the notebook runner failed:\n{done.stderr[-3000:]}")
        scores: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return scores

    earned: dict[str, float] = {}
    with ThreadPoolExecutor(2) as pool:
        for found in pool.map(run, by_step.values()):
            earned.update(found)
    return {name: earned[str(path)] for name, path in paths.items()}


def our_scores(paths: dict[str, Path], out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "--out", str(out), "--seed", str(SEED), "--jobs", "2", "--",
         *map(str, paths.values())],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"our grader failed on the zoo's notebooks:\n{done.stderr[-3000:]}")
    found = {}
    for row in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")):
        step = row["submission"].rsplit("-step", 1)[1]
        found[row["name"]] = float(row[f"step{step}"])
    return found


def compare(folder: Path) -> tuple[list[str], int, list[str]]:
    """(disagreements, notebooks compared, zoo entries that do not fit their notebook)."""
    from grader import notebooks

    manifest = load()
    course = folder / "course"
    notebooks.build(course, SEED, manifest)
    paths, unfit = {}, []
    for entry in bugs():
        book = notebook_of(course, entry, manifest)
        if book is None:
            unfit.append(entry.id)
            continue
        path = folder / "submitted" / entry.id / f"step{entry.step}" / f"step{entry.step}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(book))
        paths[entry.id] = path
    theirs, ours = nbgrader_scores(paths), our_scores(paths, folder / "ours")
    problems = [
        f"{name}: nbgrader {theirs[name]:.4f}, our grader {ours[name]:.2f}"
        for name in paths
        if abs(theirs[name] - ours[name]) > 0.006  # ours is printed to 2 decimals
    ]
    return problems, len(paths), unfit


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kata-agreement-") as scratch:
        problems, count, unfit = compare(Path(scratch))
    print(f"nbgrader and our grader on the zoo's notebooks: {count - len(problems)}/{count} agree")
    if unfit:
        print(f"  zoo entries whose edit does not fit the notebook's cell: {', '.join(unfit)}")
    for line in problems:
        print(f"  DIFFERENT {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
