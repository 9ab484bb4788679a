"""Run step suites the way a student should see them: fast, the same every time, never hanging.

pytest runs in a child process (python -m kata.launch: no plugin autoload, examples seeded per test)
with pytest-timeout's thread method (it ends a hang even when the student's code blocks signals)
and an outer wall-clock limit on top. The JSON report written by kata.pytest_plugin says what
passed, failed, was todo, or never finished. When a test hangs, the child dies with it: the runner
then reads where the test was (pytest-timeout's stack dump), and runs the tests that had not run yet
in a fresh child, so one hang costs one check, not the rest of the step.

Several steps can run in one child (make progress, make test): one start-up instead of eight.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kata.manifest import Step
from kata.messages import TIMEOUT_BANNER, TimeoutStack, explain_timeout, parse_timeout_dump
from kata.paths import PACKAGE, ROOT, implementation_dir

STARTUP_MARGIN = 15.0  # seconds for the interpreter, pytest and collection, on a slow laptop
RESUMES = 3  # after a hang, the tests not yet run get this many fresh children at most
STATE = Path(os.environ.get("KATA_STATE") or ROOT / ".kata")  # the local state: last verdicts, examples, hints


@dataclass
class StepResult:
    step: Step
    passed: int = 0
    failed: int = 0
    todo: int = 0
    blocked: int = 0  # checks that wait for an earlier step's code (they count neither way)
    errors: int = 0  # collection or import errors: the suite could not run
    hung: str = ""  # the test that was running when the time ran out
    timed_out: bool = False
    seconds: float = 0.0
    returncode: int = 0
    output: str = ""
    messages: dict[str, str] = field(default_factory=dict[str, Any])  # nodeid -> todo or failure message
    first_todo: str = ""
    stack: TimeoutStack | None = None  # where the hung test was when it was stopped
    problems: list[dict[str, Any]] = field(default_factory=list)  # the student's exceptions: type, file, line, ...
    check_seconds: float = 0.0  # the time its checks took (without pytest's start-up)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.todo + self.blocked

    @property
    def done(self) -> bool:
        return (
            self.returncode == 0
            and self.failed == 0
            and self.todo == 0
            and self.blocked == 0
            and self.total > 0
            and not self.hung
        )

    @property
    def state(self) -> str:
        if self.hung or self.timed_out:
            return "timeout"
        if self.errors or not self.total:
            return "error"
        if self.done:
            return "passed"
        if self.failed:
            return "failing"
        if self.passed:
            return "started"
        return "todo"

    @property
    def unreadable(self) -> dict[str, Any] | None:
        """The first file Python could not read or import, if every failure of the step is that."""
        from kata.messages import IMPORT_ERRORS, UNREADABLE

        broken = [p for p in self.problems if p.get("type") in UNREADABLE + IMPORT_ERRORS]
        return broken[0] if broken else None


def pytest_command(paths: list[str], impl: str, report: Path, budget: float, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kata.launch",
        *paths,
        "--impl",
        impl,
        "--kata-report",
        str(report),
        f"--timeout={budget:g}",
        "--timeout-method=thread",
        "-q",
        "--no-header",
        "-r",
        "fE",
        *extra,
    ]


def child_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: the student profile of Hypothesis and its files under .kata/ (the
    caller's env wins: make check and CI choose `grade`)."""
    child = {**os.environ, **(env or {})}
    child.setdefault("KATA_HYPOTHESIS", "student")
    child.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(STATE / "hypothesis"))
    return child


def run_step(
    step: Step,
    impl: str = "exercises",
    extra: list[str] | None = None,
    capture: bool = False,
    env: dict[str, str] | None = None,
    out: TextIO | None = None,
) -> StepResult:
    """Run a step's suite; stream pytest's output to out (stdout) unless capture is set."""
    return run_steps([step], impl=impl, extra=extra, capture=capture, env=env, out=out)[0]


