"""make watch: your current step's full result every time you save, and regressions caught.

- It starts at the current step (kata.current: the first step with a stub left, or that did not
  pass last time), not at step 1, and shows that step's full result: the same text as
  `make test-stepN`.
- A save gets a new verdict within about a second: a pytest child is kept ready (pytest,
  Hypothesis and the checks already imported; kata.runner.Launcher), so only the checks run.
- When the step passes, it says so ("step N passed"), then runs the earlier steps once more: if one
  of them broke (engine.py holds steps 2 to 4), it says which and goes back to it; otherwise it
  moves on to the next step by itself.

It polls modification times instead of waiting for file-system events, so it works where events
do not arrive (WSL on a Windows drive, network drives, editors that replace files). Ctrl-C stops it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from kata.current import current_step
from kata.manifest import Manifest, Step
from kata.paths import PACKAGE, implementation_dir
from kata.runner import Launcher, StepResult, child_environment, run_steps, summary

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


def full_report(result: StepResult, manifest: Manifest) -> str:
    """What `make test-stepN` prints for the step: pytest's report, then the summary."""
    later = [s for s in manifest.steps if s.number > result.step.number]
    return result.output.rstrip() + "\n" + summary(result, later[0] if later else None)


def _span(steps: list[Step]) -> str:
    numbers = [s.number for s in steps]
    return f"step {numbers[0]}" if len(numbers) == 1 else f"steps {numbers[0]}-{numbers[-1]}"


class Watch:
    def __init__(self, manifest: Manifest, impl: str, out: TextIO, clear: bool, interval: float) -> None:
        self.manifest, self.impl, self.out, self.clear, self.interval = manifest, impl, out, clear, interval
        self.folder = implementation_dir(impl) / PACKAGE
        self.steps = list(manifest.steps)
        self.env = child_environment()
        self.current_launcher, self.earlier_launcher = Launcher(), Launcher()
        self.current_launcher.prepare(self.env)  # the other one starts once the first result is shown
        self.color = ["--color=yes"] if _is_terminal(out) else []
        self.runs = 0

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, steps: list[Step], launcher: Launcher) -> list[StepResult]:
        self.runs += 1
        return run_steps(steps, impl=self.impl, extra=self.color, capture=True, launcher=launcher)

    def show(self, result: StepResult) -> None:
        if self.clear:
            self.out.write(CLEAR)
        self.say(f"watching {self.folder} (Ctrl-C stops)  --  step {result.step.number}: {result.step.title}\n")
        self.say(full_report(result, self.manifest))

    def wait_for_change(self, seen: dict[str, tuple[int, int]]) -> None:
        while snapshot(self.folder) == seen:
            time.sleep(self.interval)

    def cycle(self, index: int) -> tuple[int, bool]:
        """Run step `index`, show it, check the earlier steps if it passed. Returns the step to
        watch next and whether to wait for a save first."""
        seen = snapshot(self.folder)
        step = self.steps[index]
        result = self.run([step], self.current_launcher)[0]
        self.show(result)
        if index:
            self.earlier_launcher.prepare(self.env)  # ready for the regression check, while the student reads
        if snapshot(self.folder) != seen:
            return index, False  # saved again while it ran: run it again at once
        if not result.done:
            return index, True
        self.say(f"\nstep {step.number} passed.")
        earlier = self.steps[:index]
        if earlier:
            self.say(f"checking {_span(earlier)} for regressions ...")
            results = self.run(earlier, self.earlier_launcher)
            if snapshot(self.folder) != seen:
                return index, False
            broken = [r for r in results if not r.done]
            if broken:
                first = broken[0]
                self.say(
                    f"step {first.step.number} passed before but does not now "
                    f"({first.failed} failing, {first.todo} todo): back to step {first.step.number}."
                )
                time.sleep(min(2.0, 4 * self.interval))  # long enough to read the line above
                return self.steps.index(first.step), False
            self.say(f"{_span(earlier)} still pass.")
        if index + 1 < len(self.steps):
            self.say(f"moving on to step {index + 2}: {self.steps[index + 1].title} ...")
            return index + 1, False
        self.say("Every step passes, bonus steps included. Well done! (Still watching: save to check again.)")
        return index, True

    def close(self) -> None:
        self.current_launcher.close()
        self.earlier_launcher.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def watch(
    manifest: Manifest,
    impl: str = "exercises",
    interval: float = 0.2,
    out: TextIO = sys.stdout,
    clear: bool = True,
    max_runs: int | None = None,
) -> int:
    start = current_step(manifest, impl) or manifest.steps[-1]
    session = Watch(manifest, impl, out, clear, interval)
    index = session.steps.index(start)
    try:
        while True:
            seen = snapshot(session.folder)
            index, wait = session.cycle(index)
            if max_runs is not None and session.runs >= max_runs:
                return 0
            if wait:
                session.wait_for_change(seen)
                session.say(f"\nchange seen, running step {session.steps[index].number} ...")
    except KeyboardInterrupt:
        session.say("\nstopped watching.")
        return 0
    finally:
        session.close()
