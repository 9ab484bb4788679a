"""The documentation made from data, so that it cannot drift from it.

docs/zoo.md        the bug zoo, from grader/zoo.toml
docs/redteam.md    the red team, from devtests/redteam/cases.toml
README.md          the steps table between its markers, from kata.toml (kata/readme.py)

python -m tools.docs            write them (make docs)
python -m tools.docs --check    change nothing; exit 1 naming every file that is out of date
                                (the `docs` stage of make check, and devtests/test_docs.py)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kata.catalogue.bugs import BUGS
from kata.dev import readme
from kata.lessons import lesson
from kata.manifest import Manifest, load
from kata.paths import ROOT

ZOO_TOML = ROOT / "grader" / "zoo.toml"
REDTEAM_TOML = ROOT / "devtests" / "redteam" / "cases.toml"
ZOO_PAGE = ROOT / "docs" / "zoo.md"
RIGHT_TOML = ROOT / "grader" / "right_answers.toml"
RIGHT_PAGE = ROOT / "docs" / "right-answers.md"
REDTEAM_PAGE = ROOT / "docs" / "redteam.md"
README = ROOT / "README.md"


def _made_from(source: Path) -> str:
    name = source.relative_to(ROOT).as_posix()
    return f"<!-- made by `make docs` (python -m tools.docs) from {name}: edit that file, not this one -->"


def _cell(text: object) -> str:
    """Prose as one Markdown table cell: on one line, its pipes escaped, and outside its `code` spans,
    the characters that would start emphasis (Neuron.__init__ is not bold)."""
    parts = re.split(r"(`+[^`]*?`+)", " ".join(str(text).split()))
    escaped = [part if part.startswith("`") else re.sub(r"([_*])", r"\\\1", part) for part in parts]
    return "".join(escaped).replace("|", "\\|")


def _literal(text: str) -> str:
    """Text as a code span (a phrase to be found verbatim), whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if longest else text
    return f"{fence}{padded}{fence}".replace("|", "\\|")


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading (without its #)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _groups(toml_text: str, table: str) -> dict[str, str]:
    """{entry id: the `# ---- heading ----` comment above it}; the TOML files group their entries so."""
    found: dict[str, str] = {}
    heading = ""
    in_entry = False
    for line in toml_text.splitlines():
        if match := re.match(r"#\s*-{2,}\s*(.*?)\s*-{2,}\s*$", line):
            heading = match.group(1)
        elif line.strip() == f"[[{table}]]":
            in_entry = True
        elif in_entry and (match := re.match(r'id\s*=\s*"([^"]+)"', line)):
            found[match.group(1)] = heading
            in_entry = False
    return found


def zoo_page(toml_text: str, manifest: Manifest) -> str:
    bugs: list[dict[str, Any]] = tomllib.loads(toml_text)["bug"]
    by_step: dict[int, list[dict[str, Any]]] = {}
    for entry in bugs:
        by_step.setdefault(int(entry["step"]), []).append(entry)
    lines = [
        "# The bug zoo",
        "",
        _made_from(ZOO_TOML),
        "",
        f"{len(bugs)} realistic wrong implementations, each one small edit of the reference solution, with",
        "the step it breaks and the concept it misses. For every entry, `make zoo` (part of `make check`)",
        "proves that its step's suite fails, that the grader takes points in that step and in no other,",
        "under ten seeds alike, and that the feedback names the bug of the last column and no other.",
        "How, and how to add an entry: [maintainers.md](maintainers.md#the-bug-zoo-and-the-red-team).",
        "",
        "| step | entries |",
        "|---|---:|",
    ]
    for number, entries in sorted(by_step.items()):
        step = manifest.step(number)
        bonus = " (bonus)" if step.bonus else ""
        target = anchor(f"Step {number}: {step.title}")
        lines.append(f"| [{number}. {_cell(step.title)}{bonus}](#{target}) | {len(entries)} |")
    lines.append(f"| all | {len(bugs)} |")
    for number, entries in sorted(by_step.items()):
        step = manifest.step(number)
        lines += [
            "",
            f"## Step {number}: {step.title}",
            "",
            "| id | file | what the student half understood | diagnosed as (and only as) |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{entry['id']}` | `{entry['file']}` | {_cell(entry['concept'])} | `{entry['bug']}`: "
            f"{_cell(BUGS[entry['bug']])} |"
            for entry in entries
        ]
    return "\n".join(lines) + "\n"


def right_page(toml_text: str) -> str:
    entries: list[dict[str, Any]] = tomllib.loads(toml_text)["right"]
    lines = [
        "# The catalogue of right answers",
        "",
        _made_from(RIGHT_TOML),
        "",
        f"{len(entries)} correct implementations written the ways students really write them, each an edit of the",
        "reference solution. For every entry, `make zoo` (part of `make check`) proves that every step's suite",
        "passes and that the grader gives every step full marks and names no bug at all. How, and how to add",
        "an entry: [maintainers.md](maintainers.md#the-bug-zoo-and-the-red-team).",
        "",
        "| id | files | why it is right |",
        "|---|---|---|",
    ]
    for entry in entries:
        files = sorted({e["file"] for e in entry.get("edits", [])} | ({entry["file"]} if "file" in entry else set()))
        left = f"; leaves out {', '.join(f'`{f}`' for f in entry['omit'])}" if entry.get("omit") else ""
        shown = ", ".join(f"`{f}`" for f in files)
        lines.append(f"| `{entry['id']}` | {shown}{left} | {_cell(entry['concept'])} |")
    return "\n".join(lines) + "\n"


def _deserves(case: dict[str, Any]) -> str:
    if case.get("zero"):
        return "nothing"
    if case.get("deserves") == "reference":
        return "the reference's score"
    if case.get("deserves") == "stubs":
        return "the untouched stubs' score"
    if "at_most" in case:
        return "at most what its honest twin gets"
    if "like" in case:
        return "what its honest twin gets"
    raise ValueError(f"{REDTEAM_TOML.name}: case {case['id']!r} says nothing of what it deserves")


def _graded(case: dict[str, Any]) -> str:
    modes = set(case["modes"])
    if modes == {"sandbox"}:
        return "sandboxed only"
    names = {"sandbox": "sandboxed", "plain": "unsandboxed", "gradescope": "Gradescope, without bubblewrap"}
    return ", ".join(names[mode] for mode in ("sandbox", "plain", "gradescope") if mode in modes)


def redteam_page(toml_text: str) -> str:
    cases: list[dict[str, Any]] = tomllib.loads(toml_text)["case"]
    groups = _groups(toml_text, "case")
    counts = {mode: sum(1 for case in cases if mode in case["modes"]) for mode in ("sandbox", "plain", "gradescope")}
    lines = [
        "# The red team",
        "",
        _made_from(REDTEAM_TOML),
        "",
        f"{len(cases)} hostile or broken submissions, graded by `make redteam` (part of `make check`) on",
        f"every change to the grader: sandboxed ({counts['sandbox']}), unsandboxed (the {counts['plain']} that cannot",
        f"harm the machine) and through Gradescope's run_autograder without bubblewrap ({counts['gradescope']}).",
        "What a case deserves is never a number written down: it is the score of an honest equivalent graded",
        "in the same batch, step by step (its *honest twin* is the reference with the attack replaced by an",
        "honest edit, usually a plain error); lying values get at most that, rejected input nothing. The",
        "status column is a phrase the gradebook's status must contain. How the run proves the rest (nothing",
        "outside the grader's outputs changes, no process survives, the reference is out of reach):",
        "[maintainers.md](maintainers.md#the-bug-zoo-and-the-red-team).",
    ]
    order: list[str] = []
    for case in cases:
        if groups.get(case["id"], "") not in order:
            order.append(groups.get(case["id"], ""))
    for group in order:
        lines += ["", f"## {group}" if group else "## Other cases", ""]
        lines += ["| case | what it does | deserves | graded | status says |", "|---|---|---|---|---|"]
        for case in cases:
            if groups.get(case["id"], "") == group:
                status = _literal(case["status"]) if case.get("status") else ""
                lines.append(
                    f"| `{case['id']}` | {_cell(case['covers'])} | {_deserves(case)} | {_graded(case)} | {status} |"
                )
    return "\n".join(lines) + "\n"


LESSONS_BEGIN = "<!-- lessons: made by `make docs` from kata/lessons/stepN.md -->"
LESSONS_END = "<!-- end of lessons -->"


def lessons_block(manifest: Manifest) -> str:
    """Every step's lesson (kata/lessons/), under a heading of its own."""
    parts = [LESSONS_BEGIN, ""]
    for step in manifest.steps:
        bonus = " (bonus)" if step.bonus else ""
        parts += [f"### {step.number}. {step.title}{bonus}", "", lesson(step.number).strip(), ""]
    return "\n".join([*parts, LESSONS_END])


def _between(text: str, begin: str, end: str, block: str) -> str:
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"README.md has lost the markers:\n  {begin}\n  {end}")
    return text[:start] + block + text[stop + len(end) :]


