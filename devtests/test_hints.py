"""make hint: one more level each time, per function where kata.toml has function hints, for the function
the student is at; remembered in a small local file."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kata import hints
from kata.catalogue import public_cases
from kata.current import current_function, current_step
from kata.dev import exercises as generator
from kata.manifest import Step, load
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.runner import run_step

STEP2, STEP3 = load().step(2), load().step(3)


def test_each_call_reveals_one_more_level_and_keeps_the_earlier_ones(tmp_path: Path) -> None:
    state = tmp_path / "hints.json"
    level, text = hints.reveal(STEP2, state)
    assert level == 1 and STEP2.hints[0] in text and STEP2.hints[1] not in text
    level, text = hints.reveal(STEP2, state)
    assert level == 2 and STEP2.hints[0] in text and STEP2.hints[1] in text and STEP2.hints[2] not in text
    level, text = hints.reveal(STEP2, state)
    assert level == 3 and "That was the last hint" in text
    assert hints.reveal(STEP2, state)[0] == 3  # it stays at the last level


def test_levels_are_per_step_and_can_be_reset(tmp_path: Path) -> None:
    state = tmp_path / "hints.json"
    hints.reveal(STEP2, state)
    hints.reveal(STEP2, state)
    assert hints.reveal(STEP3, state)[0] == 1
    hints.reset(STEP2, state)
    assert hints.reveal(STEP2, state)[0] == 1
    assert hints.reveal(STEP3, state)[0] == 2


def test_a_corrupt_state_file_starts_over(tmp_path: Path) -> None:
    state = tmp_path / "hints.json"
    state.write_text("{not json")
    assert hints.reveal(STEP2, state)[0] == 1


# ---- per-function hints and the function at hand ------------------------------------------------------


MANIFEST = load()


@pytest.mark.parametrize("step", MANIFEST.steps, ids=lambda s: f"step{s.number}")
def test_every_hint_group_names_its_steps_functions_and_claims_real_checks(step: Step) -> None:
    names = {f.name for f in step.functions}
    ids = [case.id for case in public_cases(step.number)]
    for group in hints.groups(step):
        assert set(group.functions) <= names, (
            f"step {step.number}: {set(group.functions) - names} are not its functions"
        )
        for pattern in group.checks:
            assert any(re.search(pattern, i) for i in ids), f"step {step.number}: {pattern!r} matches no check"
    grouped = [f for g in hints.groups(step) for f in g.functions]
    assert len(grouped) == len(set(grouped)), f"step {step.number}: a function is in two groups"


def test_steps_with_many_functions_have_hints_per_function() -> None:
    for step in MANIFEST.steps:
        if len(step.functions) >= 4:
            covered = {f for g in hints.groups(step) for f in g.functions}
            assert covered == {f.name for f in step.functions}, f"step {step.number} has functions without hints"


def test_a_failing_check_picks_the_group_about_it() -> None:
    step2 = MANIFEST.step(2)
    assert "Value.__mul__" in hints.for_checks(step2, ["op-forward[a * b with a = 1.12, b = -0.21]"]).functions
    assert "Value.__rsub__" in hints.for_checks(step2, ["op-forward[0.5 - a with a = -1.98]"]).functions
    assert hints.for_checks(step2, ["something-else"]).functions == ()


def test_group_levels_are_remembered_apart_from_the_steps(tmp_path: Path) -> None:
    state = tmp_path / "hints.json"
    mul = hints.for_function(STEP2, "Value.__mul__")
    assert hints.reveal(STEP2, state, group=mul)[0] == 1
    level, text = hints.reveal(STEP2, state, group=mul)
    assert level == 2 and mul.hints[1] in text and "About: Value.__add__, Value.__mul__" in text
    assert hints.reveal(STEP2, state)[0] == 1  # the step's own hints have their own level
    hints.reset(STEP2, state)
    assert hints.reveal(STEP2, state, group=mul)[0] == 1


def _impl(folder: Path, upto: int) -> str:
    generator.write(generator.build(SOLUTIONS / PACKAGE, MANIFEST, upto=upto), folder / PACKAGE)
    return str(folder)


def test_the_current_step_and_function_come_from_the_stubs_left(tmp_path: Path) -> None:
    impl = _impl(tmp_path, 2)
    step = current_step(MANIFEST, impl)
    assert step is not None and step.number == 3
    function = current_function(step, MANIFEST, impl)
    assert function is not None and function.name == "backprop_by_hand"  # step 3 opens with its warm-up
    engine = tmp_path / PACKAGE / "engine.py"
    solved = generator.build(SOLUTIONS / PACKAGE, MANIFEST, upto=3)["engine.py"]
    engine.write_text(solved.replace("self.grad += other.data * out.grad", "self.grad += other.data * outt.grad"))
    result = run_step(MANIFEST.step(3), impl=impl, capture=True)  # the run records where it failed
    assert result.failed
    step = current_step(MANIFEST, impl)
    assert step is not None and step.number == 3
    function = current_function(MANIFEST.step(3), MANIFEST, impl)
    assert function is not None and function.name == "Value.__mul__._backward"


def test_make_hint_without_a_step_hints_the_function_at_hand(tmp_path: Path) -> None:
    impl = _impl(tmp_path / "work", 1)
    completed = subprocess.run(
        [sys.executable, "-m", "kata", "hint", "--impl", impl],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "KATA_STATE": str(tmp_path / "state")},
    )
    assert completed.returncode == 0, completed.stderr
    assert "you are at step 2" in completed.stdout
    assert "About: Value.__init__" in completed.stdout and "Hint 1 of 3" in completed.stdout
    assert (tmp_path / "state" / "hints.json").is_file()