def run_steps(
    steps: list[Step],
    impl: str = "exercises",
    extra: list[str] | None = None,
    capture: bool = True,
    env: dict[str, str] | None = None,
    out: TextIO | None = None,
    launcher: Launcher | None = None,
    record: bool = True,
) -> list[StepResult]:
    """Run the suites of several steps in one child (more after a hang); one result per step."""
    results = [StepResult(step) for step in steps]
    budget = max(step.budget for step in steps)
    outer = sum(step.budget for step in steps) + STARTUP_MARGIN
    child_env = child_environment(env)
    echo = None if capture else (out or sys.stdout)
    color = ["--color=yes"] if echo is not None and _is_terminal(echo) else []
    started = time.perf_counter()
    outputs: list[str] = []
    stacks: dict[str, TimeoutStack | None] = {}
    killed: set[str] = set()
    returncode = 0
    with tempfile.TemporaryDirectory(prefix="kata-") as scratch:
        report = Path(scratch) / "report.jsonl"
        pending, resumed = list(steps), False
        skip: list[str] = []
        for attempt in range(RESUMES + 1):
            if not pending:
                break
            command = pytest_command(
                [step.test_file for step in pending], impl, report, budget, [*color, *(extra or []), *skip]
            )
            if attempt == 0 and launcher is not None:
                output, returncode, timed_out = launcher.run(command[3:], child_env, outer, echo)
            else:
                output, returncode, timed_out = _run(command, child_env, outer, echo)
            outputs.append(output)
            records = _records(report)
            new = [nodeid for nodeid in _unfinished(records) if nodeid not in stacks]
            if not new:
                break
            stack = parse_timeout_dump(output, implementation_dir(impl) / PACKAGE)
            for nodeid in new:
                stacks[nodeid] = stack
                if timed_out:
                    killed.add(nodeid)
            # The steps whose suites had not started yet run in a fresh child. The hung step's other
            # checks run too, once, unless the hang was in the student's code (then they would most
            # likely hang in the same loop, one budget each).
            begun = {r["nodeid"].split("::", 1)[0] for r in records}
            hung_files = {nodeid.split("::", 1)[0] for nodeid in new}
            again = not resumed and not (stack is not None and stack.in_student_code)
            resumed = resumed or again
            pending = [s for s in pending if s.test_file not in begun or (again and s.test_file in hung_files)]
            finished = {r["nodeid"] for r in records if r.get("event") == "end"} | set(stacks)
            skip = [arg for nodeid in sorted(finished) for arg in ("--deselect", nodeid)] if again else []
        records = _records(report)
    seconds = time.perf_counter() - started
    output = "\n".join(outputs)
    for result in results:
        _fold(records, result)
        result.seconds = seconds
        result.output = output
        if result.hung:
            result.stack = stacks.get(result.hung)
            result.timed_out = result.hung in killed
        if not result.total and not result.hung:
            result.errors = 1
            result.returncode = returncode or 1
        else:
            result.returncode = 0 if (not result.failed and not result.todo and not result.hung) else 1
    if record:
        record_state(results, impl)
    return results


def run_in_parallel(
    steps: list[Step], impl: str = "exercises", jobs: int = 2, env: dict[str, str] | None = None
) -> list[StepResult]:
    """run_steps in `jobs` children at once (make progress on a machine with cores to spare), the
    steps shared out by how long their checks took last time; results in the steps' order."""
    jobs = max(1, min(jobs, len(steps), os.cpu_count() or 1))
    if jobs == 1:
        return run_steps(steps, impl=impl, capture=True, env=env)
    recorded = last_state(impl)
    weight = {s.number: float(recorded.get(s.number, {}).get("seconds", 0.5)) + 0.05 for s in steps}
    groups: list[list[Step]] = [[] for _ in range(jobs)]
    for step in sorted(steps, key=lambda s: -weight[s.number]):
        min(groups, key=lambda g: sum(weight[s.number] for s in g)).append(step)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(jobs) as pool:
        parts = list(
            pool.map(
                lambda group: run_steps(sorted(group, key=lambda s: s.number), impl=impl, env=env, record=False), groups
            )
        )
    by_number = {r.step.number: r for part in parts for r in part}
    results = [by_number[s.number] for s in steps]
    record_state(results, impl)
    return results


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _run(command: list[str], env: dict[str, str], limit: float, echo: TextIO | None) -> tuple[str, int, bool]:
    """Run the child; (its output, its exit status, whether the outer limit stopped it)."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **_own_group(),
    )
    return collect(process, limit, echo)


def collect(process: subprocess.Popen[bytes], limit: float, echo: TextIO | None) -> tuple[str, int, bool]:
    """Read the child's output (echoing it, up to a stack dump) until it ends or the limit passes."""
    reader = Reader(process, echo)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        kill(process)
        process.wait()
        timed_out = True
    reader.join(timeout=5)
    return reader.text(), process.returncode, timed_out