def readme_text(current: str, manifest: Manifest) -> str:
    """README.md with its steps table and its lessons made anew from the manifest and kata/lessons/."""
    text = _between(current, readme.BEGIN, readme.END, readme.block(manifest))
    return _between(text, LESSONS_BEGIN, LESSONS_END, lessons_block(manifest))


@dataclass(frozen=True)
class Generated:
    path: Path
    make: Callable[[], str]  # the text the file should hold

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def generated(manifest: Manifest | None = None) -> list[Generated]:
    manifest = manifest or load()
    return [
        Generated(ZOO_PAGE, lambda: zoo_page(ZOO_TOML.read_text(encoding="utf-8"), manifest)),
        Generated(REDTEAM_PAGE, lambda: redteam_page(REDTEAM_TOML.read_text(encoding="utf-8"))),
        Generated(RIGHT_PAGE, lambda: right_page(RIGHT_TOML.read_text(encoding="utf-8"))),
        Generated(README, lambda: readme_text(README.read_text(encoding="utf-8"), manifest)),
    ]


def stale(manifest: Manifest | None = None) -> list[str]:
    """The generated files whose text is not what the data makes."""
    found = []
    for item in generated(manifest):
        current = item.path.read_text(encoding="utf-8") if item.path.exists() else None
        if current != item.make():
            found.append(item.name)
    return found


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    os.replace(temporary, path)


def write(manifest: Manifest | None = None) -> list[str]:
    """Write every generated file that changed; returns their names."""
    written = []
    for item in generated(manifest):
        text = item.make()
        if not item.path.exists() or item.path.read_text(encoding="utf-8") != text:
            _write(item.path, text)
            written.append(item.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for name in out_of_date:
            print(f"{name} is not what its data makes: run `make docs` (python -m tools.docs) and commit it")
        if not out_of_date:
            print(f"the generated documentation is up to date ({', '.join(g.name for g in generated())})")
        return 1 if out_of_date else 0
    written = write()
    print(f"wrote {', '.join(written)}" if written else "the generated documentation was already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
