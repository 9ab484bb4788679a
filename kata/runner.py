"""Run one step's suite the way a student should see it: fast, friendly, and never hanging.

pytest runs in a child process with pytest-timeout's thread method (it ends a hang even when the
student's code blocks signals) and an outer wall-clock limit on top. Afterwards the JSON report
written by kata.pytest_plugin says what passed, failed, was todo, or never finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kata.manifest import Step
from kata.paths import ROOT

STARTUP_MARGIN = 15.0  # seconds for the interpreter, pytest and collection, on a slow laptop


@dataclass
class StepResult:
    step: Step
    passed: int = 0
    failed: int = 0
    todo: int = 0
    blocked: int = 0  # checks that wait for an earlier step's code
    errors: int = 0  # collection or import errors: the suite could not run
    hung: str = ""  # the test that was running when the time ran out
    timed_out: bool = False
    seconds: float = 0.0
    returncode: int = 0
    output: str = ""
    messages: dict[str, str] = field(default_factory=dict)  # nodeid -> todo or failure message
    first_todo: str = ""

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
        if self.errors or (self.returncode not in (0, 1) and not self.total):
            return "error"
        if self.done:
            return "passed"
        if self.failed:
            return "failing"
        if self.passed:
            return "started"
        return "todo"


def pytest_command(paths: list[str], impl: str, report: Path, budget: float, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
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


def run_step(
    step: Step, impl: str = "exercises", extra: list[str] | None = None, capture: bool = False, env: dict | None = None
) -> StepResult:
    """Run a step's suite; stream pytest's output unless capture is set."""
    result = StepResult(step)
    with tempfile.TemporaryDirectory(prefix="kata-") as scratch:
        report = Path(scratch) / "report.jsonl"
        command = pytest_command([step.test_file], impl, report, step.budget, extra or [])
        child_env = {**os.environ, **(env or {})}
        child_env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(scratch) / "hypothesis"))
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            text=True,
            **_own_group(),
        )
        try:
            output, _ = process.communicate(timeout=step.budget + STARTUP_MARGIN)
        except subprocess.TimeoutExpired:
            _kill(process)
            output, _ = process.communicate()
            result.timed_out = True
        result.seconds = time.perf_counter() - started
        result.returncode = process.returncode
        result.output = output or ""
        read_report(report, result)
    if result.returncode in (2, 3, 4) and not result.total:
        result.errors = 1
    return result


def _own_group() -> dict:
    """Start the suite in its own process group, so that a timeout can stop everything it started."""
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}  # Windows without WSL


def _kill(process: subprocess.Popen) -> None:
    if not hasattr(os, "killpg"):
        process.kill()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def read_report(path: Path, result: StepResult) -> None:
    """Fold the JSON report's records of result.step into result."""
    if not path.exists():
        return
    running: str = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("step") not in (None, result.step.number):
            continue
        if record["event"] == "start":
            running = record["nodeid"]
            continue
        running = ""
        outcome = record["outcome"]
        if outcome == "passed":
            result.passed += 1
        elif outcome == "todo":
            result.todo += 1
            result.first_todo = result.first_todo or record["message"]
            result.messages[record["nodeid"]] = record["message"]
        elif outcome == "blocked":
            result.blocked += 1
            result.messages[record["nodeid"]] = record["message"]
        elif outcome == "failed":
            result.failed += 1
            result.messages[record["nodeid"]] = record["message"]
    result.hung = running


def summary(result: StepResult, next_step: Step | None = None) -> str:
    """The last words of a `make test-stepN`: what happened and what to do next."""
    step = result.step
    head = f"Step {step.number} ({step.title}):"
    counts = f"{result.passed} passed, {result.failed} failing, {result.todo} todo in {result.seconds:.1f} s"
    if result.hung or result.timed_out:
        test = result.hung.split("::", 1)[-1] or "a test"
        return (
            f"{head} TIMED OUT. {test} did not finish within the step's budget of {step.budget:g} s.\n"
            f"  Likely cause: an infinite loop in your step {step.number} code (a while loop that never ends, a "
            "traversal that revisits nodes because it keeps no visited set, a graph that grows while you walk it).\n"
            f"  The stack dump above shows where it was. {counts}."
        )
    if result.state == "error":
        return (
            f"{head} the suite could not run (see the error above: usually a syntax error or a failed import "
            "in your micrograd files, shown with its file and line)."
        )
    if result.done:
        nxt = f"make test-step{next_step.number}" if next_step else "make progress"
        return f"{head} all {result.passed} checks pass. Well done! Next: {nxt}"
    text = f"{head} {counts}. Not done yet."
    if result.blocked:
        text += f" {result.blocked} check(s) wait for an earlier step (see BLOCKED above)."
    if result.failed:
        text += " Fix the failing checks above (each says expected, got and the likely bug)."
    elif result.first_todo:
        text += f"\n  Next: {result.first_todo}"
    return text
