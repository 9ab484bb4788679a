"""From what an instructor points at to a micrograd package on disk.

A submission is a folder, a .zip, or a .tar.gz/.tgz/.tar that holds a `micrograd/` package at any
depth (in a full clone of the kata: exercises/micrograd), or one notebook of the nbgrader course
(a .ipynb, or a folder holding one), whose `%%micrograd` cells are the package.

Everything in a submission is untrusted, so it is read defensively:
- links are never followed (a link given as the submission itself is refused; inside one, links are
  skipped and noted), and only regular files are read, each with a size cap: a notebook linked to a
  classmate's, to /dev/zero or to /dev/stdin is never opened;
- an archive is unpacked by what its bytes say it is, within a budget (grader/archives.py);
- the package that is graded is a snapshot taken once (regular files only, capped), so every step
  grades the same bytes and the fingerprint describes exactly them;
- a notebook's step comes from the instructor's layout (a `stepN` folder in the path given to the
  grader, or --notebook-step), never from the notebook's own metadata, which its author can edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.archives import MAX_ARCHIVE, MAX_BYTES, MAX_DEPTH, MAX_FILE, MAX_FILES, Rejected, Stopped, shown, unpack
from kata.harness.observe import Implementation
from kata.manifest import load
from kata.paths import PACKAGE

__all__ = [  # Rejected, Stopped and the caps are re-exported from grader.archives
    "MAX_BYTES",
    "MAX_DEPTH",
    "Rejected",
    "Stopped",
    "Submission",
    "assemble",
    "choose_package",
    "class_folder",
    "display_name",
    "find_packages",
    "fingerprint",
    "holds_submission",
    "layout_step",
    "no_package",
    "package_from_notebook",
    "prepare",
    "read_regular",
    "safe_names",
    "snapshot",
    "walk",
]

STEP_FILES = list(dict.fromkeys(s.file for s in load().steps))  # numeric.py, engine.py, ... in step order
MODULE_FILES = frozenset({*STEP_FILES, *(f"{m}.py" for m in Implementation.MODULES)})  # the package's modules
MAX_SCANNED = 50_000  # files and folders looked at in a folder submission
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis", ".ipynb_checkpoints"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
NAME_SUFFIXES = (*ARCHIVE_SUFFIXES, ".ipynb")
STEP_FOLDER = re.compile(r"step(\d+)", re.IGNORECASE)


@dataclass
class Submission:
    name: str
    source: Path
    package: Path | None = None  # the snapshot that is graded
    found: Path | None = None  # where the package was found (in the submission, or where it was unpacked)
    steps: list[int] | None = None  # only these steps are graded (a notebook: its step); None: all
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
    problem: str = ""  # "" when a package was found, else the reason for the gradebook
    submitted_at: float | None = None  # its file time (the late policy's default clock), seconds since the epoch


def _bare(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _nbgrader(source: Path) -> tuple[str, str] | None:
    """(STUDENT, "stepN") when the submission is nbgrader's submitted/STUDENT/stepN folder or a notebook in one."""
    path = Path(os.path.abspath(source))
    if path.name.lower().endswith(".ipynb"):
        path = path.parent
    elif not STEP_FOLDER.fullmatch(path.name):
        return None
    if STEP_FOLDER.fullmatch(path.name) and path.parent.name:
        return path.parent.name, path.name
    return None


def display_name(source: Path) -> str:
    """The submission's name as a person reads it (unicode kept): the folder or archive's name, or, for a
    notebook in nbgrader's layout submitted/STUDENT/stepN, the student's."""
    nbgrader = _nbgrader(source)
    return nbgrader[0] if nbgrader else _bare(source.name)


def _slug(source: Path) -> str:
    """A file-system-safe, ASCII folder name for a submission (accents dropped: José -> Jose)."""
    nbgrader = _nbgrader(source)
    text = "-".join(nbgrader) if nbgrader else _bare(source.name)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]", "_", ascii_text).lstrip(".-")[:80] or "submission"


def _tag(source: Path) -> str:
    """Eight hex digits that stand for the submission's absolute path: the same path, the same tag."""
    return hashlib.sha256(os.fsencode(os.path.abspath(source))).hexdigest()[:8]


