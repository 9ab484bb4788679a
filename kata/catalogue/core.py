"""The catalogue's building blocks: a Check (what is checked, and its judge), a Case (a check with
its inputs), a Problem (what a judge found: words, and the classic bug it is, when it is one).

A judge compares what a student's code did (an observation: plain data, made by a probe of
kata.harness.probes) with an expectation (plain data, made by trusted code from a right answer:
kata.oracle.expect, or recorded in the student release). It computes no right answer itself: it
only compares, and matches the observation against the classic wrong answers the expectation
lists, so it can run anywhere (the grader's parent, the student's pytest, a notebook).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kata.catalogue.bugs import BUGS
from kata.manifest import load
from kata.numbers import EXACT, Tolerance, close, is_real, show

PUBLIC_SEED = load().public_seed  # the seed of the public suites (kata.toml); the grader's default is another

# What a probe reported: plain data from the sandbox, shaped by untrusted code, so every value is an
# `object` that a judge narrows (isinstance, is_real, reported) before it uses it.
Observation = dict[str, object]
# What a right implementation gives, and a case's inputs: plain data made by trusted code (kata.oracle,
# or recorded in the student release), whose shape each step's oracle and judges agree on.
Expectation = dict[str, Any]
Args = dict[str, Any]
Spec = dict[str, Any]  # a graph: {"leaves": [...], "nodes": [{"op", "args", "const"?}, ...]}, drawn by kata.oracle

T = TypeVar("T")


def reported(got: Mapping[str, object], key: str, kind: type[T], default: T | None = None) -> T:
    """got[key], which the probe always reports as a `kind` (or `default`, when given, if it is not
    there): KeyError or TypeError when it is missing or something else (a broken or forged
    observation), as using it directly would raise."""
    value = got[key] if default is None else got.get(key, default)
    if not isinstance(value, kind):
        raise TypeError(f"the observation's {key!r} is a {type(value).__name__}, not a {kind.__name__}")
    return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an observation: the words for the student, the classic bug it looks like
    (an id of kata.catalogue.bugs.BUGS, or ""), and the earlier step that made it impossible to judge
    (0 when none)."""

    text: str
    bug: str = ""
    blocked_by: int = 0

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"text": self.text}
        if self.bug:
            data["bug"] = self.bug
        if self.blocked_by:
            data["blocked_by"] = self.blocked_by
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        return cls(str(data.get("text", "")), str(data.get("bug", "")), int(data.get("blocked_by", 0)))


def said(*texts: str) -> list[Problem]:
    """Problems made of plain words (no classic bug recognised)."""
    return [Problem(text) for text in texts]


def looks_like(bug: str, where: str = "", prefix: str = "looks like") -> Problem:
    """The classic bug `bug`, in the catalogue's words; `where` says where (e.g. "in __sub__")."""
    if bug not in BUGS:
        raise KeyError(f"no classic bug {bug!r} in kata/catalogue/bugs.py")
    text = f"{prefix}: {BUGS[bug]}" + (f" ({where})" if where else "")
    return Problem(text, bug)


def blocked(step: int, why: str) -> Problem:
    return Problem(f"blocked by step {step}: {why}", blocked_by=step)


Judge = Callable[[Args, Expectation, Observation], list[Problem]]


@dataclass(frozen=True)
class Check:
    step: int
    name: str  # unique within the step, e.g. "op-backward"
    title: str  # what it checks, for a student
    judge: Judge
    weight: float = 1.0
    uses: tuple[int, ...] = ()  # earlier steps whose code it runs, when run on the student's own engine

    @property
    def key(self) -> str:
        return f"step{self.step}.{self.name}"


CHECKS: dict[str, Check] = {}


def check(
    step: int, name: str, title: str, weight: float = 1.0, uses: tuple[int, ...] = ()
) -> Callable[[Judge], Check]:
    """Register a judge as a check of a step."""

    def register(judge: Judge) -> Check:
        made = Check(step, name, title, judge, weight, uses)
        if made.key in CHECKS:
            raise ValueError(f"two checks are named {made.key}")
        CHECKS[made.key] = made
        return made

    return register


@dataclass(frozen=True)
class Case:
    key: str  # the check's key, "step3.op-backward"
    args: Args = field(default_factory=dict)  # JSON-able inputs of the probe
    label: str = ""  # the inputs as a student reads them

    @property
    def check(self) -> Check:
        return CHECKS[self.key]

    @property
    def id(self) -> str:
        name = self.key.split(".", 1)[1]
        return f"{name}[{self.label}]" if self.label else name

    @property
    def title(self) -> str:
        title = self.check.title
        return f"{title} [{self.label}]" if self.label else title

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "args": self.args, "label": self.label}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        return cls(data["key"], data["args"], data.get("label", ""))


# ---- Comparing plain data --------------------------------------------------------------------------


def compare(expected: Any, got: object, path: str = "", tolerance: Tolerance = EXACT) -> list[str]:
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
        if isinstance(got, dict) and set(got) == {"raised"}:
            return [f"{where}: expected {show(expected)}, but {got['raised']} was raised"]
        if not is_real(got):
            return [f"{where}: expected {show(expected)}, got {show(got)}{not_a_number_hint(got)}"]
        if not close(expected, got, tolerance):
            return [f"{where}: expected {show(expected)}, got {show(got)}"]
        return []
    if expected != got or type(expected) is not type(got):
        return [f"{where}: expected {show(expected)}, got {show(got)}"]
    return []


def not_a_number_hint(got: object) -> str:
    """Why a value that should be a number is not one, in words."""
    if isinstance(got, dict) and got.get("not_a_number") == "NoneType":
        return ": did the function forget to `return` its result?"
    if isinstance(got, float):
        return " (not a finite number)"
    if isinstance(got, dict) and "not_a_number" in got:
        return " (not a number)"
    return ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def compared(expected: Any, got: object, tolerance: Tolerance = EXACT) -> list[Problem]:
    return said(*compare(expected, got, tolerance=tolerance))


def failure_text(key: str, title: str, problems: list[Problem]) -> str:
    """How a failing case reads: the check and its inputs, then every problem, indented."""
    text = [f"{key}: {title}"]
    text.extend(f"  {line}" for problem in problems for line in problem.text.splitlines())
    return "\n".join(text)


# ---- The common judgement: an expected observation, and classic wrong ones -----------------------


def tolerance_named(name: str) -> Tolerance:
    from kata.numbers import CONVERGED, FINITE_DIFFERENCE

    return {"exact": EXACT, "finite-difference": FINITE_DIFFERENCE, "converged": CONVERGED}[name]


def against(expectation: Expectation, got: Observation) -> list[Problem]:
    """Compare got with expectation["expected"] (within expectation["tolerance"]); when it differs,
    name the first classic bug of expectation["alternatives"] ([[bug id, observation], ...]) whose
    observation got matches instead."""
    tolerance = tolerance_named(expectation.get("tolerance", "exact"))
    problems = compared(expectation["expected"], got, tolerance)
    if problems:
        bug = first_match(expectation.get("alternatives", []), got, tolerance)
        if bug:
            problems.append(looks_like(bug))
    return problems


def first_match(alternatives: list[Any], got: Observation, tolerance: Tolerance = EXACT) -> str:
    """The bug id of the first alternative observation that got matches, or ""."""
    for bug, alternative in alternatives:
        if not compare(alternative, got, tolerance=tolerance):
            return str(bug)
    return ""
