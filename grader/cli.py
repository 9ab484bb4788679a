"""python -m grader COMMAND ...: the instructors' one command (python -m grader --help lists the commands).

    python -m grader grade [OPTIONS] [--] [SUBMISSION ...]   grade a class (grader/batch.py)
    python -m grader similarity FOLDER [--out DIR]          which submissions are nearly the same code
    python -m grader gradescope --seed S [...]              build the Gradescope autograder zip
    python -m grader autograder [--root /autograder]        what that zip's run_autograder runs, on Gradescope
    python -m grader notebooks --seed S [--course DIR]      build the nbgrader course's notebooks

The first word is always a command. The spelling from before the commands, `python -m grader [OPTIONS]
SUBMISSION ...`, still grades, with a note on stderr that says the new one. A submission named like a
command is reachable after `--` (python -m grader grade -- similarity) or as ./similarity; a first word
that is both a command that takes paths (grade, similarity) and a file or folder here, with no `--`
anywhere (what `python -m grader *` makes of a student named `grade`), is refused rather than guessed.

Exit status of grade: 0 when the batch completed, whatever the scores; 2 when it could not run (bad
arguments, output folder busy, no safe way to run student code); 130 when interrupted (Ctrl-C): the
finished submissions' records are kept, the gradebook lists the others as not graded, and the same
command again with --resume finishes the batch.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader import inert

INTERRUPTED = 130
PROG = "python -m grader"


def option_like_files(argv: list[str]) -> list[str]:
    """The arguments that look like options and also name an existing file or folder, in a command line
    without `--`. A file named --no-sandbox where `grader *` runs must never switch the sandbox off, and
    nothing tells it from the option typed on purpose, so the grader refuses to guess. With `--`, the
    instructor has said which is which: before it options, after it paths."""
    if "--" in argv:
        return []
    return [a for a in argv if a.startswith("-") and a != "-" and os.path.lexists(a)]


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    return parse


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _steps(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a comma-separated list of step numbers (e.g. 1,2,3), not {text}") from None


# ---- The commands -----------------------------------------------------------------------------------------


def _grade_arguments(parser: argparse.ArgumentParser) -> None:
    from grader.batch import DEFAULT_SEED
    from kata.paths import PACKAGE

    parser.add_argument(
        "submissions",
        nargs="*",
        type=Path,
        help=f"folders or .zip/.tar.gz archives holding a {PACKAGE}/ package (or its loose files), or notebooks: "
        "one per student (none: the bundled samples). A "
        "single folder that holds a class (several of its entries hold a package, it has none of its own) "
        "is graded entry by entry",
    )
    parser.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades)")
    parser.add_argument(
        "--jobs", type=_at_least_one, default=os.cpu_count() or 1, help="submissions graded at once (default: cores)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"draws the numbers of every check (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--timeout",
        type=_positive(float),
        default=None,
        help="seconds one check may run (default: the step's budget in kata.toml)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the records of submissions already graded from the same files, seed and grader",
    )
    parser.add_argument(
        "--allow-mixed",
        action="store_true",
        help="merge into an output folder whose other submissions were graded under another seed or grader",
    )
    course = parser.add_argument_group("the course (grader/course.py; kept in the output folder for regrades)")
    course.add_argument("--roster", type=Path, default=None, help="CSV: id,name,email,submission[,due][,submitted_at]")
    course.add_argument("--due", default=None, help="the due date, ISO 8601 (e.g. 2026-12-01T23:59+01:00)")
    course.add_argument("--late-penalty", default=None, help='e.g. "10%%/day", "2%%/hour", "10%%/day max 50%%"')
    course.add_argument("--overrides", type=Path, default=None, help="CSV: student,target,points,comment")
    parser.add_argument(
        "--memory", type=_at_least_one, default=1024, help="MiB of memory per submission (default 1024)"
    )
    sandbox = parser.add_mutually_exclusive_group()
    sandbox.add_argument("--require-sandbox", action="store_true", help="refuse to grade without bubblewrap")
    sandbox.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap even if it works")
    parser.add_argument("--steps", type=_steps, default=None, help="grade only these steps, e.g. 1,2,3")
    parser.add_argument(
        "--notebook-step",
        type=int,
        default=None,
        help="the step notebook submissions are graded on (default: the stepN folder in each one's path)",
    )


def _grade(args: argparse.Namespace) -> int:
    from grader.batch import GRADEBOOK, REPORT, BatchResult, grade_batch
    from grader.lock import Busy
    from grader.progress import summary_table
    from grader.sandbox import Refused

    sources: list[Path] = list(args.submissions)
    samples: Path | None = None
    try:
        if not sources:
            from grader.samples import build_samples  # maintainers' samples: needs kata/dev, not shipped

            samples = Path(tempfile.mkdtemp(prefix="grader-samples-"))  # 0700: the grader's only
            sources = build_samples(samples)
            print(
                f"no submission given: grading the {len(sources)} bundled samples "
                f"({', '.join(s.name for s in sources)})",
                file=sys.stderr,
            )
        else:
            sources = class_entries(sources)
        result: BatchResult = grade_batch(
            sources,
            out=args.out,
            seed=args.seed,
            jobs=args.jobs,
            timeout=args.timeout,
            resume=args.resume,
            allow_mixed=args.allow_mixed,
            steps=args.steps,
            notebook_step=args.notebook_step,
            memory_mib=args.memory,
            sandbox="require" if args.require_sandbox else "off" if args.no_sandbox else "auto",
            roster=args.roster,
            due=args.due,
            late_penalty=args.late_penalty,
            overrides=args.overrides,
        )
    except (Busy, Refused) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted before any submission was graded: nothing was written", file=sys.stderr)
        return INTERRUPTED
    finally:
        if samples is not None:
            shutil.rmtree(samples, ignore_errors=True)
    graded, listed = len(result.graded), len(result.records) + len(result.pending)
    if result.kept:
        print(
            f"merged into {args.out}: {graded} graded now, {result.kept} kept from earlier batches; "
            f"{args.out / GRADEBOOK} lists all {listed}",
            file=sys.stderr,
        )
    if result.pending:
        print(
            f"interrupted: {graded} of {len(result.names)} submissions graded and kept; {args.out / GRADEBOOK} "
            f"lists the other {len(result.pending)} as not graded. Run the same command again with --resume "
            "to finish.",
            file=sys.stderr,
        )
        return INTERRUPTED
    print(summary_table(result.graded, result.steps))
    print(
        f"\nwrote {args.out / GRADEBOOK}, {args.out / REPORT} and, per submission, results.json, feedback.md, "
        f"feedback.html and record.json (seed {result.seed}, grader {result.version}; {result.sandbox})"
    )
    return 0


def class_entries(sources: list[Path]) -> list[Path]:
    """The submissions meant by what was typed: when every path given is a folder that holds a class rather
    than one submission (grader/submissions.py, class_folder), each one's entries; otherwise the paths as
    given (a student's folder with two copies of the package among other students' stays one submission,
    and its feedback names both)."""
    from grader.submissions import class_folder, holds_submission

    found = [class_folder(source) for source in sources]
    if not all(entries is not None for entries in found):
        return sources
    expanded: list[Path] = []
    for source, entries in zip(sources, found):
        assert entries is not None
        kept, skipped = entries
        typed = str(source).rstrip("/") or "/"
        shown = inert.terminal(typed)
        holding = sum(1 for path in kept if holds_submission(path))
        skipped_text = ", ".join(inert.terminal(p.name) for p in skipped)
        print(
            f"note: {shown} holds a class, not one submission ({holding} of its entries hold a package; it has "
            f"none of its own): grading each of its {len(kept)} folders and archives as its own submission, as "
            f"`{PROG} grade {shlex.quote(typed)}/*` would."
            + (f" Skipped: {skipped_text} (not a folder or an archive)." if skipped else "")
            + f" To grade {shown} as one submission, give the folder of its package.",
            file=sys.stderr,
        )
        expanded += kept
    return expanded


def _similarity_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="a folder whose entries are submissions (folders or archives)")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where similarity.csv goes (default: grades)")
    parser.add_argument("--top", type=int, default=15, help="rows of the ranking to print (default 15)")


def _similarity(args: argparse.Namespace) -> int:
    from grader.similarity import rank_folder

    if not args.folder.is_dir():
        print(f"error: {inert.terminal(args.folder)} is not a folder of submissions", file=sys.stderr)
        return 2
    return rank_folder(args.folder, args.out, args.top)


def _gradescope_arguments(parser: argparse.ArgumentParser) -> None:
    from grader.outputs import DETAILS, VISIBILITIES

    parser.add_argument("--out", type=Path, default=Path("build/gradescope"), help="default: build/gradescope")
    parser.add_argument(
        "--seed", type=int, default=None, help="the grading seed (required): pick your own, keep it private"
    )
    parser.add_argument(
        "--timeout", type=_positive(float), default=None, help="seconds per check (default: kata.toml's)"
    )
    parser.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default="visible",
        help="when students see each test (its case, expected value and output); the total score is always shown",
    )
    parser.add_argument(
        "--details",
        choices=DETAILS,
        default="full",
        help="full: a failing test shows its case, expected and got; brief: only the likely bug",
    )


def _gradescope(args: argparse.Namespace) -> int:
    from grader import seeds
    from grader.packaging import build_gradescope

    refused = seeds.problem(args.seed, "the Gradescope autograder", "SEED=... (make gradescope) or --seed ...")
    if refused:
        print(f"{PROG} gradescope: error: {refused}", file=sys.stderr)
        return 2
    archive = build_gradescope(args.out, args.seed, args.timeout, args.visibility, args.details)
    print(
        f"wrote {archive} (seed {args.seed}; tests {args.visibility}, {args.details} details): upload it as the "
        "autograder of a Gradescope programming assignment"
    )
    return 0


def _autograder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")),
        help="the autograder's tree (default: $AUTOGRADER_ROOT, else /autograder)",
    )


def _autograder(args: argparse.Namespace) -> int:
    from grader.gradescope import run

    return run(args.root)


def _notebooks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=Path, default=Path("nbgrader"), help="the course folder (default: nbgrader)")
    parser.add_argument("--seed", type=int, default=None, help="the hidden tests' seed (required): pick your own")


def _notebooks(args: argparse.Namespace) -> int:
    from grader import seeds

    refused = seeds.problem(args.seed, "the nbgrader course's hidden tests", "SEED=... (make notebooks) or --seed ...")
    if refused:
        print(f"{PROG} notebooks: error: {refused}", file=sys.stderr)
        return 2
    from grader.notebooks import build  # needs nbformat (requirements/instructor.txt)

    written = build(args.course, args.seed)
    print(f"wrote {len(written)} notebooks under {args.course / 'source'} (hidden tests: seed {args.seed})")
    return 0


Arguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

# name -> (one line for --help, its arguments, what it runs). Each command imports what it needs when it
# runs, so --help is quick and the Gradescope zip (no kata/dev, no nbformat) runs the commands it ships for.
COMMANDS: dict[str, tuple[str, Arguments, Run]] = {
    "grade": (
        "grade submissions: gradebook, class report, feedback",
        _grade_arguments,
        _grade,
    ),
    "similarity": (
        "rank which submissions are nearly the same code",
        _similarity_arguments,
        _similarity,
    ),
    "gradescope": (
        "build the Gradescope autograder zip (needs --seed)",
        _gradescope_arguments,
        _gradescope,
    ),
    "autograder": (
        "what that zip runs on Gradescope, per submission",
        _autograder_arguments,
        _autograder,
    ),
    "notebooks": (
        "build the nbgrader course's notebooks (needs --seed)",
        _notebooks_arguments,
        _notebooks,
    ),
}


# The commands whose other words may be paths: after `python -m grader *` made a student named like one of
# them its first word, it would run on the others. The rest take no path, so such a line fails to parse.
TAKE_PATHS = frozenset({"grade", "similarity"})


def parser() -> argparse.ArgumentParser:
    width = max(map(len, COMMANDS)) + 2
    listed = "\n".join(f"  {name:<{width}}{summary}" for name, (summary, _, _) in COMMANDS.items())
    top = argparse.ArgumentParser(
        prog=PROG,
        description="The micrograd kata's grader, for course staff (guide: docs/instructors.md).\n\n"
        f"commands:\n{listed}",
        usage=f"{PROG} COMMAND ...",
        epilog=f"{PROG} COMMAND --help says what each command takes. The spelling from before\n"
        f"the commands, {PROG} [OPTIONS] SUBMISSION ..., still grades (and says so).\n"
        f"A submission named like a command: {PROG} grade -- NAME (or ./NAME).",
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True, help=argparse.SUPPRESS)
    for name, (summary, arguments, run) in COMMANDS.items():
        sub = commands.add_parser(name, prog=f"{PROG} {name}", description=summary, allow_abbrev=False)
        arguments(sub)
        sub.set_defaults(run=run)
    return top


def parse(argv: list[str]) -> argparse.Namespace:
    """argv, a command first, as the commands read it; exits (status 2) with a message when it cannot be
    read: a typo for a command, an argument that looks like an option but names a file here."""
    top = parser()
    clashes = option_like_files(argv)
    if clashes:
        shown = ", ".join(inert.terminal(name) for name in clashes)
        top.error(
            f"{shown}: looks like an option but names a file or folder here (a file named like an option never "
            "acts as one), so nothing was done. To grade it, put the submissions after -- "
            f"({PROG} grade --out grades -- *) or write ./{inert.terminal(clashes[0])}; to use the option, "
            "rename the file."
        )
    return top.parse_args(argv)


def resolve(argv: list[str]) -> list[str] | str:
    """The command line with its command first, or why it cannot be read. A first word that is a command is
    that command (unless it also names a file or folder here and no `--` says which is which); any other
    first word that names a file or folder, or an option, is the spelling from before the commands: grade."""
    if not argv:
        return (
            f"which command? {', '.join(COMMANDS)} ({PROG} --help says what each does; "
            f"{PROG} grade grades the bundled samples)"
        )
    first = argv[0]
    if first in ("-h", "--help"):
        return argv
    if first in COMMANDS:
        if first in TAKE_PATHS and os.path.lexists(first) and "--" not in argv:
            return (
                f"{first} is a command and also names a file or folder here, so nothing was done. To run the "
                f"command, put its options first and -- before its paths ({PROG} {first} [OPTIONS] -- PATH ...); "
                f"to grade {first} as a submission, write {PROG} grade [OPTIONS] -- {first} ... (or ./{first})"
            )
        return argv
    if first.startswith("-") or os.path.lexists(first):
        print(
            f"note: `{PROG} [OPTIONS] SUBMISSION ...` is now `{PROG} grade [OPTIONS] SUBMISSION ...`: "
            "grading as before",
            file=sys.stderr,
        )
        return ["grade", *argv]
    close = difflib.get_close_matches(first, COMMANDS, n=1)
    hint = f"Did you mean {PROG} {close[0]}? " if close else ""
    return (
        f"{inert.terminal(first)} is neither a command nor a file or folder here. {hint}The commands: "
        f"{', '.join(COMMANDS)} ({PROG} --help)"
    )


def main(argv: list[str] | None = None) -> int:
    resolved = resolve(list(sys.argv[1:] if argv is None else argv))
    if isinstance(resolved, str):
        print(parser().format_usage() + f"{PROG}: error: {resolved}", file=sys.stderr)
        return 2
    args = parse(resolved)
    run: Run = args.run
    return run(args)


def moved(old: str, argv: list[str]) -> int:
    """The old entry points (python -m grader.packaging gradescope, ...): say the new spelling, then run it."""
    print(f"note: `{old}` is now `{PROG} {shlex.join(argv[:1])}`: running that", file=sys.stderr)
    return main(argv)
