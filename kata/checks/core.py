"""The catalogue's building blocks: a Check (probe + judge), a Case (a check with its inputs).

A probe runs next to the student's code and returns plain data (numbers, strings, lists,
dicts): never a verdict. A judge runs in trusted code (the pytest process, or the grader's
parent process) and compares that data with what the reference produced for the same case,
returning the problems it finds, in words a student can act on.

The pytest suites run probe and judge in one process. The grader runs the probe in a sandboxed
child and the judge in its own process. Both use exactly these objects.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kata.numbers import EXACT, Tolerance, close, is_real, show

Observation = dict
Probe = Callable[[Any, dict], Observation]
Judge = Callable[[dict, Observation, Observation], list[str]]

PUBLIC_SEED = 2024  # the seed of the public test suites; the grader's default differs (grader/config)


@dataclass(frozen=True)
class Check:
    step: int
    name: str  # unique within the step, e.g. "mul-backward"
    title: str  # what it checks, for a student
    probe: Probe
    judge: Judge
    weight: float = 1.0

    @property
    def key(self) -> str:
        return f"step{self.step}.{self.name}"


@dataclass(frozen=True)
class Case:
    check: Check
    args: dict = field(default_factory=dict)  # JSON-able inputs of the probe
    label: str = ""  # the inputs as a student reads them

    @property
    def id(self) -> str:
        return f"{self.check.name}[{self.label}]" if self.label else self.check.name

    @property
    def title(self) -> str:
        return f"{self.check.title} [{self.label}]" if self.label else self.check.title


REGISTRY: dict[str, Check] = {}


def check(
    step: int, name: str, title: str, judge: Judge | None = None, weight: float = 1.0
) -> Callable[[Probe], Check]:
    """Register a probe as a check of a step; the judge defaults to `compare`."""

    def register(probe: Probe) -> Check:
        made = Check(step, name, title, probe, judge or default_judge, weight)
        if made.key in REGISTRY:
            raise ValueError(f"two checks are named {made.key}")
        REGISTRY[made.key] = made
        return made

    return register


def step_rng(seed: int, step: int) -> random.Random:
    """The random generator of one step's cases: the same seed always gives the same cases."""
    return random.Random(f"micrograd-kata/{seed}/step{step}")


# ---- Judging --------------------------------------------------------------------------------


def compare(expected: Any, got: Any, path: str = "", tolerance: Tolerance = EXACT) -> list[str]:
    """Every difference between two observations, numbers compared with the tolerance."""
    where = path or "result"
    if isinstance(expected, dict) and "not_a_number" not in expected:
        if not isinstance(got, dict) or "not_a_number" in got:
            return [f"{where}: expected a record, got {show(got)}"]
        problems: list[str] = []
        for key, value in expected.items():
            if key not in got:
                problems.append(f"{_join(path, key)}: missing")
            else:
                problems.extend(compare(value, got[key], _join(path, key), tolerance))
        return problems
    if isinstance(expected, list):
        if not isinstance(got, list):
            return [f"{where}: expected a list of {len(expected)}, got {show(got)}"]
        if len(got) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {len(got)}"]
        problems = []
        for i, (e, g) in enumerate(zip(expected, got)):
            problems.extend(compare(e, g, f"{where}[{i}]", tolerance))
        return problems
    if is_real(expected) and type(expected) is float:
        if not is_real(got):
            return [f"{where}: expected {show(expected)}, got {show(got)} (not a finite number)"]
        if not close(expected, got, tolerance):
            return [f"{where}: expected {show(expected)}, got {show(got)}"]
        return []
    if expected != got or type(expected) is not type(got):
        return [f"{where}: expected {show(expected)}, got {show(got)}"]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def default_judge(args: dict, expected: Observation, got: Observation) -> list[str]:
    return compare(expected, got)


# ---- Running a case in one process (the pytest runner) -----------------------------------------


class CheckFailed(AssertionError):
    """A probe's result was judged wrong; the message is the judge's explanation."""


def run_in_process(case: Case, student: Any, reference: Any) -> None:
    """Probe the student, probe the reference, judge. Raises CheckFailed with the explanation.

    Exceptions from the student's code propagate (the pytest plugin reports stubs as todo and
    explains the others).
    """
    got = case.check.probe(student, case.args)  # first: a stub stops here, without running the reference
    expected = case.check.probe(reference, case.args)
    problems = case.check.judge(case.args, expected, got)
    if problems:
        raise CheckFailed(explain_failure(case, problems))


def run_with_expected(case: Case, student: Any, expected: dict) -> None:
    """Probe the student and judge against an observation recorded from the reference earlier (the
    student release, which has no reference). Raises CheckFailed with the explanation."""
    got = case.check.probe(student, case.args)
    problems = case.check.judge(case.args, expected, got)
    if problems:
        raise CheckFailed(explain_failure(case, problems))


def require(problems: list[str], title: str) -> None:
    """Raise CheckFailed explaining the problems, if there are any (for the property tests)."""
    if problems:
        raise CheckFailed("\n".join([title, *(f"  {line}" for p in problems for line in p.splitlines())]))


def explain_failure(case: Case, problems: list[str]) -> str:
    return failure_text(case.check.key, case.title, problems)


def failure_text(key: str, title: str, problems: list[str]) -> str:
    text = [f"{key}: {title}"]
    text.extend(f"  {line}" for problem in problems for line in problem.splitlines())
    return "\n".join(text)
