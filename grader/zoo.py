"""The bug zoo (grader/zoo.toml): realistic wrong implementations, each a small edit of the reference."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kata.dev import exercises as generator
from kata.manifest import load
from kata.paths import PACKAGE, SOLUTIONS

ZOO = Path(__file__).with_name("zoo.toml")


@dataclass(frozen=True)
class Bug:
    id: str
    step: int
    file: str
    edits: tuple[tuple[str, str], ...]
    concept: str
    bug: str  # the diagnosis the judges must give (kata/catalogue/bugs.py), and the only one


@cache
def bugs() -> tuple[Bug, ...]:
    data = tomllib.loads(ZOO.read_text(encoding="utf-8"))
    made = []
    for raw in data["bug"]:
        edits = raw.get("edits") or [{"old": raw["old"], "new": raw["new"]}]
        made.append(
            Bug(
                raw["id"],
                int(raw["step"]),
                raw["file"],
                tuple((e["old"], e["new"]) for e in edits),
                raw["concept"],
                raw["bug"],
            )
        )
    return tuple(made)


def bug(identifier: str) -> Bug:
    for entry in bugs():
        if entry.id == identifier:
            return entry
    raise KeyError(f"the zoo has no bug {identifier!r}")


def apply(entry: Bug, text: str) -> str:
    """The file text with the bug's edits made; each old text must occur exactly once."""
    for old, new in entry.edits:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"zoo entry {entry.id}: the text to replace occurs {count} times in {entry.file}")
        text = text.replace(old, new)
    return text


def reference_copy(target: Path, upto: int | None = None) -> Path:
    """A copy of the reference package under target/micrograd (optionally stubbed after step upto)."""
    package = target / PACKAGE
    if upto is None:
        shutil.copytree(SOLUTIONS / PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        generator.write(generator.build(SOLUTIONS / PACKAGE, load(), upto=upto), package)
    return package


def with_bugs(target: Path, entries: list[Bug]) -> Path:
    """A copy of the reference, markers removed, with the bugs' edits made; returns the package folder."""
    package = reference_copy(target, upto=len(load().steps))
    for entry in entries:
        path = package / entry.file
        path.write_text(apply(entry, path.read_text(encoding="utf-8")), encoding="utf-8")
    return package


# ---- The catalogue of right answers (grader/right_answers.toml) ------------------------------------

RIGHT = Path(__file__).with_name("right_answers.toml")


@dataclass(frozen=True)
class Right:
    """A correct implementation written another way: edits of the reference, and files left out."""

    id: str
    edits: tuple[tuple[str, str, str], ...]  # (file, old, new)
    concept: str
    omit: tuple[str, ...] = ()
    steps: tuple[int, ...] | None = None  # the steps it must ace (None: all)


@cache
def right_answers() -> tuple[Right, ...]:
    data = tomllib.loads(RIGHT.read_text(encoding="utf-8"))
    made = []
    for raw in data["right"]:
        edits = raw.get("edits") or [{"file": raw["file"], "old": raw["old"], "new": raw["new"]}]
        made.append(
            Right(
                raw["id"],
                tuple((e["file"], e["old"], e["new"]) for e in edits),
                raw["concept"],
                tuple(raw.get("omit", [])),
                tuple(raw["steps"]) if "steps" in raw else None,
            )
        )
    return tuple(made)


def written_another_way(target: Path, entry: Right) -> Path:
    """A copy of the reference, markers removed, with the entry's edits made; returns the package folder."""
    package = reference_copy(target, upto=len(load().steps))
    for file, old, new in entry.edits:
        path = package / file
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise ValueError(f"right answer {entry.id}: the text to replace occurs {text.count(old)} times in {file}")
        path.write_text(text.replace(old, new), encoding="utf-8")
    for file in entry.omit:
        (package / file).unlink()
    return package
