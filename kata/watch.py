"""make watch: re-run the current step whenever a file of the package is saved.

It polls modification times instead of waiting for file-system events, so it works where events
do not arrive (WSL on a Windows drive, network drives, some editors that replace files). The
current step is the first one not yet passing; when it passes, the watch moves on by itself.
Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from kata.manifest import Manifest
from kata.paths import PACKAGE, implementation_dir
from kata.runner import StepResult, run_step, summary

CLEAR = "\033[2J\033[H"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every .py file of the package."""
    found = {}
    for path in sorted(folder.glob("*.py")):
        try:
            info = path.stat()
        except OSError:
            continue
        found[path.name] = (info.st_mtime_ns, info.st_size)
    return found


def short_report(result: StepResult, manifest: Manifest) -> str:
    """The summary, plus the first failure (the part a student acts on), kept short."""
    later = [s for s in manifest.steps if s.number > result.step.number]
    lines = [summary(result, later[0] if later else None)]
    failures = [m for m in result.messages.values() if not m.startswith("TODO")]
    if failures:
        text = failures[0].splitlines()
        lines += ["", *text[:25], *(["  ..."] if len(text) > 25 else [])]
    elif result.hung or result.state == "error":
        lines += ["", *result.output.strip().splitlines()[-20:]]
    return "\n".join(lines)


def watch(
    manifest: Manifest,
    impl: str = "exercises",
    interval: float = 0.5,
    out: TextIO = sys.stdout,
    clear: bool = True,
    max_runs: int | None = None,
) -> int:
    folder = implementation_dir(impl) / PACKAGE
    steps = list(manifest.steps)
    current = 0
    runs = 0
    try:
        while True:
            seen = snapshot(folder)
            result = run_step(steps[current], impl=impl, capture=True)
            runs += 1
            while result.done and current + 1 < len(steps):  # it passes: move on to the next step at once
                current += 1
                result = run_step(steps[current], impl=impl, capture=True)
                runs += 1
            if clear:
                out.write(CLEAR)
            out.write(f"watching {folder} (checks every {interval:g} s; Ctrl-C to stop)\n\n")
            out.write(short_report(result, manifest) + "\n")
            out.flush()
            if max_runs is not None and runs >= max_runs:
                return 0
            while snapshot(folder) == seen:
                time.sleep(interval)
            out.write(f"\nchange seen, running step {steps[current].number} again...\n")
            out.flush()
    except KeyboardInterrupt:
        out.write("\nstopped watching.\n")
        out.flush()
        return 0
