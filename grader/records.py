"""A submission's record: everything the grader decided about it, written atomically.

DIR/<submission>/record.json is written last, after results.json and feedback.md, so its presence
(with "complete": true) means the submission's outputs are whole. The gradebook is rebuilt from the
records; --resume skips a submission whose record is complete and was made from the same files,
seed and grader version.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from grader.grading import StepOutcome
from kata.paths import ROOT

FORMAT = 2  # 2 added name, graded_at and submitted_at; records of format 1 are still read
READABLE = (1, 2)
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import (in the main thread): os.umask is process-wide


@cache
def grader_version() -> str:
    """A hash of everything that decides a score: the grader, the kata (catalogue, oracle, harness) and the
    manifest; not the maintainers' tools, which no grader ships (read once: Gradescope computes it before
    the oracle is locked away)."""
    digest = hashlib.sha256()
    kata = [p for p in (ROOT / "kata").rglob("*.py") if p.relative_to(ROOT / "kata").parts[0] != "dev"]
    files = sorted([*(ROOT / "grader").glob("*.py"), *kata, ROOT / "kata.toml"])
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def write_atomic(path: Path, text: str) -> None:
    """Write text to path so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # backslashreplace: a lone surrogate (an undecodable file name) is written visibly, never a crash
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@dataclass
class Record:
    submission: str
    source: str
    fingerprint: str
    seed: int
    grader_version: str
    sandboxed: bool
    status: str
    notes: list[str] = field(default_factory=list)
    steps: list[StepOutcome] = field(default_factory=list)
    execution_time: float = 0.0
    complete: bool = True
    name: str = ""  # the submission's name as a person reads it (unicode kept); `submission` is its safe id
    graded_at: str = ""  # when it was graded, UTC, ISO 8601 to the second
    submitted_at: str = ""  # its file time, UTC, ISO 8601 ("" if unknown): the late policy's default clock

    @property
    def display(self) -> str:
        return self.name or self.submission

    @property
    def score(self) -> Fraction:
        return sum((s.score for s in self.steps), Fraction(0))

    @property
    def max_score(self) -> int:
        return sum(s.points for s in self.steps if not s.bonus)

    def step_score(self, number: int) -> Fraction:
        return next((s.score for s in self.steps if s.number == number), Fraction(0))

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "submission": self.submission,
            "name": self.name,
            "source": self.source,
            "graded_at": self.graded_at,
            "submitted_at": self.submitted_at,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "grader_version": self.grader_version,
            "sandboxed": self.sandboxed,
            "status": self.status,
            "notes": self.notes,
            "score": str(self.score),
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "complete": self.complete,
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        if data.get("format") not in READABLE:
            raise ValueError(f"record format {data.get('format')!r}, expected one of {READABLE}")
        return cls(
            data["submission"],
            data["source"],
            data["fingerprint"],
            data["seed"],
            data["grader_version"],
            data["sandboxed"],
            data["status"],
            list(data["notes"]),
            [StepOutcome.from_json(s) for s in data["steps"]],
            data["execution_time"],
            data["complete"],
            str(data.get("name", "")),
            str(data.get("graded_at", "")),
            str(data.get("submitted_at", "")),
        )


def record_path(out: Path, name: str) -> Path:
    return out / name / "record.json"


def load_record(path: Path, complete: bool = True) -> Record | None:
    """The record at path, or None if it is missing, unreadable or (unless complete=False) incomplete."""
    try:
        record = Record.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if record.complete or not complete else None


def load_records(out: Path) -> dict[str, Record]:
    """Every record already in the output folder, by submission id, complete or not: the gradebook and the
    report are rebuilt from them, so a regrade of some students merges into the class."""
    found: dict[str, Record] = {}
    if not out.is_dir():
        return found
    for folder in sorted(out.iterdir()):
        if folder.is_dir() and not folder.is_symlink():
            record = load_record(record_path(out, folder.name), complete=False)
            if record is not None and record.submission == folder.name:
                found[record.submission] = record
    return found


def save_record(out: Path, record: Record) -> None:
    write_atomic(record_path(out, record.submission), json.dumps(record.to_json(), indent=1) + "\n")