class Reader(threading.Thread):
    """Copies a child's output as it comes (so pytest's progress dots show at once), holding back
    pytest-timeout's stack dump: the summary says where the test was, in a few lines."""

    def __init__(self, process: subprocess.Popen[bytes], echo: TextIO | None) -> None:
        super().__init__(daemon=True)
        self.process, self.echo = process, echo
        self.chunks: list[str] = []
        self.shown = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a chunk may end mid-character

    def run(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        fd = stream.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            self.chunks.append(self.decoder.decode(data))
            self._show()
        self.chunks.append(self.decoder.decode(b"", final=True))
        self._show(final=True)

    def _show(self, final: bool = False) -> None:
        if self.echo is None:
            return
        text = "".join(self.chunks)
        cut = text.find(TIMEOUT_BANNER)
        if cut >= 0:
            end = text.rfind("\n", 0, cut) + 1
        else:
            end = len(text)
            last = text.rfind("\n") + 1
            if not final and text[last:].startswith("+"):
                end = last  # perhaps the start of the banner: wait for the rest of the line
        if end > self.shown:
            self.echo.write(text[self.shown : end])
            self.echo.flush()
            self.shown = end

    def text(self) -> str:
        return "".join(self.chunks)


def _own_group() -> dict[str, Any]:
    """Start the suite in its own process group, so that a timeout can stop everything it started."""
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}  # Windows without WSL


def kill(process: subprocess.Popen[bytes]) -> None:
    if not hasattr(os, "killpg"):
        process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# ---- A child kept ready (make watch) ----------------------------------------------------------------


class Launcher:
    """A `python -m kata.launch --wait` child started ahead of time: pytest, Hypothesis and the checks
    are already imported when a run is asked for. Each child serves one run; the next is started at
    once, in the background."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "kata.launch", "--wait"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **_own_group(),
        )

    def prepare(self, env: dict[str, str]) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = self._spawn(env)

    def run(self, args: list[str], env: dict[str, str], limit: float, echo: TextIO | None) -> tuple[str, int, bool]:
        self.prepare(env)
        process, self.process = self.process, None
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write((json.dumps(args) + "\n").encode())
            process.stdin.close()
        except OSError:
            pass
        result = collect(process, limit, echo)
        self.prepare(env)  # the next one warms up while the student reads
        return result

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            kill(self.process)
            self.process.wait()
        self.process = None


# ---- The JSON report -----------------------------------------------------------------------------


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "nodeid" in record:
            records.append(record)
    return records


def _unfinished(records: list[dict[str, Any]]) -> list[str]:
    ended = {r["nodeid"] for r in records if r.get("event") == "end"}
    return [r["nodeid"] for r in records if r.get("event") == "start" and r["nodeid"] not in ended]


def _fold(records: list[dict[str, Any]], result: StepResult) -> None:
    for record in records:
        if record.get("step") not in (None, result.step.number) or record.get("event") != "end":
            continue
        outcome = record.get("outcome")
        if outcome == "passed":
            result.passed += 1
        elif outcome == "todo":
            result.todo += 1
            result.first_todo = result.first_todo or record.get("message", "")
            result.messages[record["nodeid"]] = record.get("message", "")
        elif outcome == "blocked":
            result.blocked += 1
            result.messages[record["nodeid"]] = record.get("message", "")
        elif outcome == "failed":
            result.failed += 1
            result.messages[record["nodeid"]] = record.get("message", "")
        if isinstance(record.get("error"), dict):
            result.problems.append(record["error"])
        if isinstance(record.get("seconds"), int | float):
            result.check_seconds += record["seconds"]
    mine = [r for r in records if r.get("step") in (None, result.step.number)]
    hung = _unfinished(mine)
    result.hung = hung[0] if hung else ""


def read_report(path: Path, result: StepResult) -> None:
    """Fold the JSON report's records of result.step into result."""
    _fold(_records(path), result)


