"""python -m grader [SUBMISSION ...] [--out DIR] [--jobs N] [--seed S] [--timeout SEC] [--resume]
   python -m grader similarity DIR [--out OUT]   (see grader/similarity.py)

Grades every submission (a folder or a .zip/.tar.gz holding a micrograd/ package) and writes
    DIR/gradebook.csv                 one row per submission
    DIR/report.html                   the class at a glance, for the instructor
    DIR/<submission>/results.json     Gradescope's autograder format, one test per check
    DIR/<submission>/feedback.md      for the student
    DIR/<submission>/record.json      everything decided, for --resume and for re-rendering
With no submission given, it grades the bundled samples. Exit status 0 when the batch completed,
whatever the scores; 2 when it could not run (bad arguments, output folder busy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader.grading import Plan, StepOutcome, StepPlan, grade_step, not_graded
from grader.lock import Busy, OutputLock
from grader.outputs import feedback_markdown, gradebook, results_json
from grader.progress import Progress, summary_table
from grader.records import Record, grader_version, load_record, record_path, save_record, write_atomic
from grader.report import report_html
from grader.samples import build_samples
from grader.sandbox import Limits, Sandbox, build_harness, enable_subreaper, probe_bwrap, sweep_strays
from grader.submissions import Submission, prepare, safe_names
from kata.manifest import Manifest, load

DEFAULT_SEED = load().grading_seed  # kata.toml; differs from the public suites' seed; pick your own per course


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

    def budget(self, step_number: int) -> float:
        return self.timeout if self.timeout else self.manifest.step(step_number).budget

    def steps_for(self, submission: Submission) -> list[StepPlan]:
        """The steps a submission is graded on (all, or a notebook's own step), with its own cases: drawn
        from the seed and salted with the submission's fingerprint."""
        plan = Plan.build(self.manifest, self.plan.seed, self.steps, salt=submission.fingerprint)
        return [p for p in plan.steps if submission.steps is None or p.step.number in submission.steps]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", type=Path, help="folders or .zip/.tar.gz archives")
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
    parser.add_argument("--memory", type=int, default=1024, help="MiB of memory per child (default 1024)")
    sandbox = parser.add_mutually_exclusive_group()
    sandbox.add_argument("--require-sandbox", action="store_true", help="refuse to grade without bubblewrap")
    sandbox.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap even if it works")
    parser.add_argument(
        "--steps",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="grade only these steps, e.g. 1,2,3",
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
    manifest = load()
    try:
        with OutputLock(args.out):
            return _run(args, manifest)
    except Busy as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, manifest: Manifest) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="grader-"))
    os.chmod(scratch, 0o755)
    try:
        sources = list(args.submissions)
        if not sources:
            sources = build_samples(scratch / "samples")
            print(
                f"no submission given: grading the {len(sources)} bundled samples "
                f"({', '.join(s.name for s in sources)})",
                file=sys.stderr,
            )
        harness = build_harness(scratch)
        sandbox = _choose_sandbox(args, harness)
        if sandbox is None:
            return 2
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
        )
        names = safe_names(sources)
        records = _grade_all(batch, sources, names, args.jobs)
        write_atomic(args.out / "gradebook.csv", gradebook(records, manifest))
        write_atomic(
            args.out / "report.html", report_html(records, manifest, args.seed, batch.version, sandbox.isolated)
        )
        print(summary_table(records, [s.step.number for s in plan.steps]))
        print(
            f"\nwrote {args.out / 'gradebook.csv'}, {args.out / 'report.html'} and, per submission, results.json, "
            f"feedback.md and record.json (seed {args.seed}, grader {batch.version}; {sandbox.describe()})"
        )
        return 0
    finally:
        sweep_strays()
        shutil.rmtree(scratch, ignore_errors=True)


def _choose_sandbox(args: argparse.Namespace, harness: Path) -> Sandbox | None:
    if args.no_sandbox:
        bwrap, why = None, "--no-sandbox was given"
    else:
        bwrap, why = probe_bwrap(harness)
    sandbox = Sandbox(bwrap, harness)
    if not sandbox.isolated:
        if args.require_sandbox:
            print(f"error: --require-sandbox, but {why}", file=sys.stderr)
            return None
        print(
            "\n" + "!" * 78 + "\n"
            f"WARNING: grading WITHOUT a sandbox: {why}.\n"
            "Student code runs with this user's rights: it can read your files (the reference solution\n"
            "included), use the network, and write wherever you can. Resource limits and timeouts still\n"
            "apply. Install bubblewrap (Debian/Ubuntu: apt install bubblewrap) to isolate it.\n" + "!" * 78 + "\n",
            file=sys.stderr,
        )
    return sandbox


def _grade_all(batch: Batch, sources: list[Path], names: list[str], jobs: int) -> list[Record]:
    progress = Progress(len(sources))
    records: dict[str, Record] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, batch, source, name): name for source, name in zip(sources, names)}
        for future in as_completed(futures):
            record, resumed = future.result()
            records[futures[future]] = record
            progress.update(record, resumed)
    return [records[name] for name in names]


def grade_one(batch: Batch, source: Path, name: str) -> tuple[Record, bool]:
    """Grade one submission and write its outputs; never raises (a grader bug becomes the status)."""
    started = time.monotonic()
    try:
        submission = prepare(source, name, batch.scratch)
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
        write_atomic(batch.out / name / "results.json", json.dumps(results_json(record), indent=1) + "\n")
        write_atomic(batch.out / name / "feedback.md", feedback_markdown(record, batch.manifest))
        save_record(batch.out, record)  # last: its presence says the outputs above are whole
        return record, False
    except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
        print(f"\ninternal grader error on {name}:\n{traceback.format_exc()}", file=sys.stderr)
        status = f"internal grader error: {type(error).__name__} (see the grader's log)"
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
            complete=False,
        )
        return record, False


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
