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
from dataclasses import dataclass
from pathlib import Path

from grader import inert
from grader.grading import Plan, StepOutcome, StepPlan, grade_step, not_graded
from grader.lock import Busy, OutputLock
from grader.outputs import feedback_markdown, gradebook, results_json
from grader.progress import Progress, summary_table
from grader.records import Record, grader_version, load_record, record_path, save_record, write_atomic
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
from grader.submissions import Stopped, Submission, prepare, safe_names
from kata.manifest import Manifest, load
from kata.paths import ROOT

DEFAULT_SEED = load().grading_seed  # kata.toml; differs from the public suites' seed; pick your own per course
GRADEBOOK = "gradebook.csv"
REPORT = "report.html"
OUTPUT_FILES = frozenset({GRADEBOOK, REPORT})  # no submission may be named like these (safe_names)
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
        )
        names = safe_names(sources, OUTPUT_FILES)
        records, unfinished = _grade_all(batch, sources, names, args.jobs)
        rows: list[Record | str] = [records.get(name) or name for name in names]
        finished = [records[name] for name in names if name in records]
        write_atomic(args.out / GRADEBOOK, gradebook(rows, manifest))
        write_atomic(
            args.out / REPORT,
            report_html(finished, manifest, args.seed, batch.version, sandbox.isolated, len(unfinished)),
        )
        if unfinished:
            print(
                f"interrupted: {len(finished)} of {len(names)} submissions graded and kept; {args.out / GRADEBOOK} "
                f"lists the other {len(unfinished)} as not graded. Run the same command again with --resume "
                "to finish.",
                file=sys.stderr,
            )
            return INTERRUPTED
        print(summary_table(finished, [s.step.number for s in plan.steps]))
        print(
            f"\nwrote {args.out / GRADEBOOK}, {args.out / REPORT} and, per submission, results.json, "
            f"feedback.md and record.json (seed {args.seed}, grader {batch.version}; {sandbox.describe()})"
        )
        return 0
    finally:
        sweep_strays()
        shutil.rmtree(scratch, ignore_errors=True)


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
            str(source),
            submission.fingerprint,
            batch.plan.seed,
            batch.version,
            batch.sandbox.isolated,
            status,
            submission.notes,
            steps,
            time.monotonic() - started,
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
            str(source),
            "",
            batch.plan.seed,
            batch.version,
            batch.sandbox.isolated,
            status,
            [],
            steps,
            time.monotonic() - started,
            complete=False,  # --resume grades it again
        )
        try:
            _write_outputs(batch, record)
        except Exception:  # noqa: BLE001 - the gradebook still gets its row
            print(f"could not write the outputs of {name} either", file=sys.stderr)
        return record, False


def _write_outputs(batch: Batch, record: Record) -> None:
    write_atomic(batch.out / record.submission / "results.json", json.dumps(results_json(record), indent=1) + "\n")
    write_atomic(batch.out / record.submission / "feedback.md", feedback_markdown(record, batch.manifest))
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
    outcomes = []
    for plan in batch.steps_for(submission):
        if submission.package is None:
            outcomes.append(not_graded(plan, submission.problem))
        else:
            outcomes.append(
                grade_step(
                    plan, submission.package, batch.sandbox, batch.limits, batch.budget(plan.step.number), batch.scratch
                )
            )
    return outcomes
