"""`make test-stepN` as a student meets it: todo reads as todo, failures are counted, and an
infinite loop ends within the step's budget with a message naming the step and the test."""

import dataclasses
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kata.catalogue.bugs import BUGS
from kata.manifest import load
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.runner import run_step, run_steps, summary

MANIFEST = load()


def _copy_reference(tmp_path: Path, old: str, new: str, file: str = "engine.py") -> str:
    shutil.copytree(SOLUTIONS / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / PACKAGE / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return str(tmp_path)


def test_untouched_stubs_are_all_todo_with_a_next_step() -> None:
    result = run_step(MANIFEST.step(1), impl="exercises", capture=True)
    assert (result.passed, result.failed) == (0, 0) and result.todo == result.total > 10
    assert result.returncode == 1 and not result.done
    assert "Next: Step 1: implement numerical_derivative (make hint STEP=1)" in summary(result)
    assert "Traceback" not in result.output


def test_a_wrong_implementation_fails_with_expected_and_got(tmp_path: Path) -> None:
    impl = _copy_reference(
        tmp_path, "self.grad += (1 - out.data**2) * out.grad", "self.grad += (1 - self.data**2) * out.grad"
    )
    result = run_step(MANIFEST.step(3), impl=impl, capture=True)
    assert result.failed >= 1 and result.todo == 0
    assert "the derivative of tanh is computed from the input" in result.output
    assert "expected" in result.output and "got" in result.output


def test_an_infinite_loop_ends_within_the_budget_and_names_the_step(tmp_path: Path) -> None:
    impl = _copy_reference(
        tmp_path,
        "    order = []\n    visited = set()\n",
        "    order = []\n    visited = set()\n    while True:\n        pass\n",
    )
    step = dataclasses.replace(MANIFEST.step(4), budget=2)
    started = time.perf_counter()
    result = run_step(step, impl=impl, capture=True)
    assert time.perf_counter() - started < step.budget + 10
    text = summary(result)
    assert "Step 4 (Topological order and backward()): TIMED OUT" in text
    assert "test_" in text
    assert "Your code was still running: engine.py line" in text and "in topological_order:  while True:" in text
    assert "infinite loop" in text
    assert "+++++ Timeout +++++" in result.output  # the dump is kept for the runner, not shown


def test_the_failures_found_before_a_timeout_are_printed(tmp_path: Path) -> None:
    from grader.zoo import apply, bug

    impl = _copy_reference(
        tmp_path, "        self.grad = 1.0  # d(self)/d(self)\n", "        while True:\n            pass\n"
    )
    engine = tmp_path / PACKAGE / "engine.py"
    engine.write_text(apply(bug("topo-pre-order"), engine.read_text()))
    step = dataclasses.replace(MANIFEST.step(4), budget=2)
    result = run_step(step, impl=impl, capture=True)
    text = summary(result)
    assert result.state == "timeout" and result.failed >= 1
    assert "failing check(s) found before (and after) it" in text
    # the example that did finish before the hang is reported with what it expected
    assert "test_a_node_reached_twice_is_listed_once_after_all_its_inputs" in text


def test_the_reference_passes_and_points_to_the_next_step() -> None:
    result = run_step(MANIFEST.step(2), impl="solutions", capture=True)
    assert result.done, result.output
    assert "Next: make test-step3" in summary(result, MANIFEST.step(3))


def test_an_unknown_step_is_a_clear_error() -> None:
    completed = subprocess.run([sys.executable, "-m", "kata", "test", "42"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "there is no step 42; the steps are 1, 2, 3, 4, 5, 6, 7, 8" in completed.stderr


@pytest.mark.parametrize("broken", ["syntax", "import"])
def test_a_broken_file_is_reported_with_its_file_and_line(tmp_path: Path, broken: str) -> None:
    new = "def oops(:\n" if broken == "syntax" else "import numpy_that_is_not_there\n"
    impl = _copy_reference(tmp_path, '"""Step 1', new + '"""Step 1', file="numeric.py")
    result = run_step(MANIFEST.step(1), impl=impl, capture=True)
    assert not result.done
    expected = "numeric.py line 1" if broken == "syntax" else "ModuleNotFoundError"
    assert expected in result.output, result.output


def test_a_renamed_function_asks_whether_it_was_renamed(tmp_path: Path) -> None:
    impl = _copy_reference(tmp_path, "def numerical_gradient(", "def numerical_grad(", file="numeric.py")
    result = run_step(MANIFEST.step(1), impl=impl, capture=True)
    assert result.failed and "numeric.py has no numerical_gradient: did you rename or delete it?" in result.output
    assert "Traceback" not in result.output


# ---- the same verdict on every run (issue 12: the step 4 timeouts) ---------------------------------------


def _kata_test(step: int, impl: str) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "kata", "test", str(step), "--impl", impl],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed.returncode, completed.stdout + completed.stderr


def _verdict(output: str) -> str:
    """The summary line without its time: 'Step 4 (...): 10 passed, 6 failing, 0 todo'."""
    last = [line for line in output.splitlines() if line.startswith("Step 4 (")][-1]
    return re.sub(r" in \d+\.\d s", "", last)


def test_the_classic_step4_bugs_get_the_same_verdict_and_diagnosis_five_times(tmp_path: Path) -> None:
    from grader.zoo import bug, with_bugs

    cases = {
        name: str(with_bugs(tmp_path / name, [bug(name)]).parent) for name in ("topo-pre-order", "topo-no-visited-set")
    }
    hang = _copy_reference(
        tmp_path / "hang",
        "    order = []\n    visited = set()\n",
        "    order = []\n    visited = set()\n    while True:\n        pass\n",
    )
    for name, impl in cases.items():
        runs = [_kata_test(4, impl) for _ in range(5)]
        verdicts = {_verdict(output) for _, output in runs}
        assert len(verdicts) == 1, f"{name}: {verdicts}"
        assert all(code == 1 for code, _ in runs)
        assert all(BUGS[bug(name).bug] in output for _, output in runs), f"{name}: the diagnosis is missing"
        assert not any("TIMED OUT" in output for _, output in runs), name
    runs = [_kata_test(4, hang) for _ in range(5)]
    assert len({_verdict(output) for _, output in runs}) == 1
    assert all("TIMED OUT" in output and "infinite loop" in output for _, output in runs)


def test_a_step_gets_the_same_examples_alone_and_with_every_other_step(tmp_path: Path) -> None:
    from grader.zoo import bug, with_bugs

    impl = str(with_bugs(tmp_path, [bug("topo-no-visited-set")]).parent)
    alone = run_step(MANIFEST.step(4), impl=impl, capture=True)
    together = run_steps(list(MANIFEST.steps), impl=impl)[3]
    assert (alone.passed, alone.failed) == (together.passed, together.failed)
    assert sorted(alone.messages) == sorted(together.messages)


# ---- every `python -m kata` path checks what it needs first --------------------------------------------


def test_a_python_without_the_test_tools_is_told_the_one_command_that_fixes_it(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = bare / "bin" / "python"
    for command in (["progress"], ["test", "3"], ["test", "all"], ["watch"]):
        completed = subprocess.run([str(python), "-m", "kata", *command], cwd=ROOT, capture_output=True, text=True)
        assert completed.returncode == 2, (command, completed.stdout, completed.stderr)
        assert "need pytest, pytest-timeout, hypothesis" in completed.stderr
        assert f"{python} -m pip install -r requirements/student.txt" in completed.stderr
        assert "Every step passes" not in completed.stdout + completed.stderr


def test_pytest_without_pytest_timeout_is_not_blamed_on_the_student(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from kata import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pytest_timeout" else real(name, *a)
    )
    assert cli.main(["test", "3"]) == 2
    printed = capsys.readouterr()
    assert "need pytest-timeout" in printed.err and "syntax error" not in printed.err + printed.out


def _old_python() -> str | None:
    """A Python older than 3.11 that runs on this machine, if there is one."""
    pyenv = sorted(str(p) for p in Path.home().glob(".pyenv/versions/*/bin/python"))
    for name in ("python3.10", "python3.9", "python3.8", "python3.7", "python2", "python", *pyenv):
        path = shutil.which(name)
        if path is None:
            continue
        probe = subprocess.run([path, "-c", "import sys; sys.exit(sys.version_info >= (3, 11))"], capture_output=True)
        if probe.returncode == 0:
            return path
    return None


def test_an_old_python_is_told_which_python_to_use() -> None:
    old = _old_python()
    if old is None:
        pytest.skip("no Python older than 3.11 on this machine")
    completed = subprocess.run([old, "-m", "kata", "test", "1"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "the kata needs Python 3.11 or newer" in completed.stderr and "-m kata test 1" in completed.stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["test", ".o"],
            f"'.o' is not a step number. The steps are {', '.join(str(s.number) for s in MANIFEST.steps)} (or 'all')",
        ),
        (["test"], "which step? make test-step1"),
        (["hint", "x"], "'x' is not a step number"),
        (["reset"], "which step? make reset STEP=3"),
    ],
)
def test_bad_arguments_get_a_sentence_not_a_traceback(arguments: list[str], expected: str) -> None:
    completed = subprocess.run([sys.executable, "-m", "kata", *arguments], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 2
    assert expected in completed.stderr and "Traceback" not in completed.stderr


def test_make_hides_its_error_line_after_a_verdict_but_keeps_it_for_misuse() -> None:
    completed = subprocess.run(["make", "-s", "test-step1"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0 and "todo" in completed.stdout
    assert "Error 1" not in completed.stdout + completed.stderr
    strict = subprocess.run(["make", "-s", "test-step1", "STRICT=1"], cwd=ROOT, capture_output=True, text=True)
    assert strict.returncode != 0
    missing = subprocess.run(["make", "-s", "test-step"], cwd=ROOT, capture_output=True, text=True)
    assert "which step? make test-step1" in missing.stdout and "invalid literal" not in missing.stdout + missing.stderr


def test_setup_makes_the_venv_the_dependency_message_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kata import deps

    empty = tmp_path / "requirements.txt"
    empty.write_text("# nothing to install: the test must not need the network\n")
    monkeypatch.setitem(deps.REQUIREMENTS, "student", str(empty))
    venv = tmp_path / "venv"
    assert deps.setup(venv=venv) == 0
    assert deps.venv_python(venv).exists()
    assert f"{deps.venv_python(venv)} -m kata test 1" in capsys.readouterr().out
