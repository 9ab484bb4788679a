"""python -m grader: one command with subcommands. What an instructor types, and what the grader makes of it:
every command listed by --help; the spelling from before the commands still grading (and saying so); a
typo or a word that is both a command and a file here refused, never guessed; a folder that holds a class
graded entry by entry; the old module entry points forwarding. Grading runs step 1 only: fast on any
machine, and no verdict here depends on speed."""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.cli import COMMANDS, class_entries
from grader.submissions import class_folder
from grader.zoo import reference_copy
from kata.paths import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def grader(*arguments: str, cwd: Path = ROOT, module: str = "grader") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *arguments], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600
    )


def rows(out: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}


def zipped(package: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(package.rglob("*.py")):
            bundle.write(path, str(path.relative_to(package.parent)))
    return archive


@pytest.fixture
def klass(tmp_path: Path) -> Path:
    """A class as an LMS hands it out: a folder per student, an archive, and a stray file."""
    folder = tmp_path / "class"
    reference_copy(folder / "alice", upto=1)
    reference_copy(folder / "bob" / "project", upto=1)
    zipped(reference_copy(tmp_path / "carol", upto=0), folder / "carol.zip")
    (folder / "notes.txt").write_text("not a submission\n")
    (folder / ".DS_Store").write_text("")
    return folder


def test_help_lists_every_command_on_one_line_each() -> None:
    done = grader("--help")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name, (summary, _, _) in COMMANDS.items():
        assert any(line.split() == [name, *summary.split()] for line in lines), (name, done.stdout)
    assert max(map(len, lines)) <= 100
    grade = grader("grade", "--help")
    assert grade.returncode == 0
    for option in ("--out", "--seed", "--jobs", "--timeout", "--resume", "--roster", "--late-penalty", "--steps"):
        assert option in grade.stdout


def test_no_command_and_a_typo_say_what_to_type(tmp_path: Path) -> None:
    bare = grader(cwd=tmp_path)
    assert bare.returncode == 2 and "which command? grade, similarity" in bare.stderr
    typo = grader("grdae", "submissions", cwd=tmp_path)
    assert typo.returncode == 2
    assert "grdae is neither a command nor a file or folder here. Did you mean python -m grader grade?" in typo.stderr
    assert os.listdir(tmp_path) == []  # nothing graded, nothing written


def test_the_old_spelling_still_grades_and_says_the_new_one(klass: Path, tmp_path: Path) -> None:
    done = grader("--out", str(tmp_path / "out"), "--steps", "1", "--", str(klass / "alice"))
    assert done.returncode == 0, done.stderr
    assert "note: `python -m grader [OPTIONS] SUBMISSION ...` is now `python -m grader grade" in done.stderr
    assert rows(tmp_path / "out")["alice"]["status"] == "ok"
    assert grader(str(klass / "alice"), "--out", str(tmp_path / "out2"), "--steps", "1").returncode == 0


def test_a_command_that_is_also_a_file_here_is_refused_and_the_file_is_reachable(klass: Path, tmp_path: Path) -> None:
    """`python -m grader *` where a student's folder is named like a command must not silently run the
    command on the other students; `grade -- NAME` grades it."""
    shutil.copytree(klass / "alice", klass / "similarity")
    refused = grader("similarity", "alice", cwd=klass)
    assert refused.returncode == 2
    assert "similarity is a command and also names a file or folder here, so nothing was done" in refused.stderr
    assert "python -m grader grade [OPTIONS] -- similarity" in refused.stderr
    done = grader("grade", "--out", str(tmp_path / "out"), "--steps", "1", "--", "similarity", cwd=klass)
    assert done.returncode == 0, done.stderr
    assert rows(tmp_path / "out")["similarity"]["status"] == "ok"
    ranked = grader("similarity", "--out", str(tmp_path / "out"), "--", ".", cwd=klass)
    assert ranked.returncode == 0, ranked.stderr
    assert (tmp_path / "out" / "similarity.csv").is_file()


def test_a_class_folder_is_graded_entry_by_entry_and_says_so(klass: Path, tmp_path: Path) -> None:
    done = grader("grade", str(klass), "--out", str(tmp_path / "out"), "--steps", "1")
    assert done.returncode == 0, done.stderr
    graded = rows(tmp_path / "out")
    assert set(graded) == {"alice", "bob", "carol"}
    assert graded["alice"]["score"] == graded["bob"]["score"] == "10" and graded["carol"]["score"] == "0"
    assert f"{klass} holds a class, not one submission (3 of its entries hold a package" in done.stderr
    assert f"`python -m grader grade {klass}/*` would. Skipped: notes.txt (not a folder or an archive)" in done.stderr


def test_what_is_one_submission_stays_one(klass: Path, tmp_path: Path) -> None:
    """A student's folder, a clone of the kata, a flat upload: one submission each, as before; a class folder
    among other paths is a student's folder holding two copies (its feedback names both)."""
    student = tmp_path / "dora"
    reference_copy(student / "v1", upto=1)
    reference_copy(student / "v2", upto=1)
    clone = tmp_path / "clone"
    reference_copy(clone / "exercises", upto=1)
    reference_copy(clone / "solutions", upto=1)
    flat = tmp_path / "flat"
    shutil.copytree(reference_copy(tmp_path / "x", upto=1), flat)
    (flat / "v2").mkdir()
    shutil.copy(flat / "engine.py", flat / "v2" / "engine.py")
    single = tmp_path / "single"
    reference_copy(single / "project", upto=1)
    (single / "other").mkdir()
    assert class_folder(clone) is None and class_folder(flat) is None and class_folder(single) is None
    assert class_folder(klass / "alice") is None and class_folder(klass / "carol.zip") is None
    assert class_folder(student) == ([student / "v1", student / "v2"], [])
    assert class_entries([student, klass / "alice"]) == [student, klass / "alice"]
    assert class_entries([klass]) == [klass / "alice", klass / "bob", klass / "carol.zip"]
    done = grader("grade", "--out", str(tmp_path / "out"), "--steps", "1", "--", str(flat), str(clone))
    assert done.returncode == 0, done.stderr
    assert {n: r["score"] for n, r in rows(tmp_path / "out").items()} == {"flat": "10", "clone": "10"}


def test_grade_batch_is_the_api_the_command_uses(klass: Path, tmp_path: Path) -> None:
    script = (
        "import sys\nfrom pathlib import Path\nfrom grader.batch import grade_batch\n"
        "r = grade_batch([Path(sys.argv[1])], out=Path(sys.argv[2]), seed=5, steps=[1], sandbox='off')\n"
        "print(r.names, [float(x.score) for x in r.graded], r.pending, r.steps, r.seed)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(klass / "alice"), str(tmp_path / "out")],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "['alice'] [10.0] [] [1] 5"
    assert rows(tmp_path / "out")["alice"]["seed"] == "5"


def test_the_old_module_entry_points_say_the_new_command_and_run_it(tmp_path: Path) -> None:
    built = grader("gradescope", "--seed", "424242", "--out", str(tmp_path / "gs"), module="grader.packaging")
    assert built.returncode == 0, built.stderr
    assert "is now `python -m grader gradescope`" in built.stderr and (tmp_path / "gs" / "autograder.zip").is_file()
    refused = grader("build", "--course", str(tmp_path / "course"), module="grader.notebooks")
    assert refused.returncode == 2 and "is now `python -m grader notebooks`" in refused.stderr
    assert "needs a seed of your own" in refused.stderr and not (tmp_path / "course").exists()
