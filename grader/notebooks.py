"""The nbgrader course, built from the same single source as the .py kata.

    python -m grader notebooks [--course nbgrader] --seed S    (make notebooks)

writes nbgrader/source/stepN/stepN.ipynb for every step of kata.toml, with nbformat, and next to each
the kata package the notebook's checks run on (no solution code in it). A notebook holds:
  - the lesson: the idea and the maths of the step (and a picture where one helps);
  - a locked setup cell registering %%micrograd, which runs a cell as a micrograd module;
  - the modules of earlier steps as locked, read-only cells (the reference's code);
  - the step's module as a `solution` cell: earlier steps' code, this step's `### BEGIN SOLUTION`
    regions (nbgrader clears them in the release) and later steps' stubs;
  - one locked, autograded test cell per case of the step's checks, worth that case's share of the
    step's points exactly as our grader weighs it (so nbgrader, which scores a cell all or nothing, gives
    the same partial credit; the points add up to the step's exactly): the public case (the numbers of
    the public suites, with the reference's expected result) and, inside `### BEGIN HIDDEN TESTS`, the
    instructor's seed's case drawn for the same position.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from grader.grading import shares
from grader.outputs import apportion
from kata.catalogue import PUBLIC_SEED, Case
from kata.dev import exercises as generator
from kata.harness.observe import Implementation
from kata.harness.probes import PROBES
from kata.lessons import lesson as lesson_text
from kata.manifest import Manifest, Step, load
from kata.oracle.draw import cases
from kata.oracle.expect import expectation
from kata.oracle.reference import reference as load_reference
from kata.paths import MANIFEST, PACKAGE, ROOT, SOLUTIONS, TRUSTED_ONLY

COURSE = ROOT / "nbgrader"
REFERENCE = "micrograd_notebook_reference"
Cell = Any  # nbformat's NotebookNode (a cell, or a whole notebook): nbformat ships no type information


PICTURES = {2: "graph.png", 4: "graph.png", 6: "moons_boundary.png"}


def _cell_id(step: int, name: str) -> str:
    return f"step{step}-{name}".replace(".", "-").replace("_", "-")


def _nb(kind: str, source: str, step: int, name: str, **flags: object) -> Cell:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
    cell.id = _cell_id(step, name)
    if flags:
        cell.metadata["nbgrader"] = {
            "schema_version": 3,
            "grade_id": _cell_id(step, name),
            "grade": False,
            "solution": False,
            "locked": False,
            "task": False,
            **flags,
        }
    return cell


def _module_cells(step: Step, manifest: Manifest) -> list[Cell]:
    """The micrograd modules the step's checks run, as cells: locked when earlier steps wrote them."""
    files = {s.number: s.file for s in manifest.steps}
    needed = sorted(
        {files[d] for d in step.depends} | {step.file} | ({"data.py"} if step.number == 6 else set()),
        key=lambda f: min([s.number for s in manifest.steps if s.file == f] or [0]),
    )
    cells = []
    for file in needed:
        source = (SOLUTIONS / PACKAGE / file).read_text(encoding="utf-8")
        regions = generator.find_regions(file, source, manifest)
        module = file.removesuffix(".py")
        code = f"%%micrograd {module}\n" + generator.render_step(source, regions, step.number)
        if file == step.file:
            tasks = "\n".join(f"* `{f.name}`: {f.task}" for f in step.functions)
            cells.append(
                _nb(
                    "markdown",
                    f"## Your code: `micrograd/{file}`\n\nWrite, where this cell says so:\n\n"
                    f"{tasks}\n\nRun the cell after every change, then the checks below.",
                    step.number,
                    f"task-{module}",
                    locked=True,
                )
            )
            cells.append(_nb("code", code, step.number, f"solution-{module}", solution=True))
        else:
            cells.append(
                _nb(
                    "markdown",
                    f"`micrograd/{file}`, from the earlier steps (run it; nothing to change):",
                    step.number,
                    f"given-{module}-note",
                    locked=True,
                )
            )
            cells.append(_nb("code", code, step.number, f"given-{module}", locked=True))
    return cells


def case_points(step: Step, drawn: list[Case]) -> list[float]:
    """Each case's points in nbgrader: its share of the step, weighted by its check's weight exactly as our
    grader weighs it (grader.grading.shares), rounded to 4 decimals so that they add up to the step's
    points exactly (largest remainders: 20/21 a case is 0.9524 or 0.9523, never 20.0002 in all)."""
    return apportion(shares(step, drawn, ["passed"] * len(drawn)))