def safe_names(
    sources: list[Path],
    reserved: set[str] | frozenset[str] = frozenset(),
    known: dict[str, str] | None = None,
) -> list[str]:
    """A distinct, file-system-safe, stable name per submission (its folder in the output, its id in the
    gradebook), whatever the order of the sources:
    - a submission already graded into the output folder (`known`: absolute source path -> name) keeps its
      name, so regrading a student lands on the same row;
    - otherwise its ASCII slug (José -> Jose, "a b" -> a_b), unless that slug is also another submission's
      (in this batch or already in the output folder, whatever the case) or one of `reserved` (the output
      folder's own files): then the slug and a tag of its absolute path (a_b-1f3e9c20). Nothing is ever
      silently numbered by order, so no name depends on which other students are in the batch."""
    known = known or {}
    taken = {name.lower() for name in reserved}
    kept = {os.path.abspath(s): known[os.path.abspath(s)] for s in sources if os.path.abspath(s) in known}
    others = {name.lower() for path, name in known.items() if path not in kept}
    slugs = [_slug(s) for s in sources]
    count: dict[str, int] = {}
    for source, slug in zip(sources, slugs):
        if os.path.abspath(source) not in kept:
            count[slug.lower()] = count.get(slug.lower(), 0) + 1
    names: list[str] = []
    used = taken | {name.lower() for name in kept.values()}
    for source, slug in zip(sources, slugs):
        path = os.path.abspath(source)
        if path in kept:
            names.append(kept[path])
            continue
        clash = count[slug.lower()] > 1 or slug.lower() in taken or slug.lower() in others or slug.lower() in used
        name = f"{slug}-{_tag(source)}" if clash else slug
        base, n = name, 2
        while name.lower() in used:  # the same path given twice, or a tag that collides: never share a row
            name, n = f"{base}-{n}", n + 1
        names.append(name)
        used.add(name.lower())
    return names


# ---- Reading files that may be anything ----------------------------------------------------------------


