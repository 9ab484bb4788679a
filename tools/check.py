"""make check: the repository's own test, as named stages that say which one failed.

The fast stages run first (lint in seconds, then types, the generated docs, every step against the
reference, exercises/ in sync, the stub ladder); only when all of them pass do the slow ones run
(the tooling's tests, the bug zoo, the nbgrader round trip, the red team). Independent stages run
side by side, as many at once as there are cores; a stage marked `alone` runs with nothing beside
it, in its place in the order (see `Stage.alone` for why each is).

Each stage's output goes to build/check/<stage>.log (written elsewhere while the stage runs, and
moved there when it ends, so that no stage ever sees another's log grow). One line per stage as it
ends: its name, pass or FAIL, its seconds; a failed stage also shows the tail of its log.

    python -m tools.check                  every stage (make check)
    python -m tools.check --fast           the fast stages only (make check-fast)
    python -m tools.check STAGE...         only these; one stage alone prints its output as it runs
                                           (make lint, make types, make zoo, make redteam, ...)
    python -m tools.check --list           the stages and what each proves
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "build" / "check"
TAIL = 40  # lines of a failed stage's log shown under its verdict
PY = sys.executable
GRADE = {"KATA_HYPOTHESIS": "grade"}  # Hypothesis derandomized, with the grading budget of examples


@dataclass(frozen=True)
class Stage:
    name: str
    proves: str
    commands: tuple[tuple[str, ...], ...]  # run one after the other; the first that fails ends the stage
    slow: bool = False
    alone: str = ""  # why nothing else may run beside it, if so
    env: dict[str, str] = field(default_factory=dict)


STAGES = (
    Stage(
        "lint",
        "ruff check and ruff format --check",
        ((PY, "-m", "ruff", "check", "."), (PY, "-m", "ruff", "format", "--check", ".")),
    ),
    Stage("types", "mypy --strict on the modules listed in pyproject.toml", ((PY, "-m", "mypy"),)),
    Stage(
        "docs",
        "docs/zoo.md, docs/redteam.md and README's steps table are what their data makes",
        ((PY, "-m", "tools.docs", "--check"),),
    ),
    Stage(
        "steps",
        "every step's suite passes against the reference",
        ((PY, "-m", "pytest", "tests", "--impl", "solutions", "-q", "--no-header"),),
        env=GRADE,
    ),
    Stage("exercises", "exercises/ is what the generator makes", ((PY, "-m", "kata", "dev", "exercises", "--check"),)),
    Stage(
        "ladder",
        "the stub ladder: solved steps pass, later steps are todo",
        ((PY, "-m", "kata", "dev", "ladder"),),
    ),
    Stage(
        "zoo",
        "every bug of the zoo is caught, attributed and named",
        ((PY, "-m", "devtests.zoo_proof"),),
        slow=True,
    ),
    Stage(
        "devtests",
        "the tooling's and the grader's own tests",
        ((PY, "-m", "pytest", "devtests", "-q", "--no-header"),),
        slow=True,
        env=GRADE,
    ),
    Stage(
        "nbgrader",
        "the nbgrader round trip, through the make targets",
        ((PY, "-m", "devtests.nbgrader_roundtrip"),),
        slow=True,
    ),
    Stage(
        "redteam",
        "the grader survives every hostile submission",
        ((PY, "-m", "devtests.redteam.run"),),
        slow=True,
        alone="it proves that no file outside the grader's outputs changed and no grading process "
        "survived, so it must not see another stage's files and processes",
    ),
)


@dataclass
class Outcome:
    stage: Stage
    ok: bool
    seconds: float
    cpu: float  # CPU seconds of the stage's processes and everything they waited for
    log: Path | None  # None when the output went to the terminal


class Runner:
    """Runs stages as process groups of their own, so that an interrupt can end each of them whole."""

    def __init__(self, scratch: Path, logs: Path) -> None:
        self.scratch = scratch
        self.logs = logs
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[bytes]] = set()
        self.stopping = False

    def run(self, stage: Stage, stream: bool = False) -> Outcome:
        started = time.monotonic()
        env = {**os.environ, **stage.env}
        log_path = self.scratch / f"{stage.name}.log"
        ok = True
        cpu = 0.0
        with contextlib.ExitStack() as stack:
            log = None if stream else stack.enter_context(log_path.open("wb"))
            for command in stage.commands:
                if log is not None:
                    log.write(f"$ {shlex.join(command)}\n".encode())
                    log.flush()
                code, used = self._call(command, env, log)
                cpu += used
                if code != 0:
                    ok = False
                    break
        seconds = time.monotonic() - started
        if stream:
            return Outcome(stage, ok, seconds, cpu, None)
        final = self.logs / log_path.name
        shutil.move(log_path, final)
        return Outcome(stage, ok, seconds, cpu, final)

    def _call(self, command: Sequence[str], env: dict[str, str], log: BinaryIO | None) -> tuple[int, float]:
        """Run one command; its exit code and CPU seconds."""
        with self.lock:
            if self.stopping:
                return 130, 0.0
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT if log is not None else None,
                start_new_session=True,
            )
            self.running.add(process)
        try:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_utime + usage.ru_stime
        finally:
            with self.lock:
                self.running.discard(process)

    def stop(self) -> None:
        """End every running stage, its whole process group."""
        with self.lock:
            self.stopping = True
            for process in self.running:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            if not self.running:
                return
        time.sleep(2)
        with self.lock:
            for process in self.running:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def _shown(path: Path) -> Path:
    """A path as a developer at the repository's root would type it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def verdict(outcome: Outcome) -> str:
    word = "pass" if outcome.ok else "FAIL"
    timing = f"{outcome.seconds:6.1f} s (cpu {outcome.cpu:6.1f} s)"
    line = f"  {outcome.stage.name:<10} {word}  {timing}   {outcome.stage.proves}"
    if outcome.ok or outcome.log is None:
        return line
    lines = outcome.log.read_text(encoding="utf-8", errors="replace").splitlines()
    shown = lines[-TAIL:]
    where = _shown(outcome.log)
    header = f"    the last {len(shown)} lines of {where}:" if len(lines) > TAIL else f"    {where}:"
    return "\n".join([line, header, *(f"    | {text}" for text in shown)])


