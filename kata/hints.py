"""Tiered hints from the manifest: a nudge, then a pointer, then nearly the answer.

Hints come per function (or group of functions) where kata.toml has `[[steps.function_hints]]`,
and per step otherwise. `make hint` picks the function the student is at (kata.current: the first
one whose stub is still there, else the one a failing check points to); `make hint STEP=N` does the
same within step N. Each call reveals one more level for that group (and repeats the earlier ones).
The level reached is remembered in .kata/hints.json, a small local file (not committed); `--reset`
forgets it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kata.manifest import Function, ManifestError, Step
from kata.paths import MANIFEST
from kata.runner import STATE as STATE_DIR

STATE = STATE_DIR / "hints.json"
LEVELS = ("a nudge", "a pointer", "nearly the answer")


@dataclass(frozen=True)
class HintGroup:
    """Hints about some functions of one step (all of them: the step's own hints)."""

    step: int
    functions: tuple[str, ...]  # () for the step's own hints
    checks: tuple[str, ...]  # regular expressions over failing check names
    hints: tuple[str, ...]

    @property
    def key(self) -> str:
        """Where its level is remembered: "2" for the step, "2:Value.__mul__" for a group."""
        return f"{self.step}:{self.functions[0]}" if self.functions else str(self.step)

    def about(self, check: str) -> bool:
        return any(re.search(pattern, check) for pattern in self.checks)


@cache
def _function_hints(path: Path = MANIFEST) -> dict[int, tuple[HintGroup, ...]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[int, tuple[HintGroup, ...]] = {}
    for raw in data.get("steps", []):
        number = int(raw["number"])
        groups = []
        for i, entry in enumerate(raw.get("function_hints", [])):
            where = f"kata.toml, step {number}, function_hints #{i + 1}"
            try:
                group = HintGroup(
                    number,
                    tuple(str(f) for f in entry["functions"]),
                    tuple(str(c) for c in entry.get("checks", [])),
                    tuple(str(h) for h in entry["hints"]),
                )
            except KeyError as missing:
                raise ManifestError(f"{where} has no {missing}") from None
            if len(group.hints) != 3 or not group.functions:
                raise ManifestError(f"{where}: give its functions and exactly 3 hints")
            groups.append(group)
        found[number] = tuple(groups)
    return found


def groups(step: Step) -> tuple[HintGroup, ...]:
    """The step's per-function hint groups, in kata.toml's order."""
    return _function_hints().get(step.number, ())


def step_group(step: Step) -> HintGroup:
    return HintGroup(step.number, (), (), step.hints)


def for_function(step: Step, function: Function | str) -> HintGroup:
    """The hints about one function (the step's own when it has no group)."""
    name = function if isinstance(function, str) else function.name
    for group in groups(step):
        if name in group.functions:
            return group
    return step_group(step)


def for_checks(step: Step, checks: list[str]) -> HintGroup:
    """The hints about the first failing check that a group claims (the step's own if none does)."""
    for check in checks:
        for group in groups(step):
            if group.about(check):
                return group
    return step_group(step)


def _load(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def _save(path: Path, state: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".hints-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=1)
    os.replace(temporary, path)


def _names(step: Step, group: HintGroup) -> str:
    shown = [f.display for f in step.functions if f.name in group.functions]
    return ", ".join(shown) if shown else ", ".join(group.functions)


def reveal(step: Step, path: Path = STATE, group: HintGroup | None = None, why: str = "") -> tuple[int, str]:
    """Reveal the next level of a hint group (the step's own by default); return (level shown, text)."""
    group = group or step_group(step)
    state = _load(path)
    level = min(state.get(group.key, 0) + 1, len(group.hints))
    state[group.key] = level
    _save(path, state)
    lines = [f"Step {step.number}: {step.title} (micrograd/{step.file})"]
    if group.functions:
        lines.append(f"About: {_names(step, group)}" + (f"  ({why})" if why else ""))
    for i in range(level):
        lines.append(f"\nHint {i + 1} of {len(group.hints)} ({LEVELS[i] if i < len(LEVELS) else 'more'}):")
        lines.append(f"  {group.hints[i]}")
    if level < len(group.hints):
        lines.append("\nStill stuck? Ask again (make hint) for the next level.")
    else:
        lines.append(
            f"\nThat was the last hint. tests/test_step{step.number}.py shows what is expected, by example "
            f"(python -m kata spec {step.number})."
        )
    if group.functions:
        lines.append(f"(The hints for step {step.number} as a whole: python -m kata hint {step.number} --general)")
    return level, "\n".join(lines)


def reset(step: Step | None, path: Path = STATE) -> None:
    state = _load(path)
    if step is None:
        state = {}
    else:
        state = {k: v for k, v in state.items() if k.split(":", 1)[0] != str(step.number)}
    _save(path, state)
