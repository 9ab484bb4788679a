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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.archives import MAX_ARCHIVE, MAX_BYTES, MAX_DEPTH, MAX_FILE, MAX_FILES, Rejected, Stopped, shown, unpack

__all__ = [  # Rejected, Stopped and the caps are re-exported from grader.archives
    "MAX_BYTES",
    "MAX_DEPTH",
    "Rejected",
    "Stopped",
    "Submission",
    "choose_package",
    "display_name",
    "find_packages",
    "fingerprint",
    "layout_step",
    "package_from_notebook",
    "prepare",
    "read_regular",
    "safe_names",
    "snapshot",
    "walk",
]

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


def display_name(source: Path) -> str:
    name = source.name
    for suffix in NAME_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_names(sources: list[Path], reserved: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """A distinct, file-system-safe name per submission, in order (the same inputs give the same names).
    No name equals one of `reserved` (the output folder's own files), whatever the case."""
    taken = {name.lower() for name in reserved}
    names: list[str] = []
    for source in sources:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", display_name(source)).lstrip(".-")[:80] or "submission"
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
        taken.add(name.lower())
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
    """Folders named micrograd holding at least one .py file, without following links."""
    found = []
    for folder, dirs, files in walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        if folder.name == "micrograd" and any(f.endswith(".py") for f in files):
            found.append(folder)
    return sorted(found)


def choose_package(root: Path, notes: list[str]) -> Path | None:
    found = find_packages(root)
    if not found:
        return None

    def rank(path: Path) -> tuple:
        relative = path.relative_to(root)
        return (relative.parent.name != "exercises", len(relative.parts), str(relative))

    found.sort(key=rank)
    if len(found) > 1:
        others = ", ".join(str(p.relative_to(root)) for p in found[1:4])
        notes.append(f"{len(found)} micrograd packages found; graded {found[0].relative_to(root)} (not {others})")
    return found[0]


def snapshot(package: Path, target: Path, notes: list[str]) -> Path:
    """Copy the package (regular files only, within the caps) to target/micrograd: what is graded."""
    copy = target / "micrograd"
    copy.mkdir(parents=True)
    files = total = 0
    for folder, dirs, names in walk(package, notes):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        relative = folder.relative_to(package)
        (copy / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            files += 1
            if files > MAX_FILES:
                raise Rejected(f"the micrograd package holds more than {MAX_FILES} files")
            data = read_regular(folder / name)
            total += len(data)
            if total > MAX_BYTES:
                raise Rejected(f"the micrograd package is larger than {MAX_BYTES // 2**20} MB")
            (copy / relative / name).write_bytes(data)
    return copy


# ---- Notebooks ---------------------------------------------------------------------------------------------

NOTEBOOK_MAGIC = "%%micrograd"


def _cell_source(cell: dict) -> str:
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
    package = target / "micrograd"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""micrograd, from a notebook"""\n', encoding="utf-8")
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
        if len(notebooks) > 1:
            raise Rejected(f"{len(notebooks)} notebooks: grade one notebook per submission (one folder each)")
        if notebooks:
            built, claimed = package_from_notebook(notebooks[0], scratch / "notebooks" / name, notes)
            submission.steps = _notebook_steps(source, claimed, notebook_step, notes)
            package = built
        if package is None:
            raise Rejected("no micrograd package")
        submission.found = package
        submission.package = snapshot(package, scratch / "snapshots" / name, notes)
    except Rejected as error:
        submission.problem = str(error)
        submission.package = None
    except OSError as error:
        submission.problem = f"cannot read it: {error.strerror or error}"
        submission.package = None
    submission.fingerprint = fingerprint(submission.package, source)
    return submission


def _notebooks(root: Path, notes: list[str]) -> list[Path]:
    found = []
    for folder, dirs, files in walk(root, notes):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        found += [folder / f for f in files if f.endswith(".ipynb")]
    return sorted(found)