def run_parallel(runner: Runner, stages: Iterable[Stage], jobs: int) -> list[Outcome]:
    """Run stages side by side, at most `jobs` at once, printing each verdict as it comes."""
    outcomes: list[Outcome] = []
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        pending: set[Future[Outcome]] = {pool.submit(runner.run, stage) for stage in stages}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = future.result()
                outcomes.append(outcome)
                print(verdict(outcome), flush=True)
    except BaseException:
        runner.stop()  # before the pool waits for its threads, which wait for the stages
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def groups(stages: Sequence[Stage]) -> list[list[Stage]]:
    """The stages in order, as groups to run side by side: each `alone` stage is a group of its own."""
    found: list[list[Stage]] = []
    for stage in stages:
        if stage.alone or not found or found[-1][0].alone:
            found.append([stage])
        else:
            found[-1].append(stage)
    return found


def run_all(stages: Sequence[Stage], jobs: int, logs: Path = LOGS) -> int:
    started = time.monotonic()
    if logs.exists():
        shutil.rmtree(logs)
    logs.mkdir(parents=True)
    fast = [s for s in stages if not s.slow]
    slow = [s for s in stages if s.slow]
    print(
        f"make check: {len(stages)} stages; fast ones first, then the slow ones, {jobs} at a time "
        f"(logs in {_shown(logs)}/)",
        flush=True,
    )
    outcomes: list[Outcome] = []
    skipped: list[Stage] = []
    with tempfile.TemporaryDirectory(prefix="kata-check-") as scratch:
        runner = Runner(Path(scratch), logs)
        try:
            outcomes += run_parallel(runner, fast, jobs)
            if all(o.ok for o in outcomes):
                for group in groups(slow):
                    outcomes += run_parallel(runner, group, 1 if group[0].alone else jobs)
            else:
                skipped = slow
        except KeyboardInterrupt:
            runner.stop()
            print("\nmake check: interrupted; the stages that were running are stopped.", flush=True)
            return 130
    failed = [o.stage.name for o in outcomes if not o.ok]
    if skipped:
        print(f"  skipped: {', '.join(s.name for s in skipped)} (a fast stage failed)")
    counts = f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
    print(f"stages: {counts}" + (f", {len(skipped)} skipped" if skipped else ""))
    elapsed = time.monotonic() - started
    if failed:
        print(f"make check: FAILED in {elapsed:.0f} s: {', '.join(failed)} (logs in {_shown(logs)}/)")
        return 1
    print(f"make check: all green in {elapsed:.0f} s")
    return 0


def run_one(stage: Stage) -> int:
    """One stage, its output straight to the terminal (make lint, make zoo, ...)."""
    with tempfile.TemporaryDirectory(prefix="kata-check-") as scratch:
        runner = Runner(Path(scratch), LOGS)
        try:
            outcome = runner.run(stage, stream=True)
        except KeyboardInterrupt:
            runner.stop()
            return 130
    print(verdict(outcome))
    return 0 if outcome.ok else 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a SIGTERM (CI's or kill's) ends the stages like Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(prog="python -m tools.check", description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="STAGE", help="only these stages (default: all)")
    parser.add_argument("--fast", action="store_true", help="only the fast stages")
    parser.add_argument("--list", action="store_true", help="list the stages and what each proves")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="stages at once (default: the number of cores)"
    )
    args = parser.parse_args(argv)
    if args.list:
        for stage in STAGES:
            kind = "slow, alone" if stage.alone else "slow" if stage.slow else "fast"
            print(f"  {stage.name:<10} {kind:<11} {stage.proves}")
            if stage.alone:
                print(f"  {'':<10} {'':<11} (alone: {stage.alone})")
        return 0
    known = {stage.name: stage for stage in STAGES}
    unknown = [name for name in args.stages if name not in known]
    if unknown:
        print(f"error: no stage {', '.join(unknown)}; the stages are {', '.join(known)}", file=sys.stderr)
        return 2
    if len(args.stages) == 1 and not args.fast:
        return run_one(known[args.stages[0]])
    chosen = [s for s in STAGES if (not args.stages or s.name in args.stages) and not (args.fast and s.slow)]
    return run_all(chosen, max(1, args.jobs))


if __name__ == "__main__":
    sys.exit(main())
