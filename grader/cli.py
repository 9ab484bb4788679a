"""python -m grader [--out DIR] [--jobs N] [--seed S] [--timeout SEC] [--resume] [--] [SUBMISSION ...]
   python -m grader similarity DIR [--out OUT]   (see grader/similarity.py)

Grades every submission (a folder or a .zip/.tar.gz holding a micrograd/ package, or a notebook of
the nbgrader course in its stepN folder) and writes
    DIR/gradebook.csv                 one row per submission
    DIR/report.html                   the class at a glance, for the instructor
    DIR/<submission>/results.json     Gradescope's autograder format, one test per check
    DIR/<submission>/feedback.md      for the student
    DIR/<submission>/record.json      everything decided, for --resume and for re-rendering (instructor only)
With no submission given, it grades the bundled samples. An argument that looks like an option but
names an existing file or folder (a student's file named --no-sandbox, picked up by `grader *`) is
refused with a message: put submissions after `--` (grader --out grades -- *) or write ./NAME.
Exit status 0 when the batch completed, whatever the scores; 2 when it could not run (bad arguments,
output folder busy, no safe way to run student code); 130 when interrupted (Ctrl-C): the finished
submissions' records are kept, the gradebook lists the others as not graded, and running the same
command again with --resume finishes the batch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader import course as course_files
from grader import inert
from grader.course import Adjusted, Course, CourseError, Student, adjust, keep, match, settle
from grader.feedback_html import feedback_html
from grader.grading import Plan, StepOutcome, StepPlan, grade_steps, not_graded
from grader.lock import Busy, OutputLock
from grader.outputs import Pending, feedback_markdown, gradebook, results_json
from grader.progress import Progress, summary_table
from grader.records import (
    Record,
    grader_version,
    load_record,
    load_records,
    record_path,
    save_record,
    write_atomic,
)
from grader.report import report_html
from grader.sandbox import (
    STOP,
    Interrupted,
    Limits,
    Refused,
    Sandbox,
    build_harness,
    choose,
    enable_subreaper,
    hidden_folders,
    sweep_strays,
)
from grader.submissions import Stopped, Submission, display_name, prepare, safe_names
from kata.manifest import Manifest, load
from kata.paths import ROOT

DEFAULT_SEED = load().grading_seed  # kata.toml; differs from the public suites' seed; pick your own per course
GRADEBOOK = "gradebook.csv"
REPORT = "report.html"
SIMILARITY = "similarity.csv"  # python -m grader similarity ... --out DIR: the report links it
# no submission may be named like the output folder's own files (safe_names)
OUTPUT_FILES = frozenset(
    {GRADEBOOK, REPORT, SIMILARITY, course_files.SETTINGS, course_files.ROSTER, course_files.OVERRIDES}
)
INTERRUPTED = 130


@dataclass
class Batch:
    manifest: Manifest
    plan: Plan
    sandbox: Sandbox
    limits: Limits
    out: Path
    scratch: Path
    timeout: float | None
    resume: bool
    version: str
    steps: list[int] | None = None  # --steps
    notebook_step: int | None = None
    course: Course = field(default_factory=Course)  # roster, late policy, overrides (grader/course.py)

    def budget(self, step_number: int) -> float:
        return self.timeout if self.timeout else self.manifest.step(step_number).budget

    def steps_for(self, submission: Submission) -> list[StepPlan]:
        """The steps a submission is graded on (all, or a notebook's own step), with its own cases: drawn
        from the seed and salted with the submission's fingerprint."""
        plan = Plan.build(self.manifest, self.plan.seed, self.steps, salt=submission.fingerprint)
        return [p for p in plan.steps if submission.steps is None or p.step.number in submission.steps]


def option_like_files(argv: list[str]) -> list[str]:
    """The arguments that look like options and also name an existing file or folder, in a command line
    without `--`. A file named --no-sandbox where `grader *` runs must never switch the sandbox off, and
    nothing tells it from the option typed on purpose, so the grader refuses to guess. With `--`, the
    instructor has said which is which: before it options, after it paths."""
    if "--" in argv:
        return []
    return [a for a in argv if a.startswith("-") and a != "-" and os.path.lexists(a)]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("submissions", nargs="*", type=Path, help="folders, .zip/.tar.gz archives or notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: grades)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="draws the numbers of every check")
    parser.add_argument(
        "--timeout",
        type=float,
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
    parser.add_argument("--memory", type=int, default=1024, help="MiB of memory per submission (default 1024)")
    sandbox = parser.add_mutually_exclusive_group()
    sandbox.add_argument("--require-sandbox", action="store_true", help="refuse to grade without bubblewrap")
    sandbox.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap even if it works")
    parser.add_argument(
        "--steps",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="grade only these steps, e.g. 1,2,3",
    )
    parser.add_argument(
        "--notebook-step",
        type=int,
        default=None,
        help="the step notebook submissions are graded on (default: the stepN folder in each one's path)",
    )
    argv = sys.argv[1:] if argv is None else argv
    clashes = option_like_files(argv)
    if clashes:
        shown = ", ".join(inert.terminal(name) for name in clashes)
        parser.error(
            f"{shown}: looks like an option but names a file or folder here (a file named like an option never "
            "acts as one), so nothing was graded. To grade it, put the submissions after -- "
            f"(python -m grader --out grades -- *) or write ./{inert.terminal(clashes[0])}; to use the option, "
            "rename the file."
        )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["similarity"] and not Path("similarity").exists():
        from grader.similarity import main as similarity

        return similarity(argv[1:])
    args = parse(argv)
    try:
        return grade(args)
    except (Busy, Refused) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted before any submission was graded: nothing was written", file=sys.stderr)
        return INTERRUPTED


def grade(args: argparse.Namespace, check: Callable[[Sandbox], str] | None = None) -> int:
    """Grade the batch that args describe. `check`, given the chosen sandbox before any student code
    runs, returns why grading must not go ahead ('' if it may): Gradescope proves its secrets are out of
    the children's reach with it. Raises Busy or Refused when the batch cannot start."""
    manifest = load()
    STOP.clear()
    with OutputLock(args.out):
        return _run(args, manifest, check)


def _run(args: argparse.Namespace, manifest: Manifest, check: Callable[[Sandbox], str] | None) -> int:
    try:
        course, kept = settle(args.out, args.roster, args.due, args.late_penalty, args.overrides)
    except CourseError as error:
        raise Refused(f"{error}. Nothing was graded.") from None
    keep(args.out, course, args.roster, args.overrides)
    for line in kept:
        print(f"using {line}", file=sys.stderr)
    scratch = Path(tempfile.mkdtemp(prefix="grader-"))
    os.chmod(scratch, 0o711)  # children may reach their own job folder and the harness, not list the rest
    try:
        (scratch / "private").mkdir(mode=0o700)  # samples, unpacked archives, snapshots: the grader's only
        sources = list(args.submissions)
        if not sources:
            from grader.samples import build_samples  # maintainers' samples: needs kata/dev, not shipped

            sources = build_samples(scratch / "private" / "samples")
            print(
                f"no submission given: grading the {len(sources)} bundled samples "
                f"({', '.join(s.name for s in sources)})",
                file=sys.stderr,
            )
        harness = build_harness(scratch)
        hidden = hidden_folders(ROOT, args.out.absolute(), *(s.absolute().parent for s in sources))
        sandbox = choose(harness, scratch, not args.no_sandbox, args.require_sandbox, hidden)
        if not sandbox.isolated:
            _warn_unsandboxed(sandbox)
        if check is not None:
            problem = check(sandbox)
            if problem:
                raise Refused(problem)
        enable_subreaper()
        plan = Plan.build(manifest, args.seed, args.steps)
        batch = Batch(
            manifest,
            plan,
            sandbox,
            Limits(memory=args.memory * 1024 * 1024),
            args.out,
            scratch,
            args.timeout,
            args.resume,
            grader_version(),
            args.steps,
            args.notebook_step,
            course,
        )
        sources = _distinct(sources)
        earlier = load_records(args.out)
        names = safe_names(sources, OUTPUT_FILES, {r.source: r.submission for r in earlier.values()})
        _refuse_mixing(earlier, set(names), args.seed, batch.version, args.allow_mixed, args.out)
        _note_namesakes(earlier, sources, names)
        records, unfinished = _grade_all(batch, sources, names, args.jobs)
        merged: dict[str, Record] = {n: r for n, r in earlier.items() if n not in set(names)}
        merged.update(records)
        left = set(unfinished)
        pending = {n: Pending(n, display_name(s), os.path.abspath(s)) for s, n in zip(sources, names) if n in left}
        if len(merged) > len(records):
            print(
                f"merged into {args.out}: {len(records)} graded now, {len(merged) - len(records)} kept from earlier "
                f"batches; {args.out / GRADEBOOK} lists all {len(merged) + len(pending)}",
                file=sys.stderr,
            )
        _write_class(batch, course, merged, pending, args.seed, len(unfinished))
        if unfinished:
            print(
                f"interrupted: {len(records)} of {len(names)} submissions graded and kept; {args.out / GRADEBOOK} "
                f"lists the other {len(unfinished)} as not graded. Run the same command again with --resume "
                "to finish.",
                file=sys.stderr,
            )
            return INTERRUPTED
        print(summary_table([records[n] for n in names], [s.step.number for s in plan.steps]))
        print(
            f"\nwrote {args.out / GRADEBOOK}, {args.out / REPORT} and, per submission, results.json, feedback.md, "
            f"feedback.html and record.json (seed {args.seed}, grader {batch.version}; {sandbox.describe()})"
        )
        return 0
    finally:
        sweep_strays()
        shutil.rmtree(scratch, ignore_errors=True)


def _write_class(
    batch: Batch, course: Course, merged: dict[str, Record], pending: dict[str, Pending], seed: int, unfinished: int
) -> None:
    """The class's files, from every record of the output folder: each submission's feedback (again: the
    course's settings may have changed), the gradebook and the report; the roster's problems, loudly."""
    order = sorted([*merged, *pending], key=lambda n: (n.lower(), n))
    finished = [merged[n] for n in order if n in merged]
    matching = match(course.roster, [*finished, *_pending_records(pending)]) if course.roster else None
    student_of = matching.student_of if matching else {}
    adjusted = {r.submission: adjust(r, course, student_of.get(r.submission)) for r in finished}
    for record in finished:
        if (batch.out / record.submission / "feedback.md").is_file() or record.submission in pending:
            write_feedback(batch, record, adjusted[record.submission])
    for name, row in pending.items():
        row.student = student_of.get(name)
    rows: list[Adjusted | Pending | Student] = [adjusted.get(n) or pending[n] for n in order]
    missing: list[Student] = sorted(matching.missing, key=lambda s: s.id.lower()) if matching else []
    rows += missing
    write_atomic(batch.out / GRADEBOOK, gradebook(rows, batch.manifest, course))
    problems = matching.problems() if matching else []
    problems += [
        f"override {o.student} {o.target}: {r.record.display} has no such step or check"
        for r in adjusted.values()
        for o in r.unknown
    ]
    used = {id(o) for r in adjusted.values() for o in [*(a for a, _ in r.overrides), *r.unknown]}
    unused = [o for o in course.overrides if id(o) not in used]
    problems += [f"override {o.student} {o.target}: no submission of that student in {batch.out}" for o in unused]
    seeds = sorted({r.seed for r in finished} | {seed})
    write_atomic(
        batch.out / REPORT,
        report_html(
            finished,
            batch.manifest,
            ", ".join(map(str, seeds)),
            batch.version,
            batch.sandbox.isolated,
            unfinished,
            adjusted=adjusted,
            warnings=problems,
            course=course,
            similarity=SIMILARITY if (batch.out / SIMILARITY).is_file() else "",
        ),
    )
    if problems:
        print("\n" + "!" * 78, file=sys.stderr)
        for line in problems:
            print(f"ROSTER / OVERRIDES: {inert.terminal(line)}", file=sys.stderr)
        print("!" * 78, file=sys.stderr)


def _pending_records(pending: dict[str, Pending]) -> list[Record]:
    """Stand-ins for submissions not graded yet, so the roster can still be matched against them."""
    return [Record(p.submission, p.source, "", 0, "", False, "", name=p.name) for p in pending.values()]


def _note_namesakes(earlier: dict[str, Record], sources: list[Path], names: list[str]) -> None:
    """Say so when a submission is named like one already graded from another path: it gets a row of its
    own (it may be another student); to regrade the same student, give the path graded before."""
    by_name: dict[str, list[Record]] = {}
    for record in earlier.values():
        by_name.setdefault(record.display.casefold(), []).append(record)
    for source, name in zip(sources, names):
        if name in earlier:
            continue
        for other in by_name.get(display_name(source).casefold(), []):
            print(
                f"note: {inert.terminal(source)} is named like {inert.terminal(other.submission)}, graded before from "
                f"{inert.terminal(other.source)}: it gets a row of its own ({inert.terminal(name)}). To regrade that "
                "submission instead, give the path it was graded from.",
                file=sys.stderr,
            )


def _distinct(sources: list[Path]) -> list[Path]:
    """The sources, each path once (a submission given twice is graded once, in one row)."""
    seen: set[str] = set()
    kept = []
    for source in sources:
        path = os.path.abspath(source)
        if path in seen:
            print(f"note: {inert.terminal(source)} was given twice: graded once", file=sys.stderr)
            continue
        seen.add(path)
        kept.append(source)
    return kept


def _refuse_mixing(
    earlier: dict[str, Record], names: set[str], seed: int, version: str, allowed: bool, out: Path
) -> None:
    """A regrade of some students merges into the class's gradebook; refuse (unless allowed) when the
    submissions it keeps were graded under another seed or grader: one gradebook, one yardstick."""
    kept = [r for n, r in earlier.items() if n not in names]
    seeds = sorted({r.seed for r in kept if r.seed != seed})
    versions = sorted({r.grader_version for r in kept if r.grader_version != version})
    if allowed or not (seeds or versions):
        return
    differ = []
    if seeds:
        differ.append(f"seed {', '.join(map(str, seeds))} (this batch: {seed})")
    if versions:
        differ.append(f"grader {', '.join(versions)} (this one: {version})")
    count = sum(1 for r in kept if r.seed != seed or r.grader_version != version)
    raise Refused(
        f"{out} already holds {count} submission(s) graded under {' and '.join(differ)}, which this batch does "
        "not regrade, and the gradebook is rebuilt from every record in it. Nothing was graded. Use the same "
        f"--seed (and grader), regrade the whole class into {out}, grade into another --out, or pass "
        "--allow-mixed to merge anyway (the gradebook's seed and grader_version columns tell them apart)."
    )


def _warn_unsandboxed(sandbox: Sandbox) -> None:
    if sandbox.uids:
        rights = (
            "Student code runs as an unprivileged uid of its own per child (never as root): it cannot write\n"
            "your files or another student's, but it can read whatever every user may read (a reference\n"
            "solution in a world-readable folder included) and use the network."
        )
    else:
        rights = (
            "Student code runs with this user's rights: it can read your files (the reference solution\n"
            "included), use the network, write wherever you can, and touch the other children's folders."
        )
    print(
        "\n" + "!" * 78 + "\n"
        f"WARNING: grading WITHOUT a sandbox: {sandbox.why_not}.\n"
        f"{rights}\nResource limits and timeouts still apply. Install bubblewrap (Debian/Ubuntu: apt install\n"
        "bubblewrap) to isolate it.\n" + "!" * 78 + "\n",
        file=sys.stderr,
    )


def _grade_all(batch: Batch, sources: list[Path], names: list[str], jobs: int) -> tuple[dict[str, Record], list[str]]:
    """Every submission's record, by name, and the names left unfinished by an interruption (Ctrl-C)."""
    progress = Progress(len(sources))
    records: dict[str, Record] = {}
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {}
    try:
        for source, name in zip(sources, names):
            futures[pool.submit(grade_one, batch, source, name)] = name
        for future in as_completed(futures):
            record, resumed = future.result()
            records[futures[future]] = record
            progress.update(record, resumed)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the wind-down below is short: let it finish
        STOP.set()  # every running child is killed within a fraction of a second
        pool.shutdown(wait=True, cancel_futures=True)
        for future, name in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                records.setdefault(name, future.result()[0])
        progress.close()
    else:
        pool.shutdown(wait=True)
    return records, [name for name in names if name not in records]


def grade_one(batch: Batch, source: Path, name: str) -> tuple[Record, bool]:
    """Grade one submission and write its outputs. Never raises for anything a submission does (a
    grader bug becomes the status, with feedback that says so); only Interrupted/Stopped, on Ctrl-C."""
    started = time.monotonic()
    try:
        submission = prepare(source, name, batch.scratch / "private", batch.notebook_step, STOP)
        if batch.resume:
            previous = load_record(record_path(batch.out, name))
            if previous and _reusable(previous, submission, batch):
                return previous, True
        steps = _grade_steps(batch, submission)
        status = submission.problem or next((s.problem for s in steps if s.problem), "") or "ok"
        record = Record(
            name,
            os.path.abspath(source),
            submission.fingerprint,
            batch.plan.seed,
            batch.version,
            batch.sandbox.isolated,
            status,
            submission.notes,
            steps,
            time.monotonic() - started,
            name=display_name(source),
            graded_at=_now(),
            submitted_at=_iso(submission.submitted_at),
        )
        _write_outputs(batch, record)
        return record, False
    except (Interrupted, Stopped):
        raise
    except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
        trace = traceback.format_exc()
        print(f"\ninternal grader error on {name}:\n{inert.terminal_lines(trace)}", file=sys.stderr)
        status = f"internal grader error: {type(error).__name__} (a bug in the grader, not a verdict on this code)"
        steps = [not_graded(plan, status) for plan in batch.plan.steps]
        record = Record(
            name,
            os.path.abspath(source),
            "",
            batch.plan.seed,
            batch.version,
            batch.sandbox.isolated,
            status,
            [],
            steps,
            time.monotonic() - started,
            complete=False,  # --resume grades it again
            name=display_name(source),
            graded_at=_now(),
        )
        try:
            _write_outputs(batch, record)
        except Exception:  # noqa: BLE001 - the gradebook still gets its row
            print(f"could not write the outputs of {name} either", file=sys.stderr)
        return record, False


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(seconds: float | None) -> str:
    return "" if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_feedback(batch: Batch, record: Record, adjusted: Adjusted | None = None) -> None:
    """The student's feedback, with the course's late policy and overrides applied."""
    if adjusted is None:
        roster = batch.course.roster
        student = next((s for s in roster.students if s.matches(record)), None) if roster else None
        adjusted = adjust(record, batch.course, student)
    folder = batch.out / record.submission
    write_atomic(folder / "feedback.html", feedback_html(record, batch.manifest, adjusted))
    write_atomic(folder / "feedback.md", feedback_markdown(record, batch.manifest, adjusted))


def _write_outputs(batch: Batch, record: Record) -> None:
    write_atomic(batch.out / record.submission / "results.json", json.dumps(results_json(record), indent=1) + "\n")
    write_feedback(batch, record)
    save_record(batch.out, record)  # last: its presence (complete) says the outputs above are whole


def _reusable(previous: Record, submission: Submission, batch: Batch) -> bool:
    folder = batch.out / previous.submission
    return (
        previous.fingerprint == submission.fingerprint
        and previous.seed == batch.plan.seed
        and previous.grader_version == batch.version
        and previous.sandboxed == batch.sandbox.isolated
        and [s.number for s in previous.steps] == [p.step.number for p in batch.steps_for(submission)]
        and (folder / "results.json").is_file()
        and (folder / "feedback.md").is_file()
    )


def _grade_steps(batch: Batch, submission: Submission) -> list[StepOutcome]:
    plans = batch.steps_for(submission)
    if submission.package is None:
        return [not_graded(plan, submission.problem) for plan in plans]
    return grade_steps(plans, submission.package, batch.sandbox, batch.limits, batch.budget, batch.scratch)
