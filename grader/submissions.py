"""From what an instructor points at to a micrograd package on disk.

A submission is a folder, a .zip, or a .tar.gz/.tgz/.tar that holds a `micrograd/` package at any
depth (in a full clone of the kata: exercises/micrograd), or one notebook of the nbgrader course
(a .ipynb, or a folder holding one), whose `%%micrograd` cells are the package.

Everything in a submission is untrusted, so it is read defensively:
- links are never followed (a link given as the submission itself is refused; inside one, links are
  skipped and noted), and only regular files are read, each with a size cap: a notebook linked to a
  classmate's, to /dev/zero or to /dev/stdin is never opened;
- an archive's type is what its first bytes say, whatever its name ends with: zip, gzip'ed tar or
  plain tar (bzip2, xz and the rest are refused). Unpacking has a budget of entries, bytes (counted
  after decompression, skipped entries included) and seconds; an entry with an absolute path, a `..`
  component, a link, a special file or more than MAX_DEPTH folders is skipped, and noted;
- the package that is graded is a snapshot taken once (regular files only, capped), so every step
  grades the same bytes and the fingerprint describes exactly them;
- a notebook's step comes from the instructor's layout (a `stepN` folder in the path given to the
  grader, or --notebook-step), never from the notebook's own metadata, which its author can edit.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import stat
import struct
import tarfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

MAX_FILES = 2000  # entries of an archive, files of a package
MAX_BYTES = 50 * 1024 * 1024  # unpacked, or copied into the snapshot, per submission
MAX_FILE = 10 * 1024 * 1024  # one file (a notebook included)
MAX_ARCHIVE = 50 * 1024 * 1024  # the archive file itself
MAX_CENTRAL = 4 * 1024 * 1024  # a zip's table of contents (2000 entries need far less)
MAX_DEPTH = 24  # folders between a submission's root and a file
MAX_SCANNED = 50_000  # files and folders looked at in a folder submission
UNPACK_SECONDS = 30.0
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis", ".ipynb_checkpoints"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
NAME_SUFFIXES = (*ARCHIVE_SUFFIXES, ".ipynb")
STEP_FOLDER = re.compile(r"step(\d+)", re.IGNORECASE)

# What an archive's first bytes say it is: (magic, offset, kind); the kinds not unpacked are refused by name.
MAGIC = (
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),  # an empty zip
    (b"\x1f\x8b", 0, "gzip"),
    (b"ustar", 257, "tar"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!", 0, "rar"),
)
UNPACKED = ("zip", "gzip", "tar")


class Rejected(Exception):
    """The submission cannot be graded at all; the message says why, for the gradebook."""


class Stopped(Exception):
    """The batch was asked to stop (Ctrl-C) while this submission was being prepared."""


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


def _shown(name: str, limit: int = 120) -> str:
    """An entry's name for a note: quoted, and cut if long (the feedback escapes it)."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


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
                        notes.append(f"skipped a link (links are not followed): {_shown(where)}")
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
            notes.append(f"did not look deeper than {MAX_DEPTH} folders: {_shown(os.path.relpath(folder, root))}")


# ---- Archives ----------------------------------------------------------------------------------------------


def _parts(name: str) -> tuple[str, ...] | None:
    """The path components of an archive entry, or None if it would land outside the target."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", text) or ".." in path.parts:
        return None
    return tuple(p for p in path.parts if p not in ("", "."))


class _Budget:
    """What unpacking one archive may cost: entries, bytes after decompression, seconds."""

    def __init__(self, stop: threading.Event | None) -> None:
        self.files = 0
        self.bytes = 0
        self.deadline = time.monotonic() + UNPACK_SECONDS
        self.stop = stop

    def check(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped
        if time.monotonic() > self.deadline:
            raise Rejected(f"archive rejected: unpacking it took more than {UNPACK_SECONDS:g} s")

    def entry(self) -> None:
        self.check()
        self.files += 1
        if self.files > MAX_FILES:
            raise Rejected(f"archive rejected: more than {MAX_FILES} entries")

    def spend(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_BYTES:
            raise Rejected(f"archive rejected: more than {MAX_BYTES // 2**20} MB once unpacked (a zip bomb?)")
        self.check()

    def copy(self, source: BinaryIO, destination: Path, metered: bool = False) -> None:
        """Copy an entry's data; `metered`: its bytes are already counted by the stream it comes from."""
        written = 0
        with open(destination, "wb") as out:
            while chunk := source.read(65536):
                written += len(chunk)
                if written > MAX_FILE:
                    raise Rejected(f"archive rejected: {destination.name} is larger than {MAX_FILE // 2**20} MB")
                if not metered:
                    self.spend(len(chunk))
                else:
                    self.check()
                out.write(chunk)


