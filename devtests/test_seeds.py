"""Anything handed to students is built from the course's own seed, given on purpose: `make gradescope` and
`make notebooks` (and their python -m twins) refuse without one, or with one of the kata's public seeds."""

import subprocess
from pathlib import Path

import pytest

from grader.cli import main
from kata.manifest import load
from kata.paths import ROOT

MANIFEST = load()


@pytest.mark.parametrize("command", ["gradescope", "notebooks"])
@pytest.mark.parametrize("seed", [None, MANIFEST.public_seed, MANIFEST.grading_seed])
def test_a_build_for_students_refuses_a_missing_or_public_seed(
    command: str, seed: int | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--out", str(tmp_path / "gs")] if command == "gradescope" else ["--course", str(tmp_path / "course")]
    assert main([command, *where, *([] if seed is None else ["--seed", str(seed)])]) == 2
    said = capsys.readouterr().err
    assert "secrets.randbelow" in said and "SEED=" in said and "keep it private" in said
    assert ("none was given" if seed is None else "printed in kata.toml") in said
    assert not (tmp_path / "gs").exists() and not (tmp_path / "course").exists()


def test_make_gradescope_without_a_seed_says_how_to_pick_one(tmp_path: Path) -> None:
    done = subprocess.run(["make", "-s", "gradescope"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "needs a seed of your own" in done.stderr and "SEED=" in done.stderr


def test_the_bare_grader_records_its_seed() -> None:
    from grader.batch import DEFAULT_SEED
    from grader.cli import parse

    assert parse(["grade"]).seed == DEFAULT_SEED == MANIFEST.grading_seed  # a first look may use the default ...
    # ... and the gradebook's seed column (devtests/test_gradebook.py) and the report record it
