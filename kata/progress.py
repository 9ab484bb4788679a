"""make progress: every step's passed / failing / todo counts, from a real run of every suite.

The table is computed each time from the tests themselves (all steps in one pytest child), so it
can never disagree with `make test-stepN`.
"""

from __future__ import annotations

from kata.manifest import Manifest, Step
from kata.runner import StepResult, run_in_parallel

WIDTH = 20


def run_all(manifest: Manifest, impl: str, jobs: int = 2) -> list[StepResult]:
    """Every step's suite: two children at once where there are two cores, each running its share."""
    return run_in_parallel(list(manifest.steps), impl=impl, jobs=jobs)


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
        if result.hung:
            return (
                f"Next: step {step.number} ran out of time in {result.hung.split('::', 1)[-1]}; "
                f"make test-step{step.number} says where it was."
            )
        broken = result.unreadable
        if broken:
            return (
                f"Next: Python cannot load micrograd/{broken.get('file', step.file)}: {broken.get('type')} at line "
                f"{broken.get('line', '?')}: {broken.get('message', '')}. Fix that line first."
            )
        if result.state == "error":
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
        return f"Next: step {step.number} is not done; run make test-step{step.number}."
    if results and all(r.done for r in results):
        return "Next: nothing! Every step passes. Try `make demo`, or read tests/test_stepN.py for what was checked."
    return "Next: no step could be run; see the error above."


def render(results: list[StepResult], manifest: Manifest, impl: str, seconds: float = 0.0) -> str:
    took = f" (every check run, in {seconds:.1f} s)" if seconds else ""
    lines = [f"micrograd kata: progress of {impl}/micrograd{took}", ""]
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
