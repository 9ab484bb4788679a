"""make student-release: what students get holds no solution, and everything in it works without one."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.zoo import bug, with_bugs
from kata.dev import release
from kata.dev.exercises import build
from kata.manifest import load
from kata.paths import PACKAGE, ROOT, SOLUTIONS

MANIFEST = load()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release.build(tmp_path_factory.mktemp("release") / "student-release", MANIFEST)


def test_it_holds_no_solution_and_no_instructor_extras(built: Path) -> None:
    assert release.leaks(built, MANIFEST) == []
    absent = ("solutions", "grader", "devtests", "tools", ".ci", "docs/instructors.md", "docs/maintainers.md")
    for name in (*absent, *release.MAINTAINERS_ONLY):
        assert not (built / name).exists(), name


def test_it_ships_the_readme_unchanged_and_the_readme_needs_nothing_it_leaves_out(built: Path) -> None:
    shipped = (built / "README.md").read_bytes()
    assert shipped == (ROOT / "README.md").read_bytes()
    readme = shipped.decode()
    assert "make test-step1" in readme
    # nothing that needs the reference, the grader or the staff's guides as a thing to run or open
    for pointer in ("solutions/", "IMPL=solutions", "--impl solutions", "python -m grader", "grader/", "make grade"):
        assert pointer not in readme, pointer
    for link in re.findall(r"\]\(([^)#\s]+)[^)]*\)", readme):
        if not link.startswith(("http://", "https://")):
            assert (built / link).exists(), f"README.md links to {link}, which the release does not hold"


def test_it_ships_exactly_the_pictures_the_readme_shows(built: Path) -> None:
    shown = set(release.readme_pictures((ROOT / "README.md").read_text()))
    shipped = {str(p.relative_to(built)) for p in (built / "docs").rglob("*") if p.is_file()}
    assert shown and shipped == shown
    assert "docs/images/class_report.png" not in shipped  # the instructors' picture of a class


def test_the_leak_check_would_see_a_solution(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    shutil.copy(SOLUTIONS / PACKAGE / "engine.py", copy / "exercises" / PACKAGE / "engine.py")
    found = release.leaks(copy, MANIFEST)
    assert any("self.grad += other.data * out.grad" in problem for problem in found)
    assert any("marker" in problem for problem in found)


def test_its_own_self_test_and_make_check_pass_inside_it(built: Path) -> None:
    assert release.self_test(built).returncode == 0
    done = subprocess.run(["make", "check"], cwd=built, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self test: the stubs import and every step reports todo" in done.stdout


def test_the_recorded_expectations_judge_like_the_reference(built: Path, tmp_path: Path) -> None:
    solved = subprocess.run(
        [sys.executable, "-m", "kata", "test", "all", "--impl", str(SOLUTIONS)],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert solved.returncode == 0, solved.stdout[-3000:]
    buggy = with_bugs(tmp_path / "buggy", [bug("tanh-grad-from-input")]).parent
    failed = subprocess.run(
        [sys.executable, "-m", "kata", "test", "3", "--impl", str(buggy)],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert failed.returncode == 1
    assert "the derivative of tanh is computed from the input" in failed.stdout


def test_reset_works_from_the_frozen_templates(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    solved = build(SOLUTIONS / PACKAGE, MANIFEST, upto=1)["numeric.py"] + "    # a closing note of mine\n"
    (copy / "exercises" / PACKAGE / "numeric.py").write_text(solved)
    done = subprocess.run([sys.executable, "-m", "kata", "reset", "1"], cwd=copy, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (copy / "exercises" / PACKAGE / "numeric.py").read_text() == (
        built / "exercises" / PACKAGE / "numeric.py"
    ).read_text()
    assert list((copy / ".kata" / "backups").rglob("numeric.py"))


def test_the_classroom_workflow_grades_every_step_with_its_points(built: Path) -> None:
    workflow = (built / ".github" / "workflows" / "classroom.yml").read_text()
    required = [s for s in MANIFEST.steps if not s.bonus]
    for step in required:
        block = workflow[workflow.index(f"id: step{step.number}\n") :]
        assert f"command: python -m kata test {step.number}\n" in block
        assert re.search(rf"max-score: {step.points}\n", block[: block.index("max-score") + 20])
    assert f"runners: {','.join(f'step{s.number}' for s in required)}" in workflow
    assert sum(int(m) for m in re.findall(r"max-score: (\d+)", workflow)) == MANIFEST.total_points


def test_the_zip_holds_the_folder(built: Path) -> None:
    with zipfile.ZipFile(built.with_suffix(".zip")) as bundle:
        names = {name.split("/", 1)[1] for name in bundle.namelist()}
    made_later = (".venv", ".kata", "__pycache__", ".hypothesis")  # by the tests that ran inside the folder
    on_disk = {
        str(p.relative_to(built))
        for p in built.rglob("*")
        if p.is_file() and not set(p.relative_to(built).parts) & set(made_later)
    }
    assert names == on_disk
