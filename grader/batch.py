"""Grading a batch of submissions, in process: `grade_batch`, what `python -m grader grade` and the Gradescope
entry point (grader/gradescope.py) both call.

Every submission (a folder or a .zip/.tar.gz holding a micrograd/ package, or a notebook of the nbgrader
course in its stepN folder) is graded, and the output folder gets
    OUT/gradebook.csv                 one row per submission
    OUT/report.html                   the class at a glance, for the instructor
    OUT/<submission>/results.json     Gradescope's autograder format, one test per check
    OUT/<submission>/feedback.md      for the student (and feedback.html)
    OUT/<submission>/record.json      everything decided, for resume and for re-rendering (instructor only)
The gradebook is rebuilt from every record in OUT, so a regrade of a few students merges into the class.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from grader import course as course_files
from grader import inert
from grader.course import Adjusted, Course, CourseError, Student, adjust, keep, match, settle
from grader.feedback_html import feedback_html
from grader.grading import Plan, StepOutcome, StepPlan, grade_steps, not_graded
from grader.lock import OutputLock
from grader.outputs import Pending, feedback_markdown, gradebook, results_json
from grader.progress import Progress
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

SandboxUse = Literal["auto", "require", "off"]  # bubblewrap if it works / or refuse to grade / never
SandboxCheck = Callable[[Sandbox], str]  # given the chosen sandbox before any student code runs: why not to grade


@dataclass(frozen=True)
class BatchResult:
    """What the output folder's gradebook holds once the batch ended."""

    out: Path
    seed: int
    version: str  # the grader's
    sandbox: str  # how the children ran, in words
    names: list[str]  # this batch's submissions, in the order given: each one's folder in out and gradebook id
    records: dict[str, Record]  # every finished record of the gradebook, by name: this batch's and earlier ones
    pending: list[str]  # this batch's submissions left unfinished by an interruption (Ctrl-C): rows "not graded"
    steps: list[int]  # the steps this batch graded

    @property
    def graded(self) -> list[Record]:
        """This batch's finished records, in the order the submissions were given."""
        return [self.records[n] for n in self.names if n in self.records]

    @property
    def kept(self) -> int:
        """How many of the gradebook's records come from earlier batches into the same folder."""
        return len(set(self.records) - set(self.names))


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


def grade_batch(
    submissions: Sequence[Path],
    *,
    out: Path,
    seed: int = DEFAULT_SEED,
    jobs: int = 1,
    timeout: float | None = None,
    resume: bool = False,
    allow_mixed: bool = False,
    steps: list[int] | None = None,
    notebook_step: int | None = None,
    memory_mib: int = 1024,
    sandbox: SandboxUse = "auto",
    roster: Path | None = None,
    due: str | None = None,
    late_penalty: str | None = None,
    overrides: Path | None = None,
    check: SandboxCheck | None = None,
) -> BatchResult:
    """Grade these submissions (each path one submission, as given) into `out` and rewrite its gradebook,
    report and feedback. `timeout`: seconds per check (None: each step's budget in kata.toml); `resume`:
    keep the records of submissions already graded from the same files, seed and grader; `allow_mixed`:
    merge into a folder graded under another seed or grader; roster, due, late_penalty and overrides: the
    course (grader/course.py), kept in `out` for regrades; `check`: see SandboxCheck (Gradescope proves
    its secrets are out of the children's reach with it).

    Raises Busy (another grader writes to `out`) or Refused (no safe way to run student code, a course
    file that does not parse, a merge of mixed yardsticks) before grading anything; KeyboardInterrupt
    when interrupted before any submission finished. An interruption later returns, with `pending` set."""
    if not submissions:
        raise ValueError("grade_batch needs at least one submission")
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    manifest = load()
    STOP.clear()
    with OutputLock(out):
        try:
            course, kept = settle(out, roster, due, late_penalty, overrides)
        except CourseError as error:
            raise Refused(f"{error}. Nothing was graded.") from None
        keep(out, course, roster, overrides)
        for line in kept:
            print(f"using {line}", file=sys.stderr)
        scratch = Path(tempfile.mkdtemp(prefix="grader-"))
        os.chmod(scratch, 0o711)  # children may reach their own job folder and the harness, not list the rest
        try:
            (scratch / "private").mkdir(mode=0o700)  # unpacked archives, snapshots: the grader's only
            harness = build_harness(scratch)
            hidden = hidden_folders(ROOT, out.absolute(), *(Path(s).absolute().parent for s in submissions))
            chosen = choose(harness, scratch, sandbox != "off", sandbox == "require", hidden)
            if not chosen.isolated:
                _warn_unsandboxed(chosen)
            if check is not None:
                problem = check(chosen)
                if problem:
                    raise Refused(problem)
            enable_subreaper()
            plan = Plan.build(manifest, seed, steps)
            batch = Batch(
                manifest,
                plan,
                chosen,
                Limits(memory=memory_mib * 1024 * 1024),
                out,
                scratch,
                timeout,
                resume,
                grader_version(),
                steps,
                notebook_step,
                course,
            )
            sources = _distinct([Path(s) for s in submissions])
            earlier = load_records(out)
            names = safe_names(sources, OUTPUT_FILES, {r.source: r.submission for r in earlier.values()})
            _refuse_mixing(earlier, set(names), seed, batch.version, allow_mixed, out)
            _note_namesakes(earlier, sources, names)
            records, unfinished = _grade_all(batch, sources, names, jobs)
            merged: dict[str, Record] = {n: r for n, r in earlier.items() if n not in set(names)}
            merged.update(records)
            left = set(unfinished)
            pending = {n: Pending(n, display_name(s), os.path.abspath(s)) for s, n in zip(sources, names) if n in left}
            _write_class(batch, course, merged, pending, seed, len(unfinished))
            return BatchResult(
                out,
                seed,
                batch.version,
                chosen.describe(),
                names,
                merged,
                unfinished,
                [p.step.number for p in plan.steps],
            )
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
