"""Grade one submission: every step in its own child, every value judged here, by the catalogue.

The plan of a submission holds, per step, the catalogue's cases, drawn from the seed and salted with
a hash of the submission's code (the same code and seed always get the same cases; answers copied
from one attempt's feedback do not fit the next). A submission's step runs in a sandboxed child that
only reports what the student's code did; here, in this trusted process, the oracle says what a
right implementation gives and the catalogue's judges compare. Steps 5-7 run on the kata's engine,
answered from here, so a bug in the student's engine costs points in its own step only. If a child
hangs or dies in the middle of a check, that check is charged and a fresh child carries on with the
rest, so one bad check does not cost the whole step, and a broken step never costs the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

from grader.sandbox import ChildRun, Limits, Sandbox, Zygote
from kata.catalogue import Case
from kata.catalogue.verdicts import Outcome, of_error, of_result
from kata.harness.probes import ON_KATA_ENGINE
from kata.manifest import Manifest, Step
from kata.oracle.draw import cases
from kata.oracle.evaluator import Evaluation
from kata.oracle.expect import expectation

MAX_RESTARTS = 6  # fresh children per step after a crash or a hang
MAX_TIMEOUTS = 2  # hangs per step before the remaining checks are not run (each costs the budget)


@dataclass
class Verdict:
    """The judgement of one case: state passed | failed | blocked | todo | error | timeout | crashed | not-run.

    A blocked check (an earlier step's code made it impossible to judge this one) counts neither way:
    the step's points are shared by the checks that could be judged."""

    step: int
    number: int  # 1-based within the step
    key: str  # "step3.op-backward"
    title: str
    state: str
    message: str
    weight: float
    max_score: Fraction
    score: Fraction
    bugs: list[str] = field(default_factory=list)  # the classic bugs it was diagnosed as (kata.catalogue.bugs)
    blocked_by: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "number": self.number,
            "key": self.key,
            "title": self.title,
            "state": self.state,
            "message": self.message,
            "weight": self.weight,
            "max_score": str(self.max_score),
            "score": str(self.score),
            "bugs": list(self.bugs),
            "blocked_by": self.blocked_by,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            data["step"],
            data["number"],
            data["key"],
            data["title"],
            data["state"],
            data["message"],
            data["weight"],
            Fraction(data["max_score"]),
            Fraction(data["score"]),
            list(data.get("bugs", [])),
            int(data.get("blocked_by", 0)),
        )


