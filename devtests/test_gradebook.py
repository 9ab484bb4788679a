"""Every name in, every name out: one row per submission with its id, its name as given and its path;
a regrade of some students merges into the class's gradebook, under one seed and one grader unless told."""

import csv
import shutil
from pathlib import Path

import pytest

from devtests.grading_fixtures import build
from devtests.test_grader import FULL, SEED, grade, points
from grader.submissions import _tag


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fixtures"), "partial")


def rows(out: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}


def copies(folder: Path, source: Path, names: list[str]) -> list[Path]:
    made = []
    for name in names:
        shutil.copytree(source, folder / name)
        made.append(folder / name)
    return made


STEPS = ("--steps", "1", "--no-sandbox")  # what these tests prove is in the names, not in the checks
STEP1 = points(FULL[1])


def test_colliding_and_unicode_names_each_get_a_row_of_their_own(partial: Path, tmp_path: Path) -> None:
    sources = copies(tmp_path / "class", partial, ["a b", "a_b", "José", "Zoë"])
    done = grade(sources, tmp_path / "out", *STEPS)
    assert done.returncode == 0, done.stderr
    found = rows(tmp_path / "out")
    expected = {f"a_b-{_tag(sources[0])}": "a b", f"a_b-{_tag(sources[1])}": "a_b", "Jose": "José", "Zoe": "Zoë"}
    assert {k: r["name"] for k, r in found.items()} == expected
    assert all(r["score"] == STEP1 and r["seed"] == SEED and r["graded_at"] for r in found.values())
    assert {r["source"] for r in found.values()} == {str(s) for s in sources}
    feedback = (tmp_path / "out" / "Jose" / "feedback.md").read_text(encoding="utf-8")
    assert feedback.startswith("# micrograd kata: feedback for José")
    assert "José" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_regrade_of_one_student_merges_into_the_class(partial: Path, tmp_path: Path) -> None:
    sources = copies(tmp_path / "class", partial, ["alice", "bob", "carol"])
    assert grade(sources, tmp_path / "out", *STEPS).returncode == 0
    before = rows(tmp_path / "out")
    late = sources[1] / "micrograd" / "numeric.py"
    late.write_text(late.read_text() + "\n# a late fix\n")
    again = grade([sources[1]], tmp_path / "out", *STEPS)
    assert again.returncode == 0, again.stderr
    assert "1 graded now, 2 kept from earlier batches" in again.stderr
    after = rows(tmp_path / "out")
    assert list(after) == ["alice", "bob", "carol"]
    assert after["alice"] == before["alice"] and after["carol"] == before["carol"]
    assert after["bob"]["graded_at"] >= before["bob"]["graded_at"]
    # a late student in another folder, under the same name: a row of its own, the class's bob untouched
    other = copies(tmp_path / "late", partial, ["bob"])
    elsewhere = grade(other, tmp_path / "out", *STEPS)
    assert elsewhere.returncode == 0 and f"is named like bob, graded before from {sources[1]}" in elsewhere.stderr
    merged = rows(tmp_path / "out")
    assert len(merged) == 4 and merged["bob"] == after["bob"]
    assert merged[f"bob-{_tag(other[0])}"]["source"] == str(other[0])


def test_a_regrade_under_another_seed_is_refused_unless_allowed(partial: Path, tmp_path: Path) -> None:
    sources = copies(tmp_path / "class", partial, ["alice", "bob"])
    assert grade(sources, tmp_path / "out", *STEPS).returncode == 0
    before = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8")
    refused = grade([sources[1]], tmp_path / "out", *STEPS, "--seed", "8")
    assert refused.returncode == 2
    assert f"1 submission(s) graded under seed {SEED} (this batch: 8)" in refused.stderr
    assert "--allow-mixed" in refused.stderr and "Nothing was graded" in refused.stderr
    assert (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8") == before
    allowed = grade([sources[1]], tmp_path / "out", *STEPS, "--seed", "8", "--allow-mixed")
    assert allowed.returncode == 0, allowed.stderr
    assert {k: r["seed"] for k, r in rows(tmp_path / "out").items()} == {"alice": SEED, "bob": "8"}
    regraded = grade(sources, tmp_path / "out", *STEPS, "--seed", "8")  # the whole class: nothing is mixed
    assert regraded.returncode == 0, regraded.stderr
    assert {r["seed"] for r in rows(tmp_path / "out").values()} == {"8"}


def test_notebooks_in_nbgrader_s_layout_are_named_after_their_student(tmp_path: Path) -> None:
    from devtests.test_submissions import _notebook

    for student in ("alice", "bob"):
        _notebook(tmp_path / "submitted" / student / "step1" / "step1.ipynb", step=1)
    sources = sorted((tmp_path / "submitted").glob("*/step1"))
    done = grade(sources, tmp_path / "out", "--no-sandbox")
    assert done.returncode == 0, done.stderr
    assert {k: r["name"] for k, r in rows(tmp_path / "out").items()} == {"alice-step1": "alice", "bob-step1": "bob"}


def test_the_similarity_ranking_names_submissions_as_the_gradebook_does(partial: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from kata.paths import ROOT

    sources = copies(tmp_path / "class", partial, ["a b", "a_b", "José", "report.html"])
    assert grade(sources, tmp_path / "out", *STEPS).returncode == 0
    done = subprocess.run(
        [sys.executable, "-m", "grader", "similarity", str(tmp_path / "class"), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    ranked = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open(encoding="utf-8")))
    named = {r["first"] for r in ranked} | {r["second"] for r in ranked}
    assert named - {"(reference)"} <= set(rows(tmp_path / "out")) and len(named - {"(reference)"}) == 4
