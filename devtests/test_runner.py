"""`make test-stepN` as a student meets it: todo reads as todo, failures are counted, and an
infinite loop ends within the step's budget with a message naming the step and the test."""

import dataclasses
import shutil
import subprocess
import sys
import time

import pytest

from kata.manifest import load
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.runner import run_step, summary

MANIFEST = load()


def _copy_reference(tmp_path, old, new, file="engine.py"):
    shutil.copytree(SOLUTIONS / PACKAGE, tmp_path / PACKAGE)
    path = tmp_path / PACKAGE / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return str(tmp_path)


def test_untouched_stubs_are_all_todo_with_a_next_step():
    result = run_step(MANIFEST.step(1), impl="exercises", capture=True)
    assert (result.passed, result.failed) == (0, 0) and result.todo == result.total > 10
    assert result.returncode == 1 and not result.done
    assert "Next: Step 1: implement numerical_derivative (make hint STEP=1)" in summary(result)
    assert "Traceback" not in result.output


def test_a_wrong_implementation_fails_with_expected_and_got(tmp_path):
    impl = _copy_reference(
        tmp_path, "self.grad += (1 - out.data**2) * out.grad", "self.grad += (1 - self.data**2) * out.grad"
    )
    result = run_step(MANIFEST.step(3), impl=impl, capture=True)
    assert result.failed >= 1 and result.todo == 0
    assert "the derivative of tanh is computed from the input" in result.output
    assert "expected" in result.output and "got" in result.output


def test_an_infinite_loop_ends_within_the_budget_and_names_the_step(tmp_path):
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
    assert "did not finish within the step's budget" in text and "test_" in text


def test_the_reference_passes_and_points_to_the_next_step():
    result = run_step(MANIFEST.step(2), impl="solutions", capture=True)
    assert result.done, result.output
    assert "Next: make test-step3" in summary(result, MANIFEST.step(3))


def test_an_unknown_step_is_a_clear_error():
    completed = subprocess.run([sys.executable, "-m", "kata", "test", "42"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "there is no step 42; the steps are 1, 2, 3, 4, 5, 6, 7, 8" in completed.stderr


@pytest.mark.parametrize("broken", ["syntax", "import"])
def test_a_broken_file_is_reported_with_its_file_and_line(tmp_path, broken):
    new = "def oops(:\n" if broken == "syntax" else "import numpy_that_is_not_there\n"
    impl = _copy_reference(tmp_path, '"""Step 1', new + '"""Step 1', file="numeric.py")
    result = run_step(MANIFEST.step(1), impl=impl, capture=True)
    assert not result.done
    expected = "numeric.py line 1" if broken == "syntax" else "ModuleNotFoundError"
    assert expected in result.output, result.output


def test_a_renamed_function_asks_whether_it_was_renamed(tmp_path):
    impl = _copy_reference(tmp_path, "def numerical_gradient(", "def numerical_grad(", file="numeric.py")
    result = run_step(MANIFEST.step(1), impl=impl, capture=True)
    assert result.failed and "numeric.py has no numerical_gradient: did you rename or delete it?" in result.output
    assert "Traceback" not in result.output