class _Metered:
    """A decompressed stream whose every byte (skipped entries' too) is charged to the budget."""

    def __init__(self, stream: BinaryIO, budget: _Budget) -> None:
        self.stream = stream
        self.budget = budget

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size is not None and 0 <= size <= 1 << 20 else 1 << 20)
        self.budget.spend(len(data))
        return data


def archive_kind(path: Path) -> str:
    """What the archive's first bytes say it is (not its name)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    for magic, offset, kind in MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    return "unknown"


def _destination(name: str, link: bool, target: Path, notes: list[str]) -> Path | None:
    """Where an archive entry goes under target, or None if it is skipped (and the skip noted):
    an absolute path, a `..` component, a link or a path too deep never lands anywhere."""
    parts = _parts(name)
    if parts is None:
        notes.append(f"skipped an unsafe entry of the archive: {_shown(name)}")
        return None
    if link:
        notes.append(f"skipped a link in the archive: {_shown(name)}")
        return None
    if len(parts) > MAX_DEPTH or any(len(p.encode("utf-8", "surrogateescape")) > 200 for p in parts):
        notes.append(f"skipped an entry nested too deep or named too long: {_shown(name)}")
        return None
    return target.joinpath(*parts) if parts else None


def _zip_table_size(path: Path) -> int:
    """The size of a zip's central directory, from its end record (read before zipfile parses it all)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65557))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Rejected("archive rejected: not a readable zip file (no end record)")
    entries, table = struct.unpack("<10xHL6x", tail[at : at + 22])
    if entries == 0xFFFF or table == 0xFFFFFFFF:
        raise Rejected("archive rejected: a zip64 archive (a submission is never that large)")
    return table


def _unpack_zip(path: Path, target: Path, notes: list[str], budget: _Budget) -> None:
    if _zip_table_size(path) > MAX_CENTRAL:
        raise Rejected(f"archive rejected: its table of contents is larger than {MAX_CENTRAL // 2**20} MB")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise Rejected(f"archive rejected: not a readable zip file ({error})") from None
    with archive:
        for info in archive.infolist():
            budget.entry()
            destination = _destination(info.filename, stat.S_ISLNK(info.external_attr >> 16), target, notes)
            if destination is None:
                continue
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source:
                    budget.copy(source, destination)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError) as error:
                raise Rejected(f"archive rejected: cannot read {_shown(info.filename)} ({error})") from None


def _unpack_tar(path: Path, target: Path, notes: list[str], budget: _Budget, compressed: bool) -> None:
    with open(path, "rb") as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw  # type: ignore[assignment]
        try:
            archive = tarfile.open(fileobj=_Metered(stream, budget), mode="r|")  # type: ignore[arg-type]  # noqa: SIM115
            with archive:
                for member in archive:
                    budget.entry()
                    destination = _destination(member.name, member.issym() or member.islnk(), target, notes)
                    if destination is None:
                        continue
                    if member.isdir():
                        destination.mkdir(parents=True, exist_ok=True)
                    elif member.isreg():
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        source = archive.extractfile(member)
                        if source is not None:
                            budget.copy(source, destination, metered=True)
                    else:
                        notes.append(f"skipped a special file in the archive: {_shown(member.name)}")
        except (tarfile.TarError, OSError, EOFError, ValueError, zlib.error) as error:
            raise Rejected(f"archive rejected: cannot read it ({error})") from None


def unpack(path: Path, target: Path, notes: list[str], stop: threading.Event | None = None) -> None:
    """Unpack an archive into target, by what its bytes say it is, within the budget."""
    size = path.stat().st_size
    if size > MAX_ARCHIVE:
        raise Rejected(f"archive rejected: larger than {MAX_ARCHIVE // 2**20} MB")
    kind = archive_kind(path)
    if kind not in UNPACKED:
        what = "not an archive" if kind == "unknown" else f"a {kind} archive"
        raise Rejected(f"archive rejected: {path.name} is {what}; send a .zip or a .tar.gz")
    budget = _Budget(stop)
    if kind == "zip":
        _unpack_zip(path, target, notes, budget)
    else:
        _unpack_tar(path, target, notes, budget, compressed=kind == "gzip")


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
