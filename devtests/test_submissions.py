"""Submissions as instructors hand them in: folders, archives (some hostile), odd names."""

import io
import stat
import tarfile
import zipfile

from grader.outputs import csv_cell, gradebook
from grader.submissions import MAX_BYTES, prepare, safe_names
from grader.zoo import reference_copy


def _zip(path, entries, links=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_folder_with_the_package_at_any_depth(tmp_path):
    reference_copy(tmp_path / "alice" / "deep" / "er", upto=99)
    submission = prepare(tmp_path / "alice", "alice", tmp_path / "scratch")
    assert submission.problem == "" and submission.package == tmp_path / "alice" / "deep" / "er" / "micrograd"


def test_a_full_clone_is_graded_from_exercises_not_solutions(tmp_path):
    reference_copy(tmp_path / "clone" / "solutions", upto=99)
    reference_copy(tmp_path / "clone" / "exercises", upto=2)
    submission = prepare(tmp_path / "clone", "clone", tmp_path / "scratch")
    assert submission.package == tmp_path / "clone" / "exercises" / "micrograd"
    assert "graded exercises/micrograd" in submission.notes[0]


def test_no_package_is_a_clear_status(tmp_path):
    (tmp_path / "empty").mkdir()
    assert prepare(tmp_path / "empty", "empty", tmp_path / "s").problem == "no micrograd package"
    assert prepare(tmp_path / "nothere", "x", tmp_path / "s").problem == "not found"


def test_archive_entries_that_escape_are_skipped_and_noted(tmp_path):
    archive = _zip(
        tmp_path / "bob.zip",
        {
            "bob/micrograd/__init__.py": "",
            "bob/micrograd/engine.py": "x = 1\n",
            "../../escaped.py": "boom",
            "/etc/absolute.py": "boom",
            "bob\\..\\..\\windows.py": "boom",
        },
        links=[("bob/micrograd/link.py", "/etc/passwd")],
    )
    scratch = tmp_path / "scratch"
    submission = prepare(archive, "bob", scratch)
    assert submission.problem == "" and submission.package is not None
    assert not (tmp_path / "escaped.py").exists() and not list(tmp_path.rglob("absolute.py"))
    assert not list(tmp_path.rglob("windows.py")) and not (submission.package / "link.py").exists()
    assert sum("skipped" in note for note in submission.notes) == 4


def test_a_zip_bomb_is_rejected(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {f"micrograd/f{i}.py": b"\0" * (MAX_BYTES // 8) for i in range(9)})
    assert archive.stat().st_size < MAX_BYTES // 20
    assert "zip bomb" in prepare(archive, "bomb", tmp_path / "s").problem


def test_a_tar_with_links_and_dot_dot_is_unpacked_safely(tmp_path):
    path = tmp_path / "carol.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {"carol/micrograd/__init__.py": b"", "../evil.py": b"boom"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("carol/micrograd/engine.py")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    submission = prepare(path, "carol", tmp_path / "scratch")
    assert submission.package is not None and not (tmp_path / "evil.py").exists()
    assert not (submission.package / "engine.py").exists()


def test_an_unreadable_archive_is_a_status_not_a_crash(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert prepare(tmp_path / "broken.zip", "broken", tmp_path / "s").problem.startswith("archive rejected")


def test_names_are_safe_distinct_and_stable(tmp_path):
    sources = [
        tmp_path / "=HYPERLINK(x)",
        tmp_path / "a\nb.zip",
        tmp_path / "alice",
        tmp_path / "alice.zip",
        tmp_path / "..",
        tmp_path / "Alice.tar.gz",
    ]
    names = safe_names(sources)
    assert names == ["_HYPERLINK_x_", "a_b", "alice", "alice-2", "submission", "Alice-3"]
    assert safe_names(sources) == names


def test_csv_cells_are_never_formulas_or_multiline():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("+1") == "'+1" and csv_cell("@x") == "'@x"
    assert csv_cell("a\nb\rc") == "a b c"
    assert gradebook([], __import__("kata.manifest", fromlist=["load"]).load()).startswith(
        "submission,status,score,max_score,step1,step2,step3,step4,step5,step6,step7,step8"
    )


def test_apportioned_scores_add_up_to_the_total():
    from fractions import Fraction

    from grader.outputs import apportion

    parts = [Fraction(20, 31)] * 31
    rounded = apportion(parts)
    assert round(sum(rounded), 4) == 20 and max(rounded) - min(rounded) <= 0.0001
