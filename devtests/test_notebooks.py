"""The nbgrader course's notebooks: built from the single source, graded by our grader too."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtests.nbgrader_roundtrip import SEED, release_problems
from grader import notebooks
from grader.submissions import Rejected, package_from_notebook
from kata.manifest import Step, load
from kata.paths import ROOT

MANIFEST = load()


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = tmp_path_factory.mktemp("course")
    notebooks.build(course, SEED, MANIFEST)
    return course


def _book(course: Path, n: int) -> dict[str, Any]:
    book: dict[str, Any] = json.loads((course / "source" / f"step{n}" / f"step{n}.ipynb").read_text())
    return book


@pytest.mark.parametrize("step", MANIFEST.steps, ids=lambda s: f"step{s.number}")
def test_every_notebook_teaches_then_asks_then_checks(course: Path, step: Step) -> None:
    book = _book(course, step.number)
    assert book["metadata"]["kata"] == {"step": step.number}
    cells = book["cells"]
    assert cells[0]["cell_type"] == "markdown" and f"# Step {step.number}: {step.title}" in "".join(cells[0]["source"])
    flags = [c["metadata"].get("nbgrader", {}) for c in cells]
    solutions = [c for c, f in zip(cells, flags) if f.get("solution")]
    assert len(solutions) == 1 and "".join(solutions[0]["source"]).startswith(f"%%micrograd {step.file[:-3]}\n")
    assert "### BEGIN SOLUTION" in "".join(solutions[0]["source"])
    tests = [(c, f) for c, f in zip(cells, flags) if f.get("grade")]
    assert tests and all(f["locked"] and "### BEGIN HIDDEN TESTS" in "".join(c["source"]) for c, f in tests)
    assert abs(sum(f["points"] for _, f in tests) - step.points) < 1e-9  # exact: never 9.9999 or 20.0002
    assert len(tests) == len(__import__("kata.oracle.draw", fromlist=["cases"]).cases(step.number, SEED))
    given = [c for c, f in zip(cells, flags) if f.get("locked") and "".join(c["source"]).startswith("%%micrograd")]
    assert all("BEGIN SOLUTION" not in "".join(c["source"]) for c in given)


def test_the_release_check_sees_solutions_markers_and_hidden_tests(course: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    shutil.copytree(course / "source", fake / "release")  # an unprocessed notebook posing as a release
    found = "\n".join(release_problems(fake, MANIFEST))
    assert "solution code in the release" in found and "still says BEGIN HIDDEN TESTS" in found
    assert "the inputs of a hidden case are in the release" in found


def test_our_grader_grades_a_notebook_on_its_step_only(course: Path, tmp_path: Path) -> None:
    blank = json.loads(json.dumps(_book(course, 3)))
    for cell in blank["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            text = "".join(cell["source"])
            cell["source"] = text.replace("self.grad += out.grad\n", "self.grad += 0.0\n")
    (tmp_path / "step3" / "wrong").mkdir(parents=True)  # the step comes from the folder, as in nbgrader's layout
    (tmp_path / "step3" / "wrong" / "step3.ipynb").write_text(json.dumps(blank))
    source, wrong = course / "source" / "step3", tmp_path / "step3" / "wrong"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(source), str(wrong), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8"))}
    steps = [rows["source-step3"][f"step{s.number}"] for s in MANIFEST.steps]
    assert (rows["source-step3"]["status"], rows["source-step3"]["score"], rows["source-step3"]["max_score"]) == (
        "ok",
        "20",
        "20",
    )
    assert steps == ["20" if s.number == 3 else "0" for s in MANIFEST.steps]
    assert rows["wrong"]["status"] == "ok" and float(rows["wrong"]["score"]) < 20 and rows["wrong"]["max_score"] == "20"


def test_a_notebook_without_micrograd_cells_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.ipynb").write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": "print(1)"}], "metadata": {}})
    )
    with pytest.raises(Rejected, match="no %%micrograd cell"):
        package_from_notebook(tmp_path / "x.ipynb", tmp_path / "pkg", [])
