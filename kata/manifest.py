"""The step manifest (kata.toml): the single list of steps that everything else reads."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kata.paths import MANIFEST


class ManifestError(ValueError):
    """kata.toml is malformed; the message says where."""


def _display(name: str) -> str:
    """How a function is named in messages: closures by the op that owns them."""
    if name.endswith("._backward"):
        return f"the _backward closure of {name.removesuffix('._backward')}"
    return name


@dataclass(frozen=True)
class Function:
    """A function (or closure) whose solution regions belong to a step."""

    name: str  # "Value.__mul__" or "Value.__mul__._backward"
    task: str  # what the student writes there, for the stub message

    @property
    def display(self) -> str:
        return _display(self.name)


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    file: str
    points: int
    budget: float
    depends: tuple[int, ...]
    teaches: str
    functions: tuple[Function, ...]
    hints: tuple[str, ...]
    bonus: bool = False

    @property
    def marker(self) -> str:
        return f"step{self.number}"

    @property
    def test_file(self) -> str:
        return f"tests/test_step{self.number}.py"

    def stub_message(self, function: Function) -> str:
        return f"Step {self.number}: {function.task} (make hint STEP={self.number})"


@dataclass(frozen=True)
class Manifest:
    package: str
    total_points: int
    steps: tuple[Step, ...]
    public_seed: int  # draws the public suites' numbers
    grading_seed: int  # the grader's default seed

    def step(self, number: int) -> Step:
        for step in self.steps:
            if step.number == number:
                return step
        known = ", ".join(str(s.number) for s in self.steps)
        raise KeyError(f"there is no step {number}; the steps are {known}")

    def reading(self, files: set[str]) -> tuple[Step, ...]:
        """The steps whose checks can run one of these files: a step runs its own file and the files of
        the steps it depends on."""
        return tuple(s for s in self.steps if files & {s.file, *(self.step(d).file for d in s.depends)})

    @property
    def required(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.bonus)

    def function_index(self) -> dict[tuple[str, str], tuple[Step, Function]]:
        """(file, qualified name) -> (step, function), for the exercise generator."""
        index: dict[tuple[str, str], tuple[Step, Function]] = {}
        for step in self.steps:
            for function in step.functions:
                index[(step.file, function.name)] = (step, function)
        return index


def _function(entry: object, task: str, where: str) -> Function:
    if isinstance(entry, str):
        name, own_task = entry, None
    elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
        name, own_task = entry["name"], entry.get("task")
    else:
        raise ManifestError(f"{where}: a function is a name or a table with name (and task)")
    return Function(name=name, task=own_task or task.format(name=_display(name)))


def _step(raw: dict[str, Any], index: int) -> Step:
    where = f"kata.toml, step #{index + 1}"
    try:
        number = int(raw["number"])
        task = str(raw["task"])
        hints = tuple(str(h) for h in raw["hints"])
        step = Step(
            number=number,
            title=str(raw["title"]),
            file=str(raw["file"]),
            points=int(raw["points"]),
            budget=float(raw["budget"]),
            depends=tuple(int(d) for d in raw.get("depends", [])),
            teaches=str(raw["teaches"]),
            functions=tuple(_function(f, task, where) for f in raw["functions"]),
            hints=hints,
            bonus=bool(raw.get("bonus", False)),
        )
    except KeyError as missing:
        raise ManifestError(f"{where} has no {missing}") from None
    if len(step.hints) != 3:
        raise ManifestError(f"{where}: give exactly 3 hints (a nudge, a pointer, nearly the answer)")
    if any(d >= number for d in step.depends):
        raise ManifestError(f"{where}: a step can only depend on earlier steps")
    return step


def parse(text: str) -> Manifest:
    data = tomllib.loads(text)
    steps = tuple(_step(raw, i) for i, raw in enumerate(data.get("steps", [])))
    numbers = [s.number for s in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise ManifestError(f"kata.toml: steps must be numbered 1, 2, 3, ... in order; got {numbers}")
    kata = data.get("kata", {})
    missing = [key for key in ("package", "total_points", "public_seed", "grading_seed") if key not in kata]
    if missing:
        raise ManifestError(f"kata.toml: the [kata] table has no {', '.join(missing)}")
    manifest = Manifest(
        package=str(kata["package"]),
        total_points=int(kata["total_points"]),
        steps=steps,
        public_seed=int(kata["public_seed"]),
        grading_seed=int(kata["grading_seed"]),
    )
    required = sum(s.points for s in manifest.required)
    if manifest.total_points != required:
        raise ManifestError(
            f"kata.toml: total_points is {manifest.total_points} but the required steps add up to {required}"
        )
    return manifest


@cache
def load(path: Path = MANIFEST) -> Manifest:
    """The manifest of this checkout (cached)."""
    return parse(path.read_text(encoding="utf-8"))
