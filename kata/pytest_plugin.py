"""The pytest side of the kata: which micrograd is tested, and how results read.

- `--impl exercises|solutions|PATH` (default: $KATA_IMPL, else exercises) puts that folder's
  `micrograd` first on sys.path and checks that it is the one imported.
- A kata stub's NotImplementedError is reported as TODO: one line naming the step and function,
  counted apart from failures (and still a non-zero exit, since the step is not done).
- A check that fails shows the judge's explanation (expression, expected, got, likely bug); an
  exception from the student's code shows where in their file it happened, not a wall of frames.
- `--kata-report FILE` writes one JSON line per test (and one when it starts), which
  `python -m kata` reads to build progress tables and to name a test that hung.

Enabled for every pytest run of this repository through pyproject.toml (addopts = -p ...).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pytest

from kata.catalogue import Case, expectation, has_oracle
from kata.catalogue.core import failure_text
from kata.catalogue.verdicts import Outcome, of_error, of_result
from kata.harness.observe import Implementation, describe_exception, register_package, representative
from kata.harness.probes import ON_KATA_ENGINE, PROBES
from kata.messages import IMPORT_ERRORS, UNREADABLE, did_you_mean, explain, stub_left_in_place
from kata.paths import PACKAGE, implementation_dir

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

KATA_ENGINE_PACKAGE = "micrograd_on_kata_engine"


class CheckFailed(AssertionError):
    """A probe's result was judged wrong; the message is the judge's explanation."""


class Blocked(AssertionError):
    """The check could not judge this step, because an earlier step's code does not work yet."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata")
    group.addoption(
        "--impl",
        default=os.environ.get("KATA_IMPL", "exercises"),
        help="the micrograd to test: exercises (default), solutions, or a folder holding micrograd/",
    )
    group.addoption("--kata-report", default=None, help="write one JSON line per test to this file")


def _watch_the_recursion_limit() -> None:
    """As the grader's child does: one watch on sys.setrecursionlimit for the whole run, installed before any
    of the student's code runs (even a `from sys import setrecursionlimit` is then the watched one)."""
    from kata.harness.probes import step4

    if step4.WATCH is None:
        step4.WATCH = step4.RecursionLimitWatch()
        step4.WATCH.install()


def pytest_configure(config: pytest.Config) -> None:
    from kata.manifest import load

    for step in load().steps:
        config.addinivalue_line("markers", f"{step.marker}: {step.title} (step {step.number})")
    config.addinivalue_line("markers", "uses(N, ...): the test runs the student's own code of steps N, ...")
    directory = implementation_dir(config.getoption("--impl"))
    config.stash[_IMPL] = directory
    if not any((directory / PACKAGE).glob("*.py")):
        raise pytest.UsageError(f"{directory / PACKAGE} is not a micrograd package (no .py file there)")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(directory))
    _watch_the_recursion_limit()
    report = config.getoption("--kata-report")
    if report:
        config.pluginmanager.register(JsonReport(open(report, "a", encoding="utf-8")), "kata-json-report")  # noqa: SIM115


def pytest_unconfigure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("kata-json-report")
    if reporter:
        reporter.close()


_IMPL = pytest.StashKey[Path]()


def pytest_report_header(config: pytest.Config) -> str:
    return f"kata: testing {config.stash[_IMPL] / PACKAGE}"


@pytest.fixture(scope="session")
def student(pytestconfig: pytest.Config) -> Implementation:
    """The micrograd under test."""
    directory = pytestconfig.stash[_IMPL]
    import importlib

    package = importlib.import_module(PACKAGE)
    found = (
        Path(package.__file__).resolve().parent if package.__file__ else Path(next(iter(package.__path__))).resolve()
    )
    if found != (directory / PACKAGE).resolve():
        pytest.exit(
            f"`import micrograd` found {found}, not {directory / PACKAGE}: another micrograd is installed "
            "in this environment (pip uninstall micrograd), see the FAQ in README.md",
            returncode=4,
        )
    return Implementation(PACKAGE, directory / PACKAGE)


@pytest.fixture(scope="session")
def on_kata_engine(pytestconfig: pytest.Config, student: Implementation) -> Implementation | None:
    """The student's package again, with the kata's engine in place of their engine.py (answered here by
    the oracle), as the grader runs steps 5-7: a bug in steps 2-4 then costs nothing there. None in a
    student release, which has no oracle: there, steps 5-7 run on the student's own engine."""
    if not has_oracle():
        return None
    from kata.harness.tracer import install
    from kata.oracle.evaluator import Evaluation

    directory = pytestconfig.stash[_IMPL] / PACKAGE
    register_package(KATA_ENGINE_PACKAGE, directory, run_init=False)
    install(KATA_ENGINE_PACKAGE, Evaluation().answer)
    return Implementation(KATA_ENGINE_PACKAGE, directory)


def _earlier_steps_pass(student: Implementation, steps: tuple[int, ...], cache: dict[int, bool]) -> int:
    """The first of `steps` whose public checks do not all pass on the student's code (0 if none)."""
    from kata.catalogue import public_cases

    for step in steps:
        if step not in cache:
            cache[step] = all(judged(case, student).state == "passed" for case in public_cases(step))
        if not cache[step]:
            return step
    return 0


