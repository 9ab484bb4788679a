"""What the grader writes from records: the gradebook, Gradescope's results.json, the student's feedback."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from grader import inert
from grader.grading import StepOutcome, Verdict
from grader.inert import csv_cell
from grader.records import Record
from kata.manifest import Manifest

__all__ = ["csv_cell", "feedback_markdown", "gradebook", "points", "results_json"]

NOT_FINISHED = "not graded: the grader was interrupted (run the same command again with --resume)"

STATE_WORDS = {
    "passed": "PASS",
    "failed": "FAIL",
    "todo": "TODO",
    "error": "ERROR",
    "timeout": "TIMEOUT",
    "crashed": "CRASH",
    "not-run": "NOT RUN",
    "blocked": "BLOCKED",
}


def points(x: Fraction | int) -> str:
    """A score as a person reads it: 10, 3.33, 73.5."""
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _number(x: Fraction | int) -> float:
    return round(float(x), 4)


def apportion(parts: list[Fraction], places: int = 4) -> list[float]:
    """Round each part to `places` decimals so that the rounded parts add up to the rounded total
    (largest remainders), e.g. three thirds of 10 -> 3.3334, 3.3333, 3.3333."""
    unit = Fraction(1, 10**places)
    floors = [int(p // unit) for p in parts]
    missing = round(sum(parts) / unit) - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] / unit - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [f / 10**places for f in floors]


# ---- The gradebook -----------------------------------------------------------------------------------


def gradebook(records: list[Record | str], manifest: Manifest) -> str:
    """One row per submission, in order; a bare name is a submission whose grading did not finish
    (an interrupted batch): its row says so and its score cells stay empty."""
    numbers = [s.number for s in manifest.steps]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "status", "score", "max_score", *(f"step{n}" for n in numbers)])
    for record in records:
        if isinstance(record, str):
            writer.writerow([csv_cell(record), csv_cell(NOT_FINISHED), "", "", *("" for _ in numbers)])
            continue
        writer.writerow(
            [
                csv_cell(record.submission),
                csv_cell(record.status),
                points(record.score),
                record.max_score,
                *(points(record.step_score(n)) for n in numbers),
            ]
        )
    return out.getvalue()


# ---- Gradescope's results.json -------------------------------------------------------------------------


def results_json(record: Record) -> dict:
    """The Gradescope autograder format: one test per check, names starting with the step. Every
    output is plain text (output_format "text"), so nothing a submission wrote is rendered as markup;
    the grading seed is not in it (students see this file)."""
    tests = []
    for step in record.steps:
        maxima = apportion([v.max_score for v in step.verdicts])
        for verdict, maximum in zip(step.verdicts, maxima):
            tests.append(
                {
                    "name": f"Step {verdict.step}: {verdict.title}",
                    "number": f"{verdict.step}.{verdict.number}",
                    "score": maximum if verdict.state == "passed" else 0.0,
                    "max_score": maximum,
                    "status": "passed" if verdict.state == "passed" else "failed",
                    "output": inert.plain(_test_output(verdict)),
                    "output_format": "text",
                    "tags": [f"step{verdict.step}", verdict.state] + (["bonus"] if step.bonus else []),
                    "visibility": "visible",
                }
            )
    return {
        "score": _number(record.score),
        "max_score": record.max_score,
        "execution_time": round(record.execution_time, 2),
        "output": inert.plain(_summary_line(record)),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "status": inert.plain(record.status),
            "grader_version": record.grader_version,
            "sandboxed": record.sandboxed,
        },
        "tests": tests,
    }


def _test_output(verdict: Verdict) -> str:
    word = STATE_WORDS.get(verdict.state, verdict.state)
    return word if not verdict.message else f"{word}: {verdict.message}"


def _summary_line(record: Record) -> str:
    text = f"Score {points(record.score)} / {record.max_score}."
    if record.status != "ok":
        text += f" Problem: {record.status}."
    return text + " See the tests below; each failing one says expected, got and the likely bug."


# ---- The student's feedback ---------------------------------------------------------------------------


def _step_state(step: StepOutcome) -> str:
    counts: dict[str, int] = {}
    for verdict in step.verdicts:
        counts[verdict.state] = counts.get(verdict.state, 0) + 1
    total = len(step.verdicts)
    if counts.get("passed", 0) == total:
        return f"all {total} checks pass"
    if counts.get("todo", 0) == total:
        return "not started (todo)"
    parts = [f"{n} {STATE_WORDS[s].lower()}" for s, n in counts.items() if s != "passed" and n]
    return f"{counts.get('passed', 0)} of {total} pass; " + ", ".join(parts)


def feedback_markdown(record: Record, manifest: Manifest) -> str:
    """The student's feedback. Whatever came from the submission (its name, the status, notes, the
    messages of failing checks) is made inert: inline text escaped, messages in literal code blocks.
    The grading seed is not in it."""
    lines = [f"# micrograd kata: feedback for {inert.markdown(record.submission)}", ""]
    lines.append(f"**Score: {points(record.score)} / {record.max_score}**")
    bonus = [s for s in record.steps if s.bonus]
    if bonus:
        lines[-1] += f" (including {points(sum((s.score for s in bonus), Fraction(0)))} bonus points)"
    lines.append("")
    if record.status != "ok":
        lines += [f"**Problem:** {inert.markdown(record.status)}", ""]
    for note in record.notes:
        lines.append(f"- note: {inert.markdown(note)}")
    if record.notes:
        lines.append("")
    lines += ["| Step | Result | Points |", "|---|---|---:|"]
    for step in record.steps:
        label = f"{step.number}. {step.title}" + (" (bonus)" if step.bonus else "")
        lines.append(f"| {label} | {_step_state(step)} | {points(step.score)} / {step.points} |")
    lines.append("")
    for step in record.steps:
        lines += _step_section(step)
    lines += [
        "---",
        f"Graded by grader {record.grader_version}" + (" in a sandbox." if record.sandboxed else " (not sandboxed)."),
        "The checks are the ones of kata/catalogue/ (make test-stepN); your cases were drawn for this submission.",
    ]
    return "\n".join(lines) + "\n"


def _step_section(step: StepOutcome) -> list[str]:
    lines = [f"## Step {step.number}: {step.title} ({points(step.score)} / {step.points})", ""]
    if step.problem:
        lines += [f"Problem: {inert.markdown(step.problem)}", ""]
    passed = [v for v in step.verdicts if v.state == "passed"]
    if len(passed) == len(step.verdicts):
        return [*lines, f"All {len(passed)} checks pass.", ""]
    lines += [f"Run `make test-step{step.number}` to see these checks on your machine.", ""]
    for verdict in step.verdicts:
        if verdict.state == "passed":
            continue
        word = STATE_WORDS.get(verdict.state, verdict.state)
        lines.append(f"- **{word}** {verdict.step}.{verdict.number} {verdict.title}")
        if verdict.message:
            lines += ["", _indent(inert.markdown_block(verdict.message)), ""]
    if passed:
        lines += ["", f"Passed: {', '.join(f'{v.step}.{v.number}' for v in passed)}."]
    lines.append("")
    return lines


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.split("\n"))
