"""Unpacking an archive a student sent: by what its bytes say it is, within a budget, never outside
its target.

An archive's type is read from its first bytes, whatever its name ends with: zip, gzip'ed tar and
plain tar are unpacked; bzip2, xz, zstd, 7z and rar are refused by name; anything else is not an
archive. The budget: MAX_ARCHIVE bytes of archive, MAX_FILES entries, MAX_BYTES once decompressed
(every decompressed byte counts, those of skipped entries too: a tar is read as a stream whose every
byte is charged), MAX_FILE per file, UNPACK_SECONDS in all. An entry with an absolute path, a `..`
component, a link, a special file, more than MAX_DEPTH folders or a name longer than 200 bytes is
skipped, and the skip noted for the feedback.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import struct
import tarfile
import threading
import time
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

MAX_FILES = 2000  # entries of an archive, files of a package
MAX_BYTES = 50 * 1024 * 1024  # unpacked, or copied into the snapshot, per submission
MAX_FILE = 10 * 1024 * 1024  # one file (a notebook included)
MAX_ARCHIVE = 50 * 1024 * 1024  # the archive file itself
MAX_CENTRAL = 4 * 1024 * 1024  # a zip's table of contents (2000 entries need far less)
MAX_DEPTH = 24  # folders between a submission's root and a file
UNPACK_SECONDS = 30.0

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


def shown(name: str, limit: int = 120) -> str:
    """An entry's name for a note: quoted, and cut if long (the feedback escapes it)."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


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

    def copy(self, source: IO[bytes], destination: Path, metered: bool = False) -> None:
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


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Metered:
    """A decompressed stream whose every byte (skipped entries' too) is charged to the budget. It is
    read forwards only (tarfile's stream mode "r|"): it cannot be written, told or sought, and closing
    it leaves the underlying stream to its owner."""

    def __init__(self, stream: _Readable, budget: _Budget) -> None:
        self.stream = stream
        self.budget = budget

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size is not None and 0 <= size <= 1 << 20 else 1 << 20)
        self.budget.spend(len(data))
        return data

    def write(self, data: bytes, /) -> int:
        raise io.UnsupportedOperation("an archive being unpacked is read-only")

    def tell(self) -> int:
        raise io.UnsupportedOperation("an archive being unpacked is read forwards only")

    def seek(self, pos: int, /) -> int:
        raise io.UnsupportedOperation("an archive being unpacked is read forwards only")

    def close(self) -> None:
        """Nothing to do: the stream read from is closed by whoever opened it."""


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
        notes.append(f"skipped an unsafe entry of the archive: {shown(name)}")
        return None
    if link:
        notes.append(f"skipped a link in the archive: {shown(name)}")
        return None
    if len(parts) > MAX_DEPTH or any(len(p.encode("utf-8", "surrogateescape")) > 200 for p in parts):
        notes.append(f"skipped an entry nested too deep or named too long: {shown(name)}")
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
    return int(table)


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
                raise Rejected(f"archive rejected: cannot read {shown(info.filename)} ({error})") from None


def _unpack_tar(path: Path, target: Path, notes: list[str], budget: _Budget, compressed: bool) -> None:
    with open(path, "rb") as raw:
        stream: _Readable = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            archive = tarfile.open(fileobj=_Metered(stream, budget), mode="r|")  # noqa: SIM115
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
                        notes.append(f"skipped a special file in the archive: {shown(member.name)}")
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
