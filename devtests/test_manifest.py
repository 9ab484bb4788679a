"""The manifest is the single source: everything that lists steps agrees with it."""

import re

import pytest

from kata.catalogue import CHECKS, STEPS
from kata.manifest import ManifestError, Step, load, parse
from kata.oracle.draw import cases
from kata.paths import ROOT

MANIFEST = load()


def test_steps_are_numbered_in_order_and_points_add_up() -> None:
    assert [s.number for s in MANIFEST.steps] == list(range(1, len(MANIFEST.steps) + 1))
    assert sum(s.points for s in MANIFEST.required) == MANIFEST.total_points == 100


def test_bonus_steps_come_after_the_required_ones() -> None:
    flags = [s.bonus for s in MANIFEST.steps]
    assert flags == sorted(flags) and any(flags), "bonus steps follow the required steps"


@pytest.mark.parametrize("step", MANIFEST.steps, ids=lambda s: f"step{s.number}")
def test_every_step_has_its_suite_marked_with_its_marker(step: Step) -> None:
    text = (ROOT / step.test_file).read_text()
    assert f"pytestmark = pytest.mark.{step.marker}" in text


def test_no_suite_without_a_step() -> None:
    numbers = {
        int(m.group(1))
        for p in (ROOT / "tests").glob("test_step*.py")
        if (m := re.match(r"test_step(\d+)\.py", p.name))
    }
    assert numbers == {s.number for s in MANIFEST.steps}


def test_the_catalogue_covers_every_step_and_uses_every_check() -> None:
    assert set(STEPS) == {s.number for s in MANIFEST.steps}
    used = {case.key for step in STEPS for case in cases(step, MANIFEST.public_seed)}
    assert used == set(CHECKS), f"checks without cases: {set(CHECKS) - used}"
    for key, check in CHECKS.items():
        assert key.startswith(f"step{check.step}.")
        step = MANIFEST.step(check.step)
        assert set(check.uses) <= set(step.depends), f"{key} uses steps that kata.toml does not list in depends"


GOOD = """
[kata]
package = "micrograd"
total_points = 5
public_seed = 1
grading_seed = 2
[[steps]]
number = 1
title = "t"
file = "numeric.py"
points = 5
budget = 1
teaches = "x"
task = "implement {name}"
functions = ["f", { name = "g", task = "write g" }]
hints = ["a", "b", "c"]
"""


def test_a_function_may_override_its_task() -> None:
    step = parse(GOOD).step(1)
    assert step.stub_message(step.functions[0]) == "Step 1: implement f (make hint STEP=1)"
    assert step.stub_message(step.functions[1]) == "Step 1: write g (make hint STEP=1)"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('hints = ["a", "b", "c"]', 'hints = ["a"]'), "exactly 3 hints"),
        (("number = 1", "number = 2"), "numbered 1, 2, 3"),
        (("total_points = 5", "total_points = 7"), "add up to 5"),
        (('title = "t"\n', ""), "has no 'title'"),
        (("grading_seed = 2\n", ""), "the [kata] table has no grading_seed"),
    ],
)
def test_a_broken_manifest_says_what_is_wrong(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ManifestError, match=re.escape(message)):
        parse(GOOD.replace(*edit))


def test_an_unknown_step_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="the steps are 1, 2"):
        MANIFEST.step(99)
