"""Tiered hints from the manifest: a nudge, then a pointer, then nearly the answer.

Each `make hint STEP=N` reveals one more level for that step (and repeats the earlier ones). The
level reached is remembered per step in .kata/hints.json, a small local file (not committed);
`--reset` forgets it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from kata.manifest import Step
from kata.paths import ROOT

STATE = ROOT / ".kata" / "hints.json"
LEVELS = ("a nudge", "a pointer", "nearly the answer")


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


def reveal(step: Step, path: Path = STATE) -> tuple[int, str]:
    """Reveal the next level of the step's hints; return (level shown, text to print)."""
    state = _load(path)
    level = min(state.get(str(step.number), 0) + 1, len(step.hints))
    state[str(step.number)] = level
    _save(path, state)
    lines = [f"Step {step.number}: {step.title} (micrograd/{step.file})"]
    for i in range(level):
        lines.append(f"\nHint {i + 1} of {len(step.hints)} ({LEVELS[i] if i < len(LEVELS) else 'more'}):")
        lines.append(f"  {step.hints[i]}")
    if level < len(step.hints):
        lines.append(f"\nStill stuck? `make hint STEP={step.number}` again shows the next level.")
    else:
        lines.append(f"\nThat was the last hint. tests/test_step{step.number}.py shows what is expected, by example.")
    return level, "\n".join(lines)


def reset(step: Step | None, path: Path = STATE) -> None:
    state = _load(path)
    if step is None:
        state = {}
    else:
        state.pop(str(step.number), None)
    _save(path, state)
