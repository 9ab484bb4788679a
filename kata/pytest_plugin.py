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
from pathlib import Path

import pytest

from kata.checks.core import CheckFailed, run_in_process, run_with_expected
from kata.messages import IMPORT_ERRORS, UNREADABLE, did_you_mean, explain, stub_left_in_place
from kata.observe import Implementation, describe_exception, representative
from kata.observe import reference as load_reference
from kata.paths import EXPECTED, PACKAGE, has_reference, implementation_dir

REFERENCE_PACKAGE = "micrograd_reference"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata")
    group.addoption(
        "--impl",
        default=os.environ.get("KATA_IMPL", "exercises"),
        help="the micrograd to test: exercises (default), solutions, or a folder holding micrograd/",
    )
    group.addoption("--kata-report", default=None, help="write one JSON line per test to this file")


def pytest_configure(config: pytest.Config) -> None:
    from kata.manifest import load

    for step in load().steps:
        config.addinivalue_line("markers", f"{step.marker}: {step.title} (step {step.number})")
    directory = implementation_dir(config.getoption("--impl"))
    config.stash[_IMPL] = directory
    if not (directory / PACKAGE / "__init__.py").is_file():
        raise pytest.UsageError(f"{directory / PACKAGE} is not a micrograd package (no __init__.py there)")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(directory))
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
    found = Path(package.__file__ or "").resolve().parent
    if found != (directory / PACKAGE).resolve():
        pytest.exit(
            f"`import micrograd` found {found}, not {directory / PACKAGE}: another micrograd is installed "
            "in this environment (pip uninstall micrograd), see the FAQ in README.md",
            returncode=4,
        )
    return Implementation(PACKAGE, directory / PACKAGE)


@pytest.fixture(scope="session")
def reference() -> Implementation | None:
    """The reference engine, imported under another name so both can live in one process; None in a
    student release, where the expected values come from tests/expected.json instead."""
    return load_reference(REFERENCE_PACKAGE) if has_reference() else None


@pytest.fixture(scope="session")
def expectations(reference) -> dict | None:
    if reference is not None:
        return None
    try:
        return json.loads(EXPECTED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pytest.exit(
            f"{EXPECTED} is missing or broken: this copy has neither the reference nor its recorded "
            "results. Ask your instructor for a fresh copy.",
            returncode=4,
        )


@pytest.fixture
def run_case(student: Implementation, reference: Implementation | None, expectations: dict | None):
    """run_case(case): probe the student, and judge against the reference (or its recorded results)."""

    def run(case) -> None:
        if reference is not None:
            run_in_process(case, student, reference)
            return
        recorded = expectations.get(str(case.check.step), {}).get(case.id)
        if recorded is None:
            pytest.fail(
                f"{EXPECTED.name} has no expected result for {case.id}: it does not match these tests. "
                "Ask your instructor for a fresh copy."
            )
        run_with_expected(case, student, recorded)

    return run


# ---- Reporting -----------------------------------------------------------------------------------


def _step_of(item: pytest.Item) -> int | None:
    for marker in item.iter_markers():
        if marker.name.startswith("step") and marker.name[4:].isdigit():
            return int(marker.name[4:])
    return None


class JsonReport:
    """One JSON line per test: {"event": "start"} when it begins, {"event": "end", "outcome": ...} after."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.steps: dict[str, int | None] = {}
        self.errors: dict[str, dict] = {}  # nodeid -> the student's exception (type, file, line, ...)
        self.durations: dict[str, float] = {}  # nodeid -> seconds of its setup, call and teardown so far

    def write(self, record: dict) -> None:
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
        elif report.failed:
            outcome, message = "failed", getattr(report, "kata_message", None) or str(report.longrepr)[:4000]
        elif report.skipped and outcome == "passed":
            outcome = "skipped"
        self.outcomes[report.nodeid] = (outcome, message)
        if getattr(report, "kata_error", None):
            self.errors[report.nodeid] = report.kata_error
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.when == "teardown":
            record = {
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


_SHOWN = pytest.StashKey[set]()  # the unreadable files already explained in full in this run


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """Reports for todo, judged failures and exceptions in the student's code, made directly: pytest's
    own report would first format a full traceback, only for it to be replaced (slow for 30 todos)."""
    if call.excinfo is None or call.when != "call":
        return None
    error = call.excinfo.value
    package = item.config.stash[_IMPL] / PACKAGE
    info = describe_exception(error, package)
    message = None  # the text of the JSON report, when it differs from what the terminal shows
    repeat = False
    if "stub_step" in info:
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
    if "stub_step" in info:
        report.kata_todo = todo  # type: ignore[attr-defined]
    elif "file" in info or info["type"] in ("MissingName", "RecursionError"):
        report.kata_message = message  # type: ignore[attr-defined]
        report.kata_repeat = repeat  # type: ignore[attr-defined]
        report.kata_error = {k: info[k] for k in ("type", "message", "file", "line", "function") if k in info}  # type: ignore[attr-defined]
    return report


CANNOT_RUN = "cannot run"  # the category of the checks stopped by an error already shown in full


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if getattr(report, "kata_todo", None) and report.when == "call":
        return "todo", "T", ("TODO", {"yellow": True})
    if getattr(report, "kata_repeat", False) and report.when == "call":
        return CANNOT_RUN, "F", ("FAILED", {"red": True})
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
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
