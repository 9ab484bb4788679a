"""The bug zoo (grader/zoo.toml): realistic wrong implementations, each a small edit of the reference."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kata import exercises as generator
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
    names: str


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
                raw["names"],
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