def exact_sum(fractions: list[Fraction]) -> Fraction:
    """sum(fractions), exactly, with one reduction (Fraction's + reduces at every step: read for every
    row of every output, it was a noticeable part of grading a class)."""
    common = lcm(*(f.denominator for f in fractions)) if fractions else 1
    return Fraction(sum(f.numerator * (common // f.denominator) for f in fractions), common)


@dataclass
class StepOutcome:
    number: int
    title: str
    points: int
    bonus: bool
    verdicts: list[Verdict]
    problem: str = ""  # why the step could not run normally ("" when it did)
    seconds: float = 0.0

    @property
    def score(self) -> Fraction:
        return exact_sum([v.score for v in self.verdicts])

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "points": self.points,
            "bonus": self.bonus,
            "problem": self.problem,
            "seconds": round(self.seconds, 3),
            "verdicts": [v.to_json() for v in self.verdicts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepOutcome:
        return cls(
            data["number"],
            data["title"],
            data["points"],
            data["bonus"],
            [Verdict.from_json(v) for v in data["verdicts"]],
            data["problem"],
            data["seconds"],
        )


# ---- The plan: a submission's cases -------------------------------------------------------------------


@dataclass
class StepPlan:
    step: Step
    cases: list[Case]
    module: str  # the student's module the step imports ("engine", "nn", ...)
    kata_engine: bool  # run on the kata's engine, answered by this process


@dataclass
class Plan:
    seed: int
    salt: str
    steps: list[StepPlan] = field(default_factory=list)

    @classmethod
    def build(cls, manifest: Manifest, seed: int, steps: list[int] | None = None, salt: str = "") -> Plan:
        """Draw every step's cases from the seed and the submission's salt."""
        plan = cls(seed, salt)
        for step in manifest.steps:
            if steps is not None and step.number not in steps:
                continue
            drawn = cases(step.number, seed, salt)
            plan.steps.append(StepPlan(step, drawn, step.file.removesuffix(".py"), step.number in ON_KATA_ENGINE))
        return plan


# ---- Judging ---------------------------------------------------------------------------------------------


def outcome(case: Case, kind: str, payload: dict[str, Any]) -> Outcome:
    """What a child reported on one case, judged."""
    if kind == "error":
        return of_error(case, _safe_info(payload))
    try:
        return of_result(case, payload, expectation)
    except Exception as error:  # noqa: BLE001 - a result too malformed to compare is simply wrong
        kind = type(error).__name__
        return Outcome(
            "failed", [], f"the result could not be compared with what was expected ({kind}): {payload!r:.300}"
        )


def _safe_info(payload: dict[str, Any]) -> dict[str, Any]:
    """An exception description from a child, with every field coerced to a short string."""
    info: dict[str, Any] = {k: str(payload.get(k, ""))[:500] for k in ("type", "message", "file", "function", "source")}
    info["type"] = info["type"] or "Exception"
    if type(payload.get("line")) is int:
        info["line"] = payload["line"]
    if type(payload.get("stub_step")) is int:
        info["stub_step"] = payload["stub_step"]
    return {k: v for k, v in info.items() if v != "" or k == "message"}


def shares(step: Step, plan_cases: list[Case], states: list[str]) -> list[Fraction]:
    """Each case's share of the step's points, by the weights of their checks, among the cases that
    could be judged (a blocked case has no share)."""
    weights = [
        Fraction(case.check.weight).limit_denominator(1000) if state != "blocked" else Fraction(0)
        for case, state in zip(plan_cases, states)
    ]
    total = sum(weights)
    return [step.points * w / total if total else Fraction(0) for w in weights]


# ---- One step --------------------------------------------------------------------------------------------


def grade_steps(
    plans: list[StepPlan],
    package: Path,
    sandbox: Sandbox,
    limits: Limits,
    budget: Callable[[int], float],
    scratch: Path,
) -> list[StepOutcome]:
    """Every step of one submission, in one sandbox (a Zygote: a fresh process per step, forked before
    any student code is loaded). budget(step number): seconds per check."""
    with Zygote(sandbox, package, limits, scratch) as zygote:
        return [grade_step(plan, package, limits, budget(plan.step.number), zygote) for plan in plans]


def grade_step(plan: StepPlan, package: Path, limits: Limits, budget: float, zygote: Zygote) -> StepOutcome:
    """One step of a submission, in `zygote` (the submission's sandbox, which starts on its first step)."""
    step = plan.step
    results: dict[int, Outcome] = {}
    pending = list(range(len(plan.cases)))
    problem = ""
    restarts = timeouts = 0
    started = time.monotonic()
    if not (package / f"{plan.module}.py").is_file():
        return _not_submitted(plan)
    while pending:
        payloads = [{"key": plan.cases[i].key, "args": plan.cases[i].args} for i in pending]
        engine = Evaluation().answer if plan.kata_engine else None
        run = zygote.run([plan.module], payloads, budget, engine)
        if run.ended == "violation":  # it wrote to the channel: nothing this child reported can be trusted
            run.results.clear()
            run.running = None
        for j, (kind, payload) in run.results.items():
            i = pending[j]
            results[i] = outcome(plan.cases[i], kind, payload)
        problem = problem or _import_problem(run)
        if run.ended == "done":
            break
        done = len(run.results)
        reason = _stop_reason(run, budget, limits)
        state = "timeout" if run.ended == "timeout" else "crashed"
        if run.running is not None:  # charge the check that was running, carry on with the next ones
            results[pending[run.running]] = Outcome(state, [], reason)
            pending = pending[run.running + 1 :]
        else:  # it stopped outside any check (at start-up, or while importing): the rest cannot run
            for i in pending[done:]:
                results[i] = Outcome(state, [], reason)
            pending = []
        problem = problem or _step_problem(step, run)
        restarts += 1
        timeouts += run.ended == "timeout"
        if run.ended == "violation" or timeouts >= MAX_TIMEOUTS or restarts > MAX_RESTARTS:
            why = (
                "not run: the submission wrote to the grader's channel"
                if run.ended == "violation"
                else f"not run: step {step.number} had already stopped {restarts} times ({timeouts} of them "
                "hung), so the rest of it was skipped"
            )
            for i in pending:
                results[i] = Outcome("not-run", [], why)
            pending = []
    return _step_outcome(plan, results, problem, time.monotonic() - started)


def _step_outcome(plan: StepPlan, results: dict[int, Outcome], problem: str, seconds: float) -> StepOutcome:
    step = plan.step
    judged = [results.get(i, Outcome("not-run", [], "not run")) for i in range(len(plan.cases))]
    share = shares(step, plan.cases, [o.state for o in judged])
    verdicts = [
        Verdict(
            step.number,
            i + 1,
            case.key,
            case.title,
            o.state,
            o.text,
            case.check.weight,
            share[i],
            share[i] if o.state == "passed" else Fraction(0),
            o.bugs,
            o.blocked_by,
        )
        for i, (case, o) in enumerate(zip(plan.cases, judged))
    ]
    return StepOutcome(step.number, step.title, step.points, step.bonus, verdicts, problem, seconds)


def _not_submitted(plan: StepPlan) -> StepOutcome:
    """The step's file is not in the submission: todo for a bonus step, a problem for a required one."""
    file = f"{plan.module}.py"
    results = {i: Outcome("todo", [], f"not started: {file} was not submitted") for i in range(len(plan.cases))}
    problem = "" if plan.step.bonus else f"{file} is missing"
    return _step_outcome(plan, results, problem, 0.0)


def not_graded(plan: StepPlan, reason: str) -> StepOutcome:
    """A step that could not be graded at all (no package, a rejected archive): every check scores 0."""
    results = {i: Outcome("not-run", [], f"not graded: {reason}") for i in range(len(plan.cases))}
    return _step_outcome(plan, results, reason, 0.0)


def _stop_reason(run: ChildRun, budget: float, limits: Limits) -> str:
    output = f"\nwhat the program printed last:\n{run.output}" if run.output.strip() else ""
    if run.ended == "timeout":
        if run.importing:
            return f"importing {run.importing}.py did not finish within {budget:g} s (an infinite loop at import?)"
        return f"did not finish within {budget:g} s (an infinite loop? a graph that keeps growing?)"
    if run.ended == "violation":
        return f"stopped: the submission broke the grader's protocol ({run.detail})"
    if run.importing:
        return f"the process ended ({run.detail}) while importing {run.importing}.py{output}"
    return (
        f"the process ended ({run.detail}) during this check: sys.exit, os._exit, a crash, or a resource limit "
        f"(memory {limits.memory // 2**20} MiB){output}"
    )


def _import_problem(run: ChildRun) -> str:
    for module, info in run.import_errors.items():
        if "stub_step" in info:
            continue
        if info.get("type") in ("SyntaxError", "IndentationError", "TabError"):
            return f"syntax error in {info.get('file', module + '.py')} line {info.get('line', '?')}"
        line = f" line {info['line']}" if info.get("file") == f"{module}.py" and info.get("line") else ""
        message = str(info.get("message", ""))[:80]
        return f"import error in {module}.py{line}: {info.get('type', 'Exception')}: {message}"
    if run.init_error:
        return f"__init__.py raised {str(run.init_error.get('type', 'an exception'))[:40]} (graded module by module)"
    return ""


def _step_problem(step: Step, run: ChildRun) -> str:
    if run.ended == "timeout":
        return f"timeout in step {step.number}" + (f" (importing {run.importing}.py)" if run.importing else "")
    if run.ended == "violation":
        return f"protocol violation in step {step.number}"
    if run.ended == "exited":
        return f"crash in step {step.number} ({run.detail})"
    return ""
