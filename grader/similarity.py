"""python -m grader similarity DIR: which submissions are nearly the same code (for the instructor only).

Every submission's package is reduced to the shape of its code: Python tokens with every name turned
into N, every number into 0 and every string into S, comments and layout dropped. Its fingerprint is
the set of runs of K consecutive tokens, minus every run that the untouched stubs already contain
(docstrings, signatures and scaffolding are the same for everyone, and prove nothing). Two
submissions are compared by how much of the smaller one's runs the other contains (contained: 100%
for a copy, also a partial one) and by the share of all their runs they have in common (similar);
each one is also compared with the reference. Renaming variables, rewording comments or
reformatting changes nothing; writing the code yourself changes almost everything.

It writes DIR's ranking to OUT/similarity.csv and prints the top of it. It never changes a score:
a high similarity is a reason to read two submissions side by side, not a verdict.
"""

from __future__ import annotations

import csv
import io
import keyword
import tempfile
import tokenize
from itertools import combinations
from pathlib import Path

from grader.submissions import ARCHIVE_SUFFIXES, prepare, safe_names
from kata.dev import exercises as generator
from kata.manifest import load
from kata.paths import PACKAGE, SOLUTIONS

K = 12  # tokens per run: long enough that runs are distinctive, short enough to survive small edits
SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


def shape(source: str) -> list[str]:
    """The token shapes of a Python source: names -> N, numbers -> 0, strings -> S, no comments or layout."""
    shapes = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in SKIPPED:
                continue
            if token.type == tokenize.NAME:
                shapes.append(token.string if keyword.iskeyword(token.string) else "N")
            elif token.type == tokenize.NUMBER:
                shapes.append("0")
            elif token.type == tokenize.STRING:
                shapes.append("S")
            else:
                shapes.append(token.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # a file that does not tokenise to the end still has a shape up to there
    return shapes


def runs(shapes: list[str], k: int = K) -> set[int]:
    return {hash(tuple(shapes[i : i + k])) for i in range(len(shapes) - k + 1)}


def fingerprint(files: dict[str, str], template: set[int]) -> set[int]:
    """The runs of a package's own code: every file's runs, minus those of the stubs."""
    found: set[int] = set()
    for name in sorted(files):
        found |= runs(shape(files[name]))
    return found - template


def package_files(package: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(package.glob("*.py"))}


def jaccard(a: set[int], b: set[int]) -> float:
    """Shared runs over all runs of either: 1.0 for the same code."""
    return len(a & b) / len(a | b) if a and b else 0.0


def containment(a: set[int], b: set[int]) -> float:
    """How much of the smaller one is in the other: 1.0 when one copied all of its code from the other,
    even if that other went on to do more (a half-finished copy of a finished submission)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


Row = tuple[str, str, float, float, int]


def rank(fingerprints: dict[str, set[int]], reference: set[int]) -> list[Row]:
    """(first, second, contained, similarity, runs in common), most contained first; second may be
    '(reference)'."""
    pairs = [(a, b, fingerprints[a], fingerprints[b]) for a, b in combinations(sorted(fingerprints), 2)]
    pairs += [(a, "(reference)", fingerprints[a], reference) for a in sorted(fingerprints)]
    rows = [(a, b, containment(x, y), jaccard(x, y), len(x & y)) for a, b, x, y in pairs]
    return sorted(rows, key=lambda row: (-row[2], -row[3], row[0], row[1]))


def _names(sources: list[Path], out: Path) -> list[str]:
    """The submissions' ids as the grader names them in the same output folder (its gradebook's rows)."""
    from grader.batch import OUTPUT_FILES
    from grader.records import load_records

    known = {r.source: r.submission for r in load_records(out).values()}
    return safe_names(sources, OUTPUT_FILES, known)


def rank_folder(folder: Path, out: Path, top: int = 15) -> int:
    """Rank the submissions that are `folder`'s entries (folders and archives), write out/similarity.csv and
    print the top `top` rows (python -m grader similarity; its arguments are read in grader/cli.py)."""
    manifest = load()
    template = set().union(*(runs(shape(text)) for text in generator.build(SOLUTIONS / PACKAGE, manifest).values()))
    reference = fingerprint(package_files(SOLUTIONS / PACKAGE), template)
    sources = sorted(p for p in folder.iterdir() if p.is_dir() or p.name.lower().endswith(ARCHIVE_SUFFIXES))
    fingerprints, empty = {}, []
    with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
        for source, name in zip(sources, _names(sources, out)):
            submission = prepare(source, name, Path(scratch))
            if submission.package is None:
                continue
            found = fingerprint(package_files(submission.package), template)
            if found:
                fingerprints[name] = found
            else:
                empty.append(name)
    rows = rank(fingerprints, reference)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first", "second", "contained", "similarity", "runs_in_common"])
        writer.writerows((a, b, f"{c:.3f}", f"{s:.3f}", n) for a, b, c, s, n in rows)
    print(
        f"{len(fingerprints)} submissions with code of their own"
        + (f" ({len(empty)} without any: {', '.join(empty)})" if empty else "")
    )
    print(f"{'first':<24} {'second':<24} {'contained':>9} {'similar':>8} {'common':>7}")
    for a, b, contained, similarity, common in rows[:top]:
        print(f"{a:<24} {b:<24} {contained:>9.0%} {similarity:>8.0%} {common:>7}")
    print(f"\nthe whole ranking: {out / 'similarity.csv'} (for the instructor only: it never changes a score)")
    return 0
