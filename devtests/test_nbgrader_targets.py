"""The nbgrader make targets run every step, from inside the course folder, and stop with a non-zero
exit status at the first step that fails (they once did step 1 only, or failed after it).

nbgrader itself is replaced by a script that records its arguments and fails on the step it is told
to, in a virtual environment of its own (VENV=...), so these tests take a second; the real nbgrader
runs through the same targets in the round trip (devtests/nbgrader_roundtrip.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kata.manifest import load
from kata.paths import ROOT

STEPS = [s.number for s in load().steps]
FAKE_NBGRADER = """#!/bin/sh
# records where and how it was called; fails for the step in $FAIL_AT
echo "$(pwd) $*" >> "$CALLS"
[ "$2" = "step$FAIL_AT" ] && { echo "fake nbgrader: $2 fails" >&2; exit 3; }
exit 0
"""


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A stand-in for .venv: its make stamps are fresh, and its nbgrader is the fake one."""
    folder = tmp_path / "venv"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    script = folder / "bin" / "nbgrader"
    script.write_text(FAKE_NBGRADER)
    script.chmod(0o755)
    later = time.time() + 5  # newer than any requirements file, so make installs nothing
    for stamp in (".ready-student", ".ready-instructor"):
        (folder / stamp).touch()
        os.utime(folder / stamp, (later, later))
    return folder


def make(target: str, venv: Path, course: Path, fail_at: int | None = None) -> tuple[int, str, list[str]]:
    calls = venv / "calls.txt"
    calls.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(CALLS=str(calls), FAIL_AT=str(fail_at or ""))
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), target, f"COURSE={course}", f"VENV={venv}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    made = calls.read_text().splitlines() if calls.exists() else []
    for line in made:
        assert line.startswith(f"{course} "), f"nbgrader ran outside the course folder: {line}"
    return done.returncode, done.stdout + done.stderr, [line.removeprefix(f"{course} ") for line in made]


def course_with(tmp_path: Path, folder: str, steps: list[int]) -> Path:
    course = tmp_path / "course"
    for student in ("ann", "bob"):
        for n in steps:
            (course / folder / student / f"step{n}").mkdir(parents=True)
    course.mkdir(exist_ok=True)
    return course


def test_release_runs_every_step(venv: Path, tmp_path: Path) -> None:
    code, output, calls = make("nbgrader-release", venv, course_with(tmp_path, "source", STEPS))
    assert code == 0, output
    assert calls == [f"generate_assignment step{n} --force" for n in STEPS]


def test_release_stops_at_the_first_failing_step_and_says_which(venv: Path, tmp_path: Path) -> None:
    code, output, calls = make("nbgrader-release", venv, course_with(tmp_path, "source", STEPS), fail_at=2)
    assert code != 0
    assert calls == ["generate_assignment step1 --force", "generate_assignment step2 --force"]
    assert "generate_assignment step2 failed" in output


def test_autograde_runs_every_submitted_step_and_only_those(venv: Path, tmp_path: Path) -> None:
    code, output, calls = make("nbgrader-autograde", venv, course_with(tmp_path, "submitted", [1, 3, 4]))
    assert code == 0, output
    assert calls == ["autograde step1", "autograde step3", "autograde step4"]


def test_autograde_stops_at_the_first_failing_step(venv: Path, tmp_path: Path) -> None:
    code, output, calls = make("nbgrader-autograde", venv, course_with(tmp_path, "submitted", [1, 3, 4]), fail_at=3)
    assert code != 0
    assert calls == ["autograde step1", "autograde step3"]
    assert "autograde step3 failed" in output


def test_feedback_runs_every_autograded_step_and_stops_at_a_failure(venv: Path, tmp_path: Path) -> None:
    course = course_with(tmp_path, "autograded", [2, 5, 6])
    code, output, calls = make("nbgrader-feedback", venv, course)
    assert code == 0, output
    assert calls == ["generate_feedback step2", "generate_feedback step5", "generate_feedback step6"]
    code, output, calls = make("nbgrader-feedback", venv, course, fail_at=5)
    assert code != 0 and calls == ["generate_feedback step2", "generate_feedback step5"]


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("nbgrader-autograde", "nothing to autograde"),
        ("nbgrader-feedback", "nothing autograded yet"),
    ],
)
def test_a_course_with_nothing_to_do_is_an_error_that_says_so(
    venv: Path, tmp_path: Path, target: str, says: str
) -> None:
    code, output, calls = make(target, venv, course_with(tmp_path, "source", STEPS))
    assert code != 0 and says in output and calls == []


@pytest.mark.parametrize("target", ["nbgrader-release", "nbgrader-autograde", "nbgrader-feedback"])
def test_a_missing_course_folder_fails_before_nbgrader_runs(venv: Path, tmp_path: Path, target: str) -> None:
    code, _, calls = make(target, venv, tmp_path / "no-such-course")
    assert code != 0 and calls == []