def read_regular(path: Path, limit: int = MAX_FILE) -> bytes:
    """The bytes of path if it is a regular file (never through a link) of at most `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if os.path.islink(path):
            raise Rejected(f"{path.name} is a link: links are not followed") from None
        raise Rejected(f"cannot read {path.name}: {error.strerror or error}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Rejected(f"{path.name} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Rejected(f"{path.name} is larger than {limit // 2**20} MB")
    return data


def walk(root: Path, notes: list[str] | None = None) -> Iterator[tuple[Path, list[str], list[str]]]:
    """(folder, subfolders, regular files) under root, top down, like os.walk but without recursion,
    never through a link (each skipped link is noted), at most MAX_DEPTH deep and MAX_SCANNED entries.
    The caller may prune the subfolder list in place."""
    stack: list[tuple[Path, int]] = [(root, 0)]
    scanned = 0
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        dirs, files = [], []
        for entry in entries:
            scanned += 1
            if scanned > MAX_SCANNED:
                if notes is not None:
                    notes.append(f"stopped looking after {MAX_SCANNED} files and folders")
                return
            try:
                if entry.is_symlink():
                    if notes is not None:
                        where = os.path.relpath(entry.path, root)
                        notes.append(f"skipped a link (links are not followed): {shown(where)}")
                elif entry.is_dir(follow_symlinks=False):
                    dirs.append(entry.name)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.name)
            except OSError:
                continue
        yield folder, dirs, files
        if depth < MAX_DEPTH:
            stack.extend((folder / name, depth + 1) for name in reversed(dirs))
        elif dirs and notes is not None:
            notes.append(f"did not look deeper than {MAX_DEPTH} folders: {shown(os.path.relpath(folder, root))}")


# ---- Finding the package ---------------------------------------------------------------------------------


def find_packages(root: Path) -> list[Path]:
    """Folders named like the package (micrograd) holding at least one .py file, without following links."""
    found = []
    for folder, dirs, files in walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        if folder.name == PACKAGE and any(f.endswith(".py") for f in files):
            found.append(folder)
    return sorted(found)


def _relative(path: Path, root: Path) -> str:
    relative = str(path.relative_to(root))
    if relative == ".":
        return "the top folder"
    return relative if len(relative) <= 120 else relative[:120] + "..."  # the feedback makes it inert


def find_loose_modules(root: Path) -> list[tuple[Path, list[str]]]:
    """Folders holding the package's modules as loose files (engine.py, nn.py, ... dragged into an upload
    without their micrograd/ folder), with those files: the folder with the most first, then the shallowest."""
    found = []
    for folder, dirs, files in walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        modules = sorted(f for f in files if f in MODULE_FILES)
        if folder.name != PACKAGE and any(m in STEP_FILES for m in modules):
            found.append((folder, modules))
    return sorted(found, key=lambda item: (-len(item[1]), len(item[0].relative_to(root).parts), str(item[0])))


def assemble(root: Path, target: Path, notes: list[str]) -> Path | None:
    """A package made of loose module files (a flat upload), or None if there are none. What was done is noted."""
    found = find_loose_modules(root)
    if not found:
        return None
    folder, modules = found[0]
    package = target / PACKAGE
    package.mkdir(parents=True)
    for name in modules:
        (package / name).write_bytes(read_regular(folder / name))
    try:
        (package / "__init__.py").write_bytes(read_regular(folder / "__init__.py"))
    except Rejected:  # none (or not a regular file): an empty package's
        (package / "__init__.py").write_text(f'"""{PACKAGE}, assembled by the grader from loose files"""\n')
    notes.append(
        f"no {PACKAGE}/ folder: assembled the package from the loose files {', '.join(modules)} in "
        f"{_relative(folder, root)} (next time, upload the {PACKAGE}/ folder itself)"
    )
    if len(found) > 1:
        elsewhere = "; ".join(f"{_relative(f, root)} ({', '.join(m)})" for f, m in found[1:4])
        notes.append(
            f"warning: loose module files in more than one folder: graded those of "
            f"{_relative(folder, root)}, not {elsewhere}"
        )
    return package


def no_package(root: Path | None) -> str:
    """Why there is nothing to grade: what the submission holds, and what to upload instead."""
    steps = ", ".join(STEP_FILES)
    what = f"upload the {PACKAGE}/ folder (holding {steps}), or those files themselves"
    if root is None:
        return f"no {PACKAGE} package: {what}"
    files = []
    for folder, dirs, names in walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        files += [str((folder / n).relative_to(root)) for n in names]
        if len(files) > 6:
            break
    if not files:
        return f"no {PACKAGE} package: the submission is empty; {what}"
    listed = ", ".join(_relative(root / f, root) for f in files[:5]) + (", ..." if len(files) > 5 else "")
    return f"no {PACKAGE} package: found {listed} but no {PACKAGE}/ folder and none of {steps}; {what}"


def choose_package(root: Path, notes: list[str]) -> Path | None:
    found = find_packages(root)
    if not found:
        return None

    def rank(path: Path) -> tuple[bool, int, str]:
        relative = path.relative_to(root)
        return (relative.parent.name != "exercises", len(relative.parts), str(relative))

    found.sort(key=rank)
    if len(found) > 1:
        others = ", ".join(_relative(p, root) for p in found[1:4])
        notes.append(
            f"warning: {len(found)} {PACKAGE} packages in this submission: graded {_relative(found[0], root)}, "
            f"not {others} (submit one package)"
        )
    return found[0]


NOT_SUBMISSIONS = SKIPPED_DIRS | {"__MACOSX"}  # entries of a class folder that are never a student's


def holds_submission(entry: Path) -> bool:
    """Whether an entry of a folder is a submission by itself: an archive, or a folder (never through a link)
    that holds a package or the package's loose module files."""
    if entry.is_symlink():
        return False
    if entry.is_file():
        return entry.name.lower().endswith(ARCHIVE_SUFFIXES)
    return entry.is_dir() and bool(find_packages(entry) or find_loose_modules(entry))


def _has_own_package(folder: Path) -> bool:
    """A package of the folder itself: micrograd/ or the package's loose module files or a notebook at its top,
    or what a clone of the kata holds (exercises/micrograd, kata.toml)."""
    top = [entry.name for entry in os.scandir(folder)]
    return (
        any(name in (PACKAGE, "kata.toml") or name in STEP_FILES or name.lower().endswith(".ipynb") for name in top)
        or (folder / "exercises" / PACKAGE).is_dir()
    )