# ---- What the student reads ----------------------------------------------------------------------------


def summary(result: StepResult, next_step: Step | None = None) -> str:
    """The last words of a `make test-stepN`: what happened and what to do next."""
    step = result.step
    head = f"Step {step.number} ({step.title}):"
    blocked = f", {result.blocked} blocked" if result.blocked else ""
    counts = f"{result.passed} passed, {result.failed} failing, {result.todo} todo{blocked} in {result.seconds:.1f} s"
    if result.hung:
        test = result.hung.split("::", 1)[-1] or "a test"
        why = explain_timeout(result.stack, step.number, step.budget, test)
        lines = [f"{head} TIMED OUT. {why[0]}", *why[1:]]
        lines.append(f"  The other checks: {counts}.")
        lines += _failures_before(result)
        return "\n".join(lines)
    if result.state == "error":
        broken = result.unreadable
        if broken:
            place = f"{broken.get('file', '?')} line {broken.get('line', '?')}"
            return (
                f"{head} your micrograd could not be loaded: {broken.get('type')} in {place}: "
                f"{broken.get('message', '')}\n  Fix that line (shown above), then run it again."
            )
        return (
            f"{head} the suite could not run (see the error above: usually a syntax error or a failed import "
            "in your micrograd files, shown with its file and line)."
        )
    if result.done:
        nxt = f"make test-step{next_step.number}" if next_step else "make progress"
        return f"{head} all {result.passed} checks pass. Well done! Next: {nxt}"
    broken = result.unreadable
    if broken and broken.get("type") != "ImportError":
        place = f"{broken.get('file', '?')} line {broken.get('line', '?')}"
        return (
            f"{head} {counts}. Not done yet: Python cannot read {broken.get('file', 'a file')} "
            f"({broken.get('type')} at {place}: {broken.get('message', '')}); fix that line first."
        )
    text = f"{head} {counts}. Not done yet."
    if result.failed:
        text += " Fix the failing checks above (each says expected, got and the likely bug)."
    elif result.first_todo:
        text += f"\n  Next: {result.first_todo}"
    if result.blocked and not result.failed:
        text += (
            f"\n  {result.blocked} check(s) are BLOCKED by an earlier step whose code does not work yet "
            "(see above): they count neither way until it does."
        )
    return text


def _failures_before(result: StepResult) -> list[str]:
    """The failures the report collected, for a run whose pytest output ended early."""
    failures = [(k, m) for k, m in result.messages.items() if not m.startswith(("TODO", "blocked by"))]
    if not failures:
        return []
    lines = ["", f"  The {len(failures)} failing check(s) found before (and after) it:"]
    for nodeid, message in failures:
        lines.append(f"  ---- {nodeid.split('::', 1)[-1]}")
        lines += [f"  {line}" for line in message.splitlines()[:40]]
    return lines


# ---- What the last runs found (for make watch and make hint) ------------------------------------------


def state_file() -> Path:
    return STATE / "last-run.json"


def _key(impl: str) -> str:
    return str((implementation_dir(impl) / PACKAGE).resolve())


def record_state(results: list[StepResult], impl: str) -> None:
    """Remember each step's verdict and first problem, per implementation, in .kata/last-run.json."""
    path = state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data = {k: v for k, v in data.items() if Path(k).is_dir()}  # forget folders that are gone
    steps = data.setdefault(_key(impl), {})
    if not isinstance(steps, dict):
        steps = data[_key(impl)] = {}
    for result in results:
        failing = [k.split("::", 1)[-1] for k, m in result.messages.items() if not m.startswith("TODO")]
        steps[str(result.step.number)] = {
            "state": result.state,
            "failing": failing[:50],
            "problems": result.problems[:5],
            "seconds": round(result.check_seconds, 3),
            "when": time.time(),
        }
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".last-run-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1)
        os.replace(temporary, path)


def last_state(impl: str) -> dict[int, dict[str, Any]]:
    """step number -> what the last run of it found, for this implementation ({} if never run)."""
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        steps = data.get(_key(impl), {})
        return {int(k): v for k, v in steps.items() if isinstance(v, dict)}
    except (OSError, ValueError, AttributeError):
        return {}