def judged(case: Case, implementation: Implementation) -> Outcome:
    """Probe the implementation and judge, exactly as the grader does (kata.catalogue.verdicts)."""
    try:
        observation = PROBES[case.key](implementation, case.args)
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything
        return of_error(case, describe_exception(error, implementation.directory))
    return of_result(case, observation, expectation)


@pytest.fixture(scope="session")
def earlier_steps() -> dict[int, bool]:
    return {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for `case` runs once per public case of its step (its module's step marker)."""
    if "case" not in metafunc.fixturenames:
        return
    from kata.catalogue import public_cases

    step = next((int(m.name[4:]) for m in metafunc.definition.iter_markers() if m.name[4:].isdigit()), None)
    if step is None:
        return
    made = public_cases(step)
    metafunc.parametrize("case", made, ids=[case.id for case in made])


@pytest.fixture(scope="session")
def run_case(
    student: Implementation, on_kata_engine: Implementation | None, earlier_steps: dict[int, bool]
) -> Callable[[Case], None]:
    """run_case(case): probe the student's code and judge the result, as the grader would."""

    def run(case: Case) -> None:
        engine = on_kata_engine if case.check.step in ON_KATA_ENGINE and on_kata_engine is not None else student
        try:
            observation = PROBES[case.key](engine, case.args)
        except Exception as error:
            outcome = of_error(case, describe_exception(error, engine.directory))
            if outcome.state == "blocked":
                raise Blocked(outcome.text) from None
            if outcome.state == "error" and on_kata_engine is None and case.check.uses:
                behind = _earlier_steps_pass(student, case.check.uses, earlier_steps)
                if behind:
                    raise Blocked(_blocked_text(behind)) from None
            raise
        outcome = of_result(case, observation, expectation)
        if outcome.state == "passed":
            return
        if outcome.state == "failed" and on_kata_engine is None and case.check.uses:
            behind = _earlier_steps_pass(student, case.check.uses, earlier_steps)
            if behind:
                raise Blocked(_blocked_text(behind))
        if outcome.state == "blocked":
            reason = next(p.text for p in outcome.problems if p.blocked_by)
            raise Blocked(f"{reason}\n{failure_text(case.key, case.title, outcome.problems)}")
        raise CheckFailed(failure_text(case.key, case.title, outcome.problems))

    return run


@pytest.fixture
def mg(
    request: pytest.FixtureRequest, student: Implementation, on_kata_engine: Implementation | None
) -> Implementation:
    """The micrograd a step's own examples run on: for steps 5-7, the kata's engine under the student's
    nn/train/optim where the oracle exists (as the grader does), else the student's own package."""
    step = _step_of(request.node)
    if step in ON_KATA_ENGINE and on_kata_engine is not None:
        return on_kata_engine
    return student


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """In a student release (no oracle), a failing example marked `uses(N, ...)` ran the student's own step
    N code: when step N does not pass yet, it is reported as blocked by it, not as a failure."""
    try:
        return (yield)
    except (AssertionError, Exception) as error:
        marker = item.get_closest_marker("uses")
        if marker is None or has_oracle() or isinstance(error, (Blocked, NotImplementedError)):
            raise
        funcargs: dict[str, Any] = getattr(item, "funcargs", {})
        student = funcargs.get("student") or funcargs.get("mg")
        if student is None:
            raise
        cache = item.config.stash.setdefault(_EARLIER, {})
        behind = _earlier_steps_pass(student, tuple(marker.args), cache)
        if behind:
            raise Blocked(_blocked_text(behind)) from None
        raise


_EARLIER = pytest.StashKey[dict[int, bool]]()


def _blocked_text(step: int) -> str:
    return (
        f"blocked by step {step}: this check runs your step {step} code, which does not pass its own checks yet "
        f"(make test-step{step}). The grader runs it on the kata's engine instead, so it will not count against "
        "this step."
    )


# ---- Reporting -----------------------------------------------------------------------------------


def _step_of(item: pytest.Item) -> int | None:
    for marker in item.iter_markers():
        if marker.name.startswith("step") and marker.name[4:].isdigit():
            return int(marker.name[4:])
    return None


class JsonReport:
    """One JSON line per test: {"event": "start"} when it begins, {"event": "end", "outcome": ...} after."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.steps: dict[str, int | None] = {}
        self.errors: dict[str, dict[str, Any]] = {}  # nodeid -> the student's exception (type, file, line, ...)
        self.durations: dict[str, float] = {}  # nodeid -> seconds of its setup, call and teardown so far

    def write(self, record: dict[str, Any]) -> None:
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.steps[item.nodeid] = _step_of(item)
        self.write({"event": "start", "nodeid": item.nodeid, "step": self.steps[item.nodeid]})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome, message = self.outcomes.get(report.nodeid, ("passed", ""))
        if getattr(report, "kata_todo", None):
            outcome, message = "todo", report.kata_todo
        elif getattr(report, "kata_blocked", None):
            outcome, message = "blocked", report.kata_blocked
        elif report.failed:
            outcome, message = "failed", getattr(report, "kata_message", None) or str(report.longrepr)[:4000]
        elif report.skipped and outcome == "passed":
            outcome = "skipped"
        self.outcomes[report.nodeid] = (outcome, message)
        if getattr(report, "kata_error", None):
            self.errors[report.nodeid] = report.kata_error
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.when == "teardown":
            record: dict[str, Any] = {
                "event": "end",
                "nodeid": report.nodeid,
                "step": self.steps.get(report.nodeid),
                "outcome": outcome,
                "message": message,
                "seconds": round(self.durations.pop(report.nodeid, 0.0), 4),
            }
            if report.nodeid in self.errors:
                record["error"] = self.errors[report.nodeid]
            self.write(record)

    def close(self) -> None:
        self.handle.close()


_SHOWN = pytest.StashKey[set[tuple[object, ...]]]()  # the unreadable files already explained in full in this run


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
    """Reports for todo, judged failures and exceptions in the student's code, made directly: pytest's
    own report would first format a full traceback, only for it to be replaced (slow for 30 todos)."""
    if call.excinfo is None or call.when != "call":
        return None
    error = call.excinfo.value
    package = item.config.stash[_IMPL] / PACKAGE
    info = describe_exception(error, package)
    message = None  # the text of the JSON report, when it differs from what the terminal shows
    repeat = False
    if isinstance(error, Blocked):
        longrepr = str(error)
    elif "stub_step" in info:
        todo = stub_left_in_place(package, info) or info["message"]
        longrepr = f"TODO {todo}"
    elif isinstance(error, CheckFailed):
        longrepr = str(error)
    elif "file" in info or info["type"] in ("MissingName", "RecursionError"):
        suggestion = did_you_mean(representative(error))
        if suggestion and suggestion not in info["message"]:
            info["message"] = f"{info['message']}. {suggestion}"
        longrepr = message = explain(info)
        if info["type"] in UNREADABLE + IMPORT_ERRORS:
            shown = item.config.stash.setdefault(_SHOWN, set())
            key = (info["type"], info.get("file"), info.get("line"), info["message"])
            repeat = key in shown  # said in full once per run: Python cannot read the file, so no check runs
            shown.add(key)
    else:
        return None  # an ordinary failure: pytest's report, with its traceback
    report = pytest.TestReport(
        item.nodeid,
        item.location,
        {k: 1 for k in item.keywords},
        "failed",
        longrepr,
        call.when,
        duration=call.duration,
        start=call.start,
        stop=call.stop,
        user_properties=item.user_properties,
    )
    if isinstance(error, Blocked):
        report.kata_blocked = str(error)  # type: ignore[attr-defined]
    elif "stub_step" in info:
        report.kata_todo = todo  # type: ignore[attr-defined]
    elif "file" in info or info["type"] in ("MissingName", "RecursionError"):
        report.kata_message = message  # type: ignore[attr-defined]
        report.kata_repeat = repeat  # type: ignore[attr-defined]
        report.kata_error = {k: info[k] for k in ("type", "message", "file", "line", "function") if k in info}  # type: ignore[attr-defined]
    return report


CANNOT_RUN = "cannot run"  # the category of the checks stopped by an error already shown in full


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    if getattr(report, "kata_todo", None) and report.when == "call":
        return "todo", "T", ("TODO", {"yellow": True})
    if getattr(report, "kata_blocked", None) and report.when == "call":
        return "blocked", "B", ("BLOCKED", {"cyan": True})
    if getattr(report, "kata_repeat", False) and report.when == "call":
        return CANNOT_RUN, "F", ("FAILED", {"red": True})
    return None


def pytest_terminal_summary(terminalreporter: TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    blocked = terminalreporter.stats.get("blocked", [])
    if blocked:
        terminalreporter.section("blocked: an earlier step first", sep="-", cyan=True)
        for report in blocked:
            name = report.nodeid.split("::", 1)[-1]
            terminalreporter.write_line(f"BLOCKED {name}: {report.kata_blocked.splitlines()[0]}")
    repeated = terminalreporter.stats.get(CANNOT_RUN, [])
    if repeated:
        first = repeated[0].kata_message.splitlines()[0]
        terminalreporter.section("the same error stopped more checks", sep="-", red=True)
        terminalreporter.write_line(f"{len(repeated)} more check(s) could not run because of the error shown above:")
        terminalreporter.write_line(f"    {first}")
    todo = terminalreporter.stats.get("todo", [])
    if not todo:
        return
    terminalreporter.section("todo: not started yet", sep="-", yellow=True)
    for report in todo:
        name = report.nodeid.split("::", 1)[-1]
        terminalreporter.write_line(f"TODO {name}: {report.kata_todo}")
    terminalreporter.write_line("")
    terminalreporter.write_line(f"{len(todo)} check(s) wait for code you have not written yet. Start with:")
    terminalreporter.write_line(f"    {todo[0].kata_todo}")