def _test_cells(step: Step, seed: int, reference: Implementation) -> list[Cell]:
    """One locked, graded test cell per case, worth that case's share of the step (case_points): nbgrader
    scores a cell all or nothing, so a cell per case gives the partial credit our grader gives, case by
    case. Cell i runs the public case i (students see it) and, hidden, the seed's case i: the two are
    drawn for the same position of the same check, so a classic bug fails both or neither."""
    public, hidden = cases(step.number, PUBLIC_SEED), cases(step.number, seed)
    if [c.check.key for c in public] != [c.check.key for c in hidden]:
        raise RuntimeError(f"step {step.number}: the public and the hidden cases do not line up by check")
    points = case_points(step, hidden)
    cells = [
        _nb(
            "markdown",
            "## The checks\n\nEach cell below is one case of one check of the kata's catalogue (the same as "
            f"`make test-step{step.number}`), worth the points it shows in nbgrader. Run them in order; a failing "
            "one says what it expected, what your code gave, and the classic bug it looks like.",
            step.number,
            "checks-note",
            locked=True,
        )
    ]

    def payload(case: Case) -> str:
        entry = {
            "args": case.args,
            "label": case.label,
            "expectation": expectation(case, PROBES[case.key](reference, case.args)),
        }
        return json.dumps([entry], separators=(",", ":"))

    counts: dict[str, int] = {}
    for shown, secret, worth in zip(public, hidden, points):
        key = secret.check.key
        counts[key] = counts.get(key, 0) + 1
        code = (
            f"check({key!r}, json.loads({payload(shown)!r}))\n"
            "### BEGIN HIDDEN TESTS\n"
            f"check({key!r}, json.loads({payload(secret)!r}))\n"
            "### END HIDDEN TESTS\n"
        )
        name = f"check-{key.split('.', 1)[1]}-{counts[key]}"
        cells.append(_nb("code", code, step.number, name, grade=True, locked=True, points=worth))
    return cells


def notebook(step: Step, manifest: Manifest, seed: int, reference: Implementation) -> Cell:
    import nbformat

    title = f"# Step {step.number}: {step.title}" + (" (bonus)" if step.bonus else "")
    lesson = _nb(
        "markdown", f"{title}\n\n*{step.teaches}.*\n\n{lesson_text(step.number)}", step.number, "lesson", locked=True
    )
    picture = PICTURES.get(step.number)
    if picture:
        data = base64.b64encode((ROOT / "docs" / "images" / picture).read_bytes()).decode()
        lesson.attachments = {picture: {"image/png": data}}
        lesson.source += f"\n![{picture}](attachment:{picture})\n"
    setup = _nb(
        "code",
        "import json\n\nfrom kata.notebook import check, setup\n\nsetup()  # %%micrograd NAME runs a "
        "cell as the module micrograd.NAME",
        step.number,
        "setup",
        locked=True,
    )
    cells = [lesson, setup, *_module_cells(step, manifest), *_test_cells(step, seed, reference)]
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    book.metadata["language_info"] = {"name": "python"}
    book.metadata["kata"] = {"step": step.number}
    return book


def _kata_files_only(folder: str, names: list[str]) -> set[str]:
    """What the notebooks' copy of kata/ leaves out: caches, and the trusted-only subpackages."""
    top = Path(folder) == ROOT / "kata"
    return {n for n in names if n == "__pycache__" or n.endswith(".pyc") or (top and n in TRUSTED_ONLY)}


def build(course: Path, seed: int, manifest: Manifest | None = None) -> list[Path]:
    """Write course/source/stepN/stepN.ipynb, its kata package and kata.toml for every step."""
    import nbformat

    manifest = manifest or load()
    reference = load_reference(REFERENCE)
    written = []
    for step in manifest.steps:
        folder = course / "source" / f"step{step.number}"
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(
            ROOT / "kata",
            folder / "kata",
            ignore=_kata_files_only,
        )
        shutil.copy2(MANIFEST, folder / MANIFEST.name)  # kata.paths reads the package's name from it
        path = folder / f"step{step.number}.ipynb"
        nbformat.write(notebook(step, manifest, seed, reference), path)
        written.append(path)
    return written


if __name__ == "__main__":  # the spelling from before `python -m grader notebooks`
    from grader.cli import moved

    sys.exit(moved("python -m grader.notebooks build", ["notebooks", *sys.argv[2:]]))
