"""Submissions as instructors hand them in: folders, archives (some hostile), odd names."""

import bz2
import io
import json
import os
import shutil
import stat
import tarfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from grader.batch import OUTPUT_FILES
from grader.outputs import csv_cell, gradebook
from grader.submissions import (
    MAX_BYTES,
    MAX_DEPTH,
    Rejected,
    _tag,
    display_name,
    layout_step,
    prepare,
    read_regular,
    safe_names,
)
from grader.zoo import reference_copy


def _zip(path: Path, entries: dict[str, str | bytes], links: Sequence[tuple[str, str]] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_folder_with_the_package_at_any_depth(tmp_path: Path) -> None:
    reference_copy(tmp_path / "alice" / "deep" / "er", upto=99)
    submission = prepare(tmp_path / "alice", "alice", tmp_path / "scratch")
    assert submission.problem == "" and submission.found == tmp_path / "alice" / "deep" / "er" / "micrograd"
    assert submission.package is not None and submission.found is not None
    assert (submission.package / "engine.py").read_bytes() == (submission.found / "engine.py").read_bytes()


def test_a_full_clone_is_graded_from_exercises_not_solutions(tmp_path: Path) -> None:
    reference_copy(tmp_path / "clone" / "solutions", upto=99)
    reference_copy(tmp_path / "clone" / "exercises", upto=2)
    submission = prepare(tmp_path / "clone", "clone", tmp_path / "scratch")
    assert submission.found == tmp_path / "clone" / "exercises" / "micrograd"
    assert "graded exercises/micrograd" in submission.notes[0]


def test_loose_module_files_are_assembled_into_a_package_and_noted(tmp_path: Path) -> None:
    package = reference_copy(tmp_path / "ref", upto=99)
    upload = tmp_path / "upload"  # what a student drags into Gradescope: the files, not their folder
    upload.mkdir()
    for name in ("numeric.py", "engine.py", "nn.py", "train.py", "data.py"):
        shutil.copy(package / name, upload / name)
    (upload / "README.md").write_text("my work\n")
    submission = prepare(upload, "upload", tmp_path / "s")
    assert submission.problem == "" and submission.package is not None
    assert sorted(p.name for p in submission.package.iterdir()) == [
        "__init__.py",
        "data.py",
        "engine.py",
        "nn.py",
        "numeric.py",
        "train.py",
    ]
    assert any("assembled the package from the loose files data.py, engine.py" in n for n in submission.notes)
    archive = _zip(tmp_path / "flat.zip", {"work/engine.py": (package / "engine.py").read_text(), "notes.txt": "x"})
    zipped = prepare(archive, "flat", tmp_path / "s")
    assert zipped.problem == "" and any("in work" in n for n in zipped.notes)


def test_two_packages_are_graded_on_one_with_a_warning_naming_both(tmp_path: Path) -> None:
    reference_copy(tmp_path / "both" / "old", upto=2)
    reference_copy(tmp_path / "both" / "new" / "v2", upto=99)
    submission = prepare(tmp_path / "both", "both", tmp_path / "s")
    assert submission.found == tmp_path / "both" / "old" / "micrograd"
    assert any(
        n.startswith("warning: 2 micrograd packages") and "old/micrograd" in n and "new/v2/micrograd" in n
        for n in submission.notes
    )


def test_no_package_says_what_was_found_and_what_to_upload(tmp_path: Path) -> None:
    (tmp_path / "lost").mkdir()
    (tmp_path / "lost" / "main.py").write_text("print(1)\n")
    (tmp_path / "lost" / "report.pdf").write_bytes(b"%PDF")
    problem = prepare(tmp_path / "lost", "lost", tmp_path / "s").problem
    assert problem.startswith("no micrograd package: found main.py, report.pdf but no micrograd/ folder")
    assert "upload the micrograd/ folder (holding numeric.py, engine.py, nn.py, train.py" in problem
    (tmp_path / "empty").mkdir()
    assert "the submission is empty" in prepare(tmp_path / "empty", "empty", tmp_path / "s").problem


def test_no_package_is_a_clear_status(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert prepare(tmp_path / "empty", "empty", tmp_path / "s").problem.startswith("no micrograd package: ")
    assert prepare(tmp_path / "nothere", "x", tmp_path / "s").problem == "not found"


def test_archive_entries_that_escape_are_skipped_and_noted(tmp_path: Path) -> None:
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


def test_a_zip_bomb_is_rejected(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {f"micrograd/f{i}.py": b"\0" * (MAX_BYTES // 8) for i in range(9)})
    assert archive.stat().st_size < MAX_BYTES // 20
    assert "zip bomb" in prepare(archive, "bomb", tmp_path / "s").problem


def test_a_tar_with_links_and_dot_dot_is_unpacked_safely(tmp_path: Path) -> None:
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


def test_an_unreadable_archive_is_a_status_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert prepare(tmp_path / "broken.zip", "broken", tmp_path / "s").problem.startswith("archive rejected")


def test_names_are_safe_distinct_and_stable(tmp_path: Path) -> None:
    sources = [
        tmp_path / "=HYPERLINK(x)",
        tmp_path / "a\nb.zip",
        tmp_path / "alice",
        tmp_path / "alice.zip",
        tmp_path / "..",
        tmp_path / "Alice.tar.gz",
    ]
    names = safe_names(sources)
    tag = {s.name: _tag(s) for s in sources}
    assert names == [
        "_HYPERLINK_x_",
        "a_b",
        f"alice-{tag['alice']}",  # alice, alice.zip and Alice.tar.gz: three students, three rows, never by order
        f"alice-{tag['alice.zip']}",
        "submission",
        f"Alice-{tag['Alice.tar.gz']}",
    ]
    assert safe_names(list(reversed(sources))) == list(reversed(names))  # the order of the batch changes nothing


def test_names_that_sanitise_alike_never_share_a_row_and_unicode_is_kept_for_display(tmp_path: Path) -> None:
    sources = [tmp_path / "a b", tmp_path / "a_b", tmp_path / "José", tmp_path / "Zoë.zip", tmp_path / "李雷"]
    names = safe_names(sources)
    assert names[:2] == [f"a_b-{_tag(sources[0])}", f"a_b-{_tag(sources[1])}"]
    assert names[2:4] == ["Jose", "Zoe"]
    assert names[4].startswith("submission") and all(n.isascii() for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert [display_name(s) for s in sources] == ["a b", "a_b", "José", "Zoë", "李雷"]
    assert safe_names([tmp_path / "José", tmp_path / "Jose"]) == [
        f"Jose-{_tag(tmp_path / 'José')}",
        f"Jose-{_tag(tmp_path / 'Jose')}",
    ]


def test_a_regraded_submission_keeps_its_name_and_a_new_one_never_takes_an_old_one_s(tmp_path: Path) -> None:
    known = {os.path.abspath(tmp_path / "class" / "a b"): "a_b-1234abcd", "/elsewhere/bob": "bob"}
    assert safe_names([tmp_path / "class" / "a b"], known=known) == ["a_b-1234abcd"]
    assert safe_names([tmp_path / "late" / "bob"], known=known) == [f"bob-{_tag(tmp_path / 'late' / 'bob')}"]


def test_nbgrader_s_layout_names_the_student_not_the_step(tmp_path: Path) -> None:
    sources = [tmp_path / "submitted" / s / "step3" for s in ("alice", "bob", "Zoë")]
    sources.append(tmp_path / "submitted" / "carol" / "step3" / "step3.ipynb")
    assert safe_names(sources) == ["alice-step3", "bob-step3", "Zoe-step3", "carol-step3"]
    assert [display_name(s) for s in sources] == ["alice", "bob", "Zoë", "carol"]


def test_csv_cells_are_never_formulas_or_multiline() -> None:
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("+1") == "'+1" and csv_cell("@x") == "'@x"
    assert csv_cell("a\nb\rc") == "a b c"
    manifest = __import__("kata.manifest", fromlist=["load"]).load()
    steps = ",".join(f"step{s.number}" for s in manifest.steps)
    assert gradebook([], manifest) == (
        f"submission,name,source,status,score,max_score,{steps},submitted_at,seed,graded_at,grader_version\n"
    )


def test_apportioned_scores_add_up_to_the_total() -> None:
    from fractions import Fraction

    from grader.outputs import apportion

    parts = [Fraction(20, 31)] * 31
    rounded = apportion(parts)
    assert round(sum(rounded), 4) == 20 and max(rounded) - min(rounded) <= 0.0001


def test_no_submission_is_named_like_the_grader_s_own_files(tmp_path: Path) -> None:
    sources = [tmp_path / "gradebook.csv", tmp_path / "report.html.zip", tmp_path / "Gradebook.CSV", tmp_path / "x"]
    names = safe_names(sources, OUTPUT_FILES)
    assert names == [f"{n}-{_tag(s)}" for n, s in zip(["gradebook.csv", "report.html", "Gradebook.CSV"], sources)] + [
        "x"
    ]
    assert not {n.lower() for n in names} & OUTPUT_FILES


def _tar(path: Path, entries: dict[str, bytes], compress: str = "gz") -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    if compress == "gz":
        import gzip

        raw = gzip.compress(raw)
    elif compress == "bz2":
        raw = bz2.compress(raw)
    path.write_bytes(raw)
    return path


def test_an_archive_is_what_its_bytes_say_not_its_name(tmp_path: Path) -> None:
    package = {"micrograd/__init__.py": b"", "micrograd/engine.py": b"x = 1\n"}
    started = time.monotonic()
    bz = prepare(_tar(tmp_path / "sly.tar.gz", package, "bz2"), "sly", tmp_path / "s")
    assert "a bzip2 archive" in bz.problem and time.monotonic() - started < 5
    renamed = prepare(_tar(tmp_path / "renamed.zip", package, "gz"), "renamed", tmp_path / "s")
    assert renamed.problem == "" and renamed.package is not None
    assert (renamed.package / "engine.py").read_text() == "x = 1\n"
    (tmp_path / "text.zip").write_text("not an archive at all")
    assert "not an archive" in prepare(tmp_path / "text.zip", "text", tmp_path / "s").problem


def test_bytes_of_skipped_entries_count_too(tmp_path: Path) -> None:
    """A gzip bomb hidden in entries that are skipped (unsafe names) still costs its bytes: rejected."""
    entries = {"micrograd/__init__.py": b"", **{f"../skipped{i}": b"\0" * (MAX_BYTES // 4) for i in range(5)}}
    archive = _tar(tmp_path / "bomb.tar.gz", entries)
    assert archive.stat().st_size < MAX_BYTES // 50
    assert "once unpacked" in prepare(archive, "bomb", tmp_path / "s").problem


def test_a_deeply_nested_entry_is_skipped_and_noted(tmp_path: Path) -> None:
    deep = "d/" * 1500 + "f.py"
    archive = _zip(tmp_path / "deep.zip", {"micrograd/__init__.py": "", "micrograd/engine.py": "x = 1\n", deep: "y"})
    submission = prepare(archive, "deep", tmp_path / "s")
    assert submission.problem == "" and submission.package is not None
    assert any("nested too deep" in note and len(note) < 300 for note in submission.notes)
    folder = tmp_path / "deepfolder"
    nested = folder.joinpath(*["d"] * (MAX_DEPTH + 5))
    nested.mkdir(parents=True)
    reference_copy(folder, upto=1)
    assert prepare(folder, "deepfolder", tmp_path / "s2").problem == ""


NOTEBOOK = {
    "cells": [{"cell_type": "code", "source": "%%micrograd numeric\ndef f():\n    return 1\n", "metadata": {}}],
    "metadata": {"kata": {"step": 1}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _notebook(path: Path, step: int = 1, meta: bool = True) -> Path:
    book = json.loads(json.dumps(NOTEBOOK))
    if meta:
        book["metadata"]["kata"]["step"] = step
    else:
        del book["metadata"]["kata"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(book))
    return path


def test_a_notebook_is_graded_on_the_step_of_its_folder_not_of_its_metadata(tmp_path: Path) -> None:
    honest = _notebook(tmp_path / "submitted" / "alice" / "step3" / "step3.ipynb", step=3)
    edited = _notebook(tmp_path / "submitted" / "bob" / "step3" / "step3.ipynb", meta=False)
    lying = _notebook(tmp_path / "submitted" / "carol" / "step3" / "step3.ipynb", step=5)
    for source in (honest.parent, edited.parent, lying.parent, lying):
        submission = prepare(source, source.parent.name, tmp_path / "s" / source.name)
        assert submission.problem == "" and submission.steps == [3], submission
    assert any("metadata says step 5" in n for n in prepare(lying.parent, "c", tmp_path / "s2").notes)
    loose = _notebook(tmp_path / "loose" / "dave" / "step3.ipynb", step=3)
    assert "which step" in prepare(loose.parent, "dave", tmp_path / "s3").problem
    assert prepare(loose.parent, "dave", tmp_path / "s4", notebook_step=4).steps == [4]
    assert layout_step(tmp_path / "course" / "Step7" / "x") == 7 and layout_step(tmp_path / "steps" / "x.ipynb") is None


@pytest.mark.parametrize("target", ["classmate", "/dev/zero", "/dev/stdin", "fifo"])
def test_a_notebook_that_is_not_a_regular_file_is_never_opened(tmp_path: Path, target: str) -> None:
    classmate = _notebook(tmp_path / "submitted" / "alice" / "step1" / "step1.ipynb")
    folder = tmp_path / "submitted" / "mallory" / "step1"
    folder.mkdir(parents=True)
    if target == "fifo":
        os.mkfifo(folder / "step1.ipynb")  # opening it for reading would wait for a writer forever
    else:
        os.symlink(classmate if target == "classmate" else target, folder / "step1.ipynb")
    started = time.monotonic()
    submission = prepare(folder, "mallory", tmp_path / "s")
    assert submission.package is None and submission.problem.startswith("no micrograd package: ")
    assert time.monotonic() - started < 5
    if target != "fifo":
        assert any("links are not followed" in note for note in submission.notes)
    direct = prepare(folder / "step1.ipynb", "mallory", tmp_path / "s2")
    assert direct.package is None and direct.problem in (
        "a symbolic link: links are not followed (give the grader the real path)",
        "not a regular file or a folder",
    )


def test_read_regular_caps_what_it_reads(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(Rejected, match="larger than"):
        read_regular(tmp_path / "big", limit=100)
    os.symlink(tmp_path / "big", tmp_path / "link")
    with pytest.raises(Rejected, match="a link"):
        read_regular(tmp_path / "link")
