"""From what an instructor points at to a micrograd package on disk.

A submission is a folder, a .zip, or a .tar.gz/.tgz/.tar that holds a `micrograd/` package at any
depth (in a full clone of the kata: exercises/micrograd), or one notebook of the nbgrader course
(a .ipynb, or a folder holding one), whose `%%micrograd` cells are the package and whose step alone
is graded. Archives are unpacked into the grader's
scratch folder, never next to the archive, and defensively: an entry with an absolute path or a
`..` component is skipped, links and special files are skipped, and more than MAX_FILES entries or
MAX_BYTES unpacked (a zip bomb) rejects the archive. Every skip is noted in the feedback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILES = 2000
MAX_BYTES = 50 * 1024 * 1024
MAX_FILE = 10 * 1024 * 1024
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis", ".ipynb_checkpoints"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
NAME_SUFFIXES = (*ARCHIVE_SUFFIXES, ".ipynb")


class Rejected(Exception):
    """The submission cannot be graded at all; the message says why, for the gradebook."""


@dataclass
class Submission:
    name: str
    source: Path
    package: Path | None = None
    steps: list[int] | None = None  # only these steps are graded (a notebook: its own step); None: all
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
    problem: str = ""  # "" when a package was found, else the reason for the gradebook


def display_name(source: Path) -> str:
    name = source.name
    for suffix in NAME_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_names(sources: list[Path]) -> list[str]:
    """A distinct, file-system-safe name per submission, in order (the same inputs give the same names)."""
    names: list[str] = []
    for source in sources:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", display_name(source)).lstrip(".-")[:80] or "submission"
        name, n = base, 2
        while name.lower() in {x.lower() for x in names}:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


def _parts(name: str) -> tuple[str, ...] | None:
    """The path components of an archive entry, or None if it would land outside the target."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", text) or ".." in path.parts:
        return None
    return tuple(p for p in path.parts if p not in ("", "."))


class _Budget:
    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def entry(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise Rejected(f"archive rejected: more than {MAX_FILES} entries")

    def copy(self, source, destination: Path) -> None:
        written = 0
        with open(destination, "wb") as out:
            while chunk := source.read(65536):
                written += len(chunk)
                self.bytes += len(chunk)
                if written > MAX_FILE:
                    raise Rejected(f"archive rejected: {destination.name} is larger than {MAX_FILE // 2**20} MB")
                if self.bytes > MAX_BYTES:
                    raise Rejected(f"archive rejected: more than {MAX_BYTES // 2**20} MB once unpacked (a zip bomb?)")
                out.write(chunk)


def _destination(name: str, link: bool, target: Path, notes: list[str]) -> Path | None:
    """Where an archive entry goes under target, or None if it is skipped (and the skip noted):
    an absolute path, a `..` component or a link never lands anywhere."""
    parts = _parts(name)
    if parts is None:
        notes.append(f"skipped an unsafe entry of the archive: {name!r}")
        return None
    if link:
        notes.append(f"skipped a link in the archive: {name!r}")
        return None
    return target.joinpath(*parts) if parts else None


def _unpack_zip(path: Path, target: Path, notes: list[str]) -> None:
    budget = _Budget()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
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
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                raise Rejected(f"archive rejected: cannot read {info.filename!r} ({error})") from None


def _unpack_tar(path: Path, target: Path, notes: list[str]) -> None:
    budget = _Budget()
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise Rejected(f"archive rejected: not a readable tar file ({error})") from None
    with archive:
        try:
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
                        budget.copy(source, destination)
                else:
                    notes.append(f"skipped a special file in the archive: {member.name!r}")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise Rejected(f"archive rejected: cannot read it ({error})") from None


def find_packages(root: Path) -> list[Path]:
    """Folders named micrograd holding at least one .py file, without following links."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not os.path.islink(os.path.join(folder, d)))
        if os.path.basename(folder) == "micrograd" and any(f.endswith(".py") for f in files):
            found.append(Path(folder))
    return found


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


MAGIC = "%%micrograd"


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def package_from_notebook(notebook: Path, target: Path, notes: list[str]) -> tuple[Path, list[int] | None]:
    """The micrograd package written by a notebook of the nbgrader course: each `%%micrograd NAME` code cell
    is micrograd/NAME.py (a later cell for the same module wins). Returns it and the notebook's step."""
    try:
        book = json.loads(notebook.read_text(encoding="utf-8"))
        cells = [c for c in book["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Rejected(f"{notebook.name} is not a readable notebook ({error})") from None
    package = target / "micrograd"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""micrograd, from the notebook ' + notebook.name + '"""\n')
    modules = []
    for cell in cells:
        text = _cell_source(cell)
        first, _, code = text.partition("\n")
        if first.strip().startswith(MAGIC):
            name = first.strip()[len(MAGIC) :].strip()
            if re.fullmatch(r"[a-z_]+", name):
                (package / f"{name}.py").write_text(code, encoding="utf-8")
                modules.append(name)
    if not modules:
        raise Rejected(f"{notebook.name} has no %%micrograd cell: it is not a notebook of the kata's course")
    step = book.get("metadata", {}).get("kata", {}).get("step")
    notes.append(f"graded from the notebook {notebook.name}" + (f": step {step} only" if isinstance(step, int) else ""))
    return package, [step] if isinstance(step, int) else None


def fingerprint(package: Path | None, source: Path) -> str:
    """A hash of what is graded: the package's files (names and bytes), or the source if there is none."""
    digest = hashlib.sha256()
    if package is None:
        digest.update(str(source).encode())
        if source.is_file():
            digest.update(source.read_bytes()[:MAX_BYTES])
        return digest.hexdigest()
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or path.is_symlink() or not path.is_file():
            continue
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prepare(source: Path, name: str, scratch: Path) -> Submission:
    """Unpack (if needed) and locate the package of one submission. Never raises for bad input."""
    submission = Submission(name=name, source=source)
    try:
        if source.is_dir():
            root = source
        elif source.is_file() and source.suffix == ".ipynb":
            root = scratch / "single" / name
            root.mkdir(parents=True)
            shutil.copy2(source, root / source.name)
        elif source.is_file() and source.name.lower().endswith(ARCHIVE_SUFFIXES):
            root = scratch / "unpacked" / name
            root.mkdir(parents=True)
            if source.name.lower().endswith(".zip"):
                _unpack_zip(source, root, submission.notes)
            else:
                _unpack_tar(source, root, submission.notes)
        elif source.exists():
            raise Rejected(f"not a folder, a notebook or an archive ({', '.join(ARCHIVE_SUFFIXES)})")
        else:
            raise Rejected("not found")
        submission.package = choose_package(root, submission.notes)
        notebooks = (
            sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if (submission.package is None)
            else []
        )
        if len(notebooks) > 1:
            raise Rejected(f"{len(notebooks)} notebooks: grade one notebook per submission (one folder each)")
        if notebooks:
            submission.package, submission.steps = package_from_notebook(
                notebooks[0], scratch / "notebooks" / name, submission.notes
            )
        if submission.package is None:
            submission.problem = "no micrograd package"
    except Rejected as error:
        submission.problem = str(error)
    except OSError as error:
        submission.problem = f"cannot read it: {error.strerror or error}"
    submission.fingerprint = fingerprint(submission.package, source)
    return submission
