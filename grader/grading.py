"""Grade one submission: every step in its own child, every value judged here, against the reference.

The plan for a seed holds, per step, the catalogue's cases and what the reference engine observed
on each (computed once per batch, in this trusted process). A submission's step runs in a sandboxed
child; if the child hangs or dies in the middle of a check, that check is charged and a fresh child
carries on with the rest, so one bad check does not cost the whole step, and a broken step never
costs the others.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from grader.sandbox import ChildRun, Limits, Sandbox, run_child
from kata.checks import Case, cases
from kata.manifest import Manifest, Step
from kata.observe import explain
from kata.observe import reference as load_reference

REFERENCE = "micrograd_grader_reference"
MAX_RESTARTS = 6  # fresh children per step after a crash or a hang
MAX_TIMEOUTS = 2  # hangs per step before the remaining checks are not run (each costs the budget)


@dataclass
class Verdict:
    """The judgement of one case: state passed | failed | todo | error | timeout | crashed | not-run."""

    step: int
    number: int  # 1-based within the step
    key: str  # "step3.op-backward"
    title: str
    state: str
    message: str
    weight: float
    max_score: Fraction
    score: Fraction

    def to_json(self) -> dict:
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
        }

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
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
        )


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
        return sum((v.score for v in self.verdicts), Fraction(0))

    def to_json(self) -> dict:
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
    def from_json(cls, data: dict) -> StepOutcome:
        return cls(
            data["number"],
            data["title"],
            data["points"],
            data["bonus"],
            [Verdict.from_json(v) for v in data["verdicts"]],
            data["problem"],
            data["seconds"],
        )


# ---- The plan: cases and the reference's observations -------------------------------------------------


@dataclass
class StepPlan:
    step: Step
    cases: list[Case]
    expected: list[dict]
    modules: list[str]


@dataclass
class Plan:
    seed: int
    steps: list[StepPlan] = field(default_factory=list)

    @classmethod
    def build(cls, manifest: Manifest, seed: int, steps: list[int] | None = None) -> Plan:
        """Draw every step's cases from the seed and observe the reference on each (in this process)."""
        reference = load_reference(REFERENCE)
        plan = cls(seed)
        files = {s.number: s.file.removesuffix(".py") for s in manifest.steps}
        for step in manifest.steps:
            if steps is not None and step.number not in steps:
                continue
            drawn = cases(step.number, seed)
            expected = [case.check.probe(reference, case.args) for case in drawn]
            modules = sorted({files[d] for d in step.depends} | {files[step.number]})
            plan.steps.append(StepPlan(step, drawn, expected, modules))
        return plan


# ---- Judging ---------------------------------------------------------------------------------------------


def shares(plan: StepPlan) -> list[Fraction]:
    """Each case's share of the step's points, by the weights of their checks."""
    weights = [Fraction(case.check.weight).limit_denominator(1000) for case in plan.cases]
    total = sum(weights)
    return [plan.step.points * w / total for w in weights]


def judge(case: Case, expected: dict, kind: str, payload: dict) -> tuple[str, str]:
    """(state, message) for what a child reported on one case."""
    if kind == "error":
        if "stub_step" in payload:
            return "todo", f"not started: {payload.get('message', '')}"
        return "error", explain(_safe_info(payload))
    try:
        problems = case.check.judge(case.args, expected, payload)
    except Exception as error:  # noqa: BLE001 - a result too malformed to compare is simply wrong
        kind = type(error).__name__
        return "failed", f"the result could not be compared with the reference ({kind}): {payload!r:.300}"
    if problems:
        return "failed", "\n".join(problems)
    return "passed", ""


def _safe_info(payload: dict) -> dict:
    """An exception description from a child, with every field coerced to a short string."""
    info = {k: str(payload.get(k, ""))[:500] for k in ("type", "message", "file", "function", "source")}
    info["type"] = info["type"] or "Exception"
    if isinstance(payload.get("line"), int):
        info["line"] = payload["line"]
    return {k: v for k, v in info.items() if v != "" or k == "message"}


# ---- One step --------------------------------------------------------------------------------------------


def grade_step(
    plan: StepPlan, package: Path, sandbox: Sandbox, limits: Limits, budget: float, scratch: Path
) -> StepOutcome:
    step = plan.step
    share = shares(plan)
    states: dict[int, tuple[str, str]] = {}
    pending = list(range(len(plan.cases)))
    problem = ""
    restarts = timeouts = 0
    started = time.monotonic()
    while pending:
        payloads = [{"key": plan.cases[i].check.key, "args": plan.cases[i].args} for i in pending]
        run = run_child(sandbox, package, plan.modules, payloads, budget, limits, scratch)
        if run.ended == "violation":  # it wrote to the channel: nothing this child reported can be trusted
            run.results.clear()
            run.running = None
        for j, (kind, payload) in run.results.items():
            i = pending[j]
            states[i] = judge(plan.cases[i], plan.expected[i], kind, payload)
        problem = problem or _import_problem(step, run)
        if run.ended == "done":
            break
        done = len(run.results)
        reason = _stop_reason(run, budget, limits)
        if run.running is not None:  # charge the check that was running, carry on with the next ones
            states[pending[run.running]] = ("timeout" if run.ended == "timeout" else "crashed", reason)
            pending = pending[run.running + 1 :]
        else:  # it stopped outside any check (at start-up, or while importing): the rest cannot run
            for i in pending[done:]:
                states[i] = ("timeout" if run.ended == "timeout" else "crashed", reason)
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
                states[i] = ("not-run", why)
            pending = []
    verdicts = []
    for i, case in enumerate(plan.cases):
        state, message = states.get(i, ("not-run", "not run"))
        verdicts.append(
            Verdict(
                step.number,
                i + 1,
                case.check.key,
                case.title,
                state,
                message,
                case.check.weight,
                share[i],
                share[i] if state == "passed" else Fraction(0),
            )
        )
    return StepOutcome(step.number, step.title, step.points, step.bonus, verdicts, problem, time.monotonic() - started)


def not_graded(plan: StepPlan, reason: str) -> StepOutcome:
    """A step that could not be graded at all (no package, a rejected archive): every check scores 0."""
    step = plan.step
    verdicts = [
        Verdict(
            step.number,
            i + 1,
            case.check.key,
            case.title,
            "not-run",
            f"not graded: {reason}",
            case.check.weight,
            share,
            Fraction(0),
        )
        for i, (case, share) in enumerate(zip(plan.cases, shares(plan)))
    ]
    return StepOutcome(step.number, step.title, step.points, step.bonus, verdicts, reason)


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


def _import_problem(step: Step, run: ChildRun) -> str:
    for module, info in run.import_errors.items():
        if "stub_step" in info:
            continue
        if info.get("type") in ("SyntaxError", "IndentationError", "TabError"):
            return f"syntax error in {info.get('file', module + '.py')} line {info.get('line', '?')}"
        line = f" line {info['line']}" if info.get("file") == f"{module}.py" and info.get("line") else ""
        message = str(info.get("message", ""))[:80]
        return f"import error in {module}.py{line}: {info.get('type', 'Exception')}: {message}"
    return ""


def _step_problem(step: Step, run: ChildRun) -> str:
    if run.ended == "timeout":
        return f"timeout in step {step.number}" + (f" (importing {run.importing}.py)" if run.importing else "")
    if run.ended == "violation":
        return f"protocol violation in step {step.number}"
    if run.ended == "exited":
        return f"crash in step {step.number} ({run.detail})"
    return ""
