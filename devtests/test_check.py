"""make check's stage runner (tools/check.py): it says which stage failed, and it runs the slow stages
only after the fast ones passed. Exercised here with stages of its kind that take a moment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import check


def stage(name: str, code: str, *, slow: bool = False, alone: str = "") -> check.Stage:
    return check.Stage(name, f"the {name} stage", ((sys.executable, "-c", code),), slow=slow, alone=alone)


PASS = "print('fine')"
FAIL = "import sys; print('\\n'.join(f'line {i}' for i in range(100))); sys.exit(3)"


def test_every_stage_is_named_once_and_the_fast_ones_come_first() -> None:
    names = [s.name for s in check.STAGES]
    assert len(names) == len(set(names))
    kinds = [s.slow for s in check.STAGES]
    assert kinds == sorted(kinds), "the fast stages come before the slow ones"
    assert check.STAGES[0].name == "lint"


def test_alone_stages_are_groups_of_their_own_in_their_place() -> None:
    a, b, c, d, e = (stage(n, PASS, slow=True, alone="why" if n in "ad" else "") for n in "abcde")
    assert [[s.name for s in group] for group in check.groups([a, b, c, d, e])] == [["a"], ["b", "c"], ["d"], ["e"]]


def test_a_failing_stage_is_named_with_the_tail_of_its_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stages = [stage("good", PASS), stage("bad", FAIL), stage("late", PASS, slow=True)]
    assert check.run_all(stages, jobs=2, logs=tmp_path / "logs") == 1
    out = capsys.readouterr().out
    assert "  good       pass" in out and "  bad        FAIL" in out
    assert "line 99" in out and "line 50" not in out, "the tail of the failed stage's log, not all of it"
    assert "skipped: late (a fast stage failed)" in out
    assert out.splitlines()[-1].startswith("make check: FAILED") and out.splitlines()[-1].endswith(")")
    assert "bad" in out.splitlines()[-1] and "good" not in out.splitlines()[-1]
    assert "stages: 1 passed, 1 failed, 1 skipped" in out
    logged = (tmp_path / "logs" / "bad.log").read_text().splitlines()
    assert logged[0].startswith("$ ") and sum(line.startswith("line ") for line in logged) == 100
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["bad.log", "good.log"]


def test_all_green_only_when_every_stage_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stages = [stage("quick", PASS), stage("slow1", PASS, slow=True), stage("lonely", PASS, slow=True, alone="why")]
    assert check.run_all(stages, jobs=2, logs=tmp_path / "logs") == 0
    out = capsys.readouterr().out
    assert "stages: 3 passed, 0 failed" in out
    assert out.splitlines()[-1].startswith("make check: all green")


def test_every_failed_slow_stage_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stages = [stage("one", FAIL, slow=True), stage("two", PASS, slow=True), stage("three", FAIL, slow=True)]
    assert check.run_all(stages, jobs=2, logs=tmp_path / "logs") == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert "one" in last and "three" in last and "two" not in last


def test_an_unknown_stage_is_refused_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.main(["lintt"]) == 2
    assert "no stage lintt; the stages are lint, types" in capsys.readouterr().err
