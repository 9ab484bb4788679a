"""make progress: every step's passed / failing / todo counts, from a real run of every suite.

There is no state file: the table is computed each time from the tests themselves, so it can never
disagree with `make test-stepN`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kata.manifest import Manifest, Step
from kata.runner import StepResult, run_step

WIDTH = 20


def run_all(manifest: Manifest, impl: str, jobs: int = 2) -> list[StepResult]:
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda step: run_step(step, impl=impl, capture=True), manifest.steps))


def bar(done: float, total: float, width: int = WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _function_of(manifest: Manifest, message: str) -> tuple[Step, str] | None:
    """The step and function a stub message stands for."""
    for step in manifest.steps:
        for function in step.functions:
            if step.stub_message(function) == message:
                return step, function.display
    return None


def next_action(results: list[StepResult], manifest: Manifest) -> str:
    for result in results:
        step = result.step
        if result.done:
            continue
        if result.state in ("timeout", "error"):
            return f"Next: step {step.number} does not run cleanly; run make test-step{step.number} and read the error."
        if result.failed:
            first = next(k for k, m in result.messages.items() if not m.startswith("TODO"))
            check = first.split("::", 1)[-1]
            return (
                f"Next: fix the failing check {check} of step {step.number} "
                f"(micrograd/{step.file}; make test-step{step.number} shows what it expected and got)."
            )
        if result.first_todo:
            found = _function_of(manifest, result.first_todo)
            where = f"micrograd/{found[0].file}, {found[1]}" if found else f"micrograd/{step.file}"
            return f"Next: {where}. {result.first_todo}"
    return "Next: nothing! Every step passes. Try `make demo`, or read kata/catalogue/ for what was checked."


def render(results: list[StepResult], manifest: Manifest, impl: str) -> str:
    lines = [f"micrograd kata: progress of {impl}/micrograd", ""]
    lines.append(f"{'step':>4}  {'title':<38} {'passed':>6} {'failing':>7} {'todo':>5}  {'':<{WIDTH + 2}}  state")
    for result in results:
        step = result.step
        title = step.title + (" (bonus)" if step.bonus else "")
        state = {
            "passed": "done",
            "failing": "failing",
            "started": "started",
            "todo": "todo",
            "timeout": "TIMEOUT",
            "error": "ERROR",
        }[result.state]
        lines.append(
            f"{step.number:>4}  {title:<38} {result.passed:>6} {result.failed:>7} {result.todo:>5}  "
            f"{bar(result.passed, result.total)}  {state}"
        )
    required = [r for r in results if not r.step.bonus]
    done = [r for r in required if r.done]
    points = sum(r.step.points for r in done)
    bonus = [r for r in results if r.step.bonus]
    lines.append("")
    overall = f"{bar(len(done), len(required), 40)} {len(done)} of {len(required)} steps done"
    overall += f" ({points} of {manifest.total_points} points)"
    if bonus:
        overall += f", bonus {sum(r.done for r in bonus)} of {len(bonus)}"
    lines.append(overall)
    lines.append(next_action(results, manifest))
    return "\n".join(lines)