def class_folder(folder: Path) -> tuple[list[Path], list[Path]] | None:
    """(the submissions, the entries skipped) when `folder` holds a class rather than one submission, else None.

    A class folder is a real folder (not a link) with no package of its own (_has_own_package) of which at
    least two entries are each a submission (holds_submission). Its submissions are then its folders, links
    and archives, each one exactly as `folder/*` would give it, those without a package included (their
    gradebook rows say what they hold); skipped: hidden entries, tool folders (.git, __MACOSX, ...) and
    files that are not archives (a roster, a README)."""
    try:
        if folder.is_symlink() or not folder.is_dir() or _has_own_package(folder):
            return None
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    kept: list[Path] = []
    skipped: list[Path] = []
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name in NOT_SUBMISSIONS:
            continue
        if entry.is_symlink() or entry.is_dir(follow_symlinks=False) or entry.name.lower().endswith(ARCHIVE_SUFFIXES):
            kept.append(path)
        else:
            skipped.append(path)
    if sum(1 for path in kept if holds_submission(path)) < 2:
        return None
    return kept, skipped


def snapshot(package: Path, target: Path, notes: list[str]) -> Path:
    """Copy the package (regular files only, within the caps) to target/micrograd: what is graded."""
    copy = target / PACKAGE
    copy.mkdir(parents=True)
    files = total = 0
    for folder, dirs, names in walk(package, notes):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        relative = folder.relative_to(package)
        (copy / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            files += 1
            if files > MAX_FILES:
                raise Rejected(f"the {PACKAGE} package holds more than {MAX_FILES} files")
            data = read_regular(folder / name)
            total += len(data)
            if total > MAX_BYTES:
                raise Rejected(f"the {PACKAGE} package is larger than {MAX_BYTES // 2**20} MB")
            (copy / relative / name).write_bytes(data)
    return copy


# ---- Notebooks ---------------------------------------------------------------------------------------------

NOTEBOOK_MAGIC = "%%micrograd"


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(str(s) for s in source) if isinstance(source, list) else str(source)


def layout_step(source: Path) -> int | None:
    """The step named by the instructor's layout: the last `stepN` folder of the path given to the grader
    (the submission itself when it is a folder, else the folders above it)."""
    path = Path(os.path.abspath(source))
    parts = path.parts if os.path.isdir(path) and not os.path.islink(path) else path.parts[:-1]
    for part in reversed(parts):
        match = STEP_FOLDER.fullmatch(part)
        if match:
            return int(match.group(1))
    return None


def package_from_notebook(notebook: Path, target: Path, notes: list[str]) -> tuple[Path, int | None]:
    """The micrograd package written by a notebook of the nbgrader course: each `%%micrograd NAME` code cell
    is micrograd/NAME.py (a later cell for the same module wins). The notebook must be a regular file.
    Returns the package and the step the notebook's metadata claims (a note at most: never what is graded)."""
    try:
        book = json.loads(read_regular(notebook).decode("utf-8"))
        cells = [c for c in book["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise Rejected(f"{notebook.name} is not a readable notebook ({type(error).__name__})") from None
    package = target / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f'"""{PACKAGE}, from a notebook"""\n', encoding="utf-8")
    modules = []
    for cell in cells:
        text = _cell_source(cell)
        first, _, code = text.partition("\n")
        if first.strip().startswith(NOTEBOOK_MAGIC):
            name = first.strip()[len(NOTEBOOK_MAGIC) :].strip()
            if re.fullmatch(r"[a-z_]+", name):
                (package / f"{name}.py").write_text(code, encoding="utf-8", errors="surrogatepass")
                modules.append(name)
    if not modules:
        raise Rejected(f"{notebook.name} has no %%micrograd cell: it is not a notebook of the kata's course")
    claimed = book.get("metadata", {}).get("kata", {}).get("step") if isinstance(book.get("metadata"), dict) else None
    if claimed is not None and not isinstance(claimed, int):
        claimed = None
    notes.append(f"graded from the notebook {notebook.name}")
    return package, claimed


def _notebook_steps(source: Path, claimed: int | None, explicit: int | None, notes: list[str]) -> list[int]:
    step = explicit if explicit is not None else layout_step(source)
    if step is None:
        raise Rejected(
            "a notebook, but which step is it for? Give the grader its stepN folder (as nbgrader lays out "
            "submitted/STUDENT/stepN), or say it with --notebook-step N"
        )
    if claimed is not None and claimed != step:
        notes.append(f"the notebook's metadata says step {claimed}; graded on step {step}, from the assignment")
    notes.append(f"a notebook: graded on step {step} only")
    return [step]


# ---- One submission ------------------------------------------------------------------------------------------


def fingerprint(package: Path | None, source: Path) -> str:
    """A hash of what is graded: the package's files (names and bytes), or the source if there is none."""
    digest = hashlib.sha256()
    if package is None:
        digest.update(os.fsencode(source))
        with contextlib.suppress(Rejected, OSError):
            digest.update(read_regular(source, MAX_ARCHIVE))
        return digest.hexdigest()
    for folder, _, names in walk(package):
        for name in names:
            path = folder / name
            digest.update(os.fsencode(path.relative_to(package)) + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_time(source: Path) -> float | None:
    """When a submission was last changed, by its files: an archive's or a notebook's own time, a folder's
    newest regular file (links are not followed). None if it cannot be read."""
    try:
        info = os.lstat(source)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return info.st_mtime if stat.S_ISREG(info.st_mode) else None
    newest = None
    for folder, dirs, files in walk(source):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            with contextlib.suppress(OSError):
                mtime = os.lstat(folder / name).st_mtime
                newest = mtime if newest is None else max(newest, mtime)
    return newest


def prepare(
    source: Path,
    name: str,
    scratch: Path,
    notebook_step: int | None = None,
    stop: threading.Event | None = None,
) -> Submission:
    """Unpack (if needed), locate and snapshot the package of one submission. Never raises for bad input
    (only Stopped, when the batch is being interrupted)."""
    submission = Submission(name=name, source=source)
    notes = submission.notes
    try:
        try:
            mode = os.lstat(source).st_mode
        except FileNotFoundError:
            raise Rejected("not found") from None
        lower = source.name.lower()
        if stat.S_ISLNK(mode):
            raise Rejected("a symbolic link: links are not followed (give the grader the real path)")
        if stat.S_ISDIR(mode):
            root = source
        elif stat.S_ISREG(mode) and lower.endswith(".ipynb"):
            root = source.parent
        elif stat.S_ISREG(mode) and lower.endswith(ARCHIVE_SUFFIXES):
            root = scratch / "unpacked" / name
            root.mkdir(parents=True)
            unpack(source, root, notes, stop)
        elif stat.S_ISREG(mode):
            raise Rejected(f"not a folder, a notebook or an archive ({', '.join(ARCHIVE_SUFFIXES)})")
        else:
            raise Rejected("not a regular file or a folder")
        if stat.S_ISREG(mode) and lower.endswith(".ipynb"):
            notebooks = [source]
            package = None
        else:
            package = choose_package(root, notes)
            notebooks = [] if package is not None else _notebooks(root, notes)
            if package is None and not notebooks:
                package = assemble(root, scratch / "assembled" / name, notes)
        if len(notebooks) > 1:
            listed = ", ".join(_relative(n, root) for n in notebooks[:3]) + (", ..." if len(notebooks) > 3 else "")
            raise Rejected(
                f"{len(notebooks)} notebooks ({listed}): a submission is one notebook (upload only the step's "
                "notebook). For instructors, in nbgrader's layout: python -m grader grade -- submitted/*/step3"
            )
        if notebooks:
            built, claimed = package_from_notebook(notebooks[0], scratch / "notebooks" / name, notes)
            submission.steps = _notebook_steps(source, claimed, notebook_step, notes)
            package = built
        if package is None:
            raise Rejected(no_package(root))
        submission.found = package
        submission.package = snapshot(package, scratch / "snapshots" / name, notes)
    except Rejected as error:
        submission.problem = str(error)
        submission.package = None
    except OSError as error:
        submission.problem = f"cannot read it: {error.strerror or error}"
        submission.package = None
    submission.fingerprint = fingerprint(submission.package, source)
    submission.submitted_at = file_time(source)
    return submission


def _notebooks(root: Path, notes: list[str]) -> list[Path]:
    found = []
    for folder, dirs, files in walk(root, notes):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        found += [folder / f for f in files if f.endswith(".ipynb")]
    return sorted(found)
