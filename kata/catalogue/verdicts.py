"""From what a probe reported to a verdict: the same logic for a student's pytest run, a notebook
and the grader, so that they always agree.

    passed    the observation is right
    failed    the judge found problems (the step's own code is wrong)
    blocked   the check could not judge this step's code, because an earlier step's code does not
              work yet (a stub, an op that cannot be built); it counts neither way
    todo      the step's own code is a stub
    error     the step's own code raised
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kata.catalogue.core import Case, Expectation, Observation, Problem, blocked, looks_like
from kata.messages import explain


@dataclass
class Outcome:
    state: str
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # what a student reads (the problems, or the explanation of an exception)

    @property
    def bugs(self) -> list[str]:
        return [p.bug for p in self.problems if p.bug]

    @property
    def blocked_by(self) -> int:
        return next((p.blocked_by for p in self.problems if p.blocked_by), 0)


def classify_error(step: int, info: Observation) -> str:
    """The classic bug an exception from the student's code is, when it is one ("" otherwise)."""
    kind, message = str(info.get("type", "")), str(info.get("message", ""))
    if step == 4 and kind == "RecursionError":
        return "topo-recursive"
    if kind == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'", message):
        return "no-coercion"
    return ""


def of_error(case: Case, info: Observation) -> Outcome:
    """The outcome of a probe that raised (info: kata.harness.observe.describe_exception)."""
    step = case.check.step
    stub = info.get("stub_step")
    if isinstance(stub, int) and stub < step:
        problem = blocked(stub, f"this check runs step {stub}'s code, which is not written yet")
        return Outcome("blocked", [problem], problem.text)
    if isinstance(stub, int):
        return Outcome("todo", [], f"not started: {info.get('message', '')}")
    text = explain(info)
    bug = classify_error(step, info)
    problems = [Problem(text)]
    if bug:
        problem = looks_like(bug)
        problems.append(problem)
        text += f"\n    {problem.text}"
    return Outcome("error", problems, text)


def of_result(case: Case, observation: Observation, expect: Callable[[Case, Observation], Expectation]) -> Outcome:
    """The outcome of a probe that returned an observation."""
    problems = case.check.judge(case.args, expect(case, observation), observation)
    if not problems:
        return Outcome("passed")
    text = "\n".join(p.text for p in problems)
    if any(p.blocked_by for p in problems):
        return Outcome("blocked", problems, text)
    return Outcome("failed", problems, text)
