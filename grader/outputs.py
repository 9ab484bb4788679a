"""What the grader writes from records: the gradebook, Gradescope's results.json, the student's feedback."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from fractions import Fraction

from grader import inert
from grader.course import Adjusted, Course, Student, adjust
from grader.grading import StepOutcome, Verdict
from grader.inert import csv_cell
from grader.records import Record
from kata.manifest import Manifest

__all__ = ["Pending", "csv_cell", "feedback_markdown", "gradebook", "points", "results_json"]

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


def points(x: Fraction | float) -> str:
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


@dataclass
class Pending:
    """A submission whose grading did not finish (an interrupted batch): its row says so."""

    submission: str
    name: str
    source: str
    student: Student | None = None


MISSING = "missing: no submission matched this student of the roster"


def gradebook_columns(manifest: Manifest, course: Course) -> list[str]:
    roster = ["student_id", "email"] if course.roster is not None else []
    late = ["late", "late_penalty"] if course.late is not None else []
    overrides = ["overrides"] if course.overrides else []
    steps = [f"step{s.number}" for s in manifest.steps]
    return [
        "submission",
        "name",
        *roster,
        "source",
        "status",
        "score",
        "max_score",
        *steps,
        *late,
        *overrides,
        "submitted_at",
        "seed",
        "graded_at",
        "grader_version",
    ]


def gradebook(rows: list[Adjusted | Pending | Student], manifest: Manifest, course: Course | None = None) -> str:
    """One row per submission, in order: its id (the folder of its outputs), its name as given (unicode
    kept), the roster's id and email (with a roster), its original path, the scores (after overrides and
    the late penalty), and what they were graded with. A Pending submission's score cells stay empty; a
    Student is one of the roster with no submission."""
    course = course or Course()
    columns = gradebook_columns(manifest, course)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells: dict[str, object] = {}
        if isinstance(row, Student):
            cells = {"name": row.name, "student_id": row.id, "email": row.email, "status": MISSING}
        elif isinstance(row, Pending):
            cells = {"submission": row.submission, "name": row.name, "source": row.source, "status": NOT_FINISHED}
            cells |= _student_cells(row.student)
        else:
            record = row.record
            cells = {
                "submission": record.submission,
                "name": record.display,
                "source": record.source,
                "status": record.status,
                "score": points(row.score),
                "max_score": record.max_score,
                **{f"step{s.number}": points(row.step_score(s.number)) for s in manifest.steps},
                "submitted_at": record.submitted_at,
                "seed": record.seed,
                "graded_at": record.graded_at,
                "grader_version": record.grader_version,
            }
            cells |= _student_cells(row.student)
            if course.late is not None:
                cells["late"] = _late_cell(row)
                cells["late_penalty"] = points(row.penalty)
            if course.overrides:
                cells["overrides"] = "; ".join(
                    f"{o.target}: {points(o.points)} (graded {points(before)})" + (f" {o.comment}" if o.comment else "")
                    for o, before in row.overrides
                )
        writer.writerow([csv_cell(cells.get(c, "")) for c in columns])
    return out.getvalue()


def _student_cells(student: Student | None) -> dict[str, object]:
    return {} if student is None else {"student_id": student.id, "email": student.email}


def _late_cell(row: Adjusted) -> str:
    if row.late is None:
        return "unknown time"
    if not row.late.late:
        return "on time"
    return f"{row.late.units} {row.unit}{'s' if row.late.units != 1 else ''} ({points(row.late.percent)}%)"


# ---- Gradescope's results.json -------------------------------------------------------------------------


VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's, per test
DETAILS = ("full", "brief")  # a failing test's output: the case, expected and got; or only the likely bug


def results_json(record: Record, visibility: str = "visible", details: str = "full") -> dict[str, object]:
    """The Gradescope autograder format: one test per check, names starting with the step. Every
    output is plain text (output_format "text"), so nothing a submission wrote is rendered as markup;
    the grading seed is not in it (students see this file). `visibility` is each test's (the total
    score stays visible); with details "brief", a failing test names the likely bug but shows no case,
    no expected value and no output."""
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
                    "output": inert.plain(_test_output(verdict) if details == "full" else _brief(verdict)),
                    "output_format": "text",
                    "tags": [f"step{verdict.step}", verdict.state] + (["bonus"] if step.bonus else []),
                    "visibility": visibility,
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


def _brief(verdict: Verdict) -> str:
    from kata.catalogue.bugs import BUGS

    word = STATE_WORDS.get(verdict.state, verdict.state)
    if verdict.state == "passed":
        return word
    bugs = "; ".join(BUGS.get(b, b) for b in verdict.bugs)
    said = f"{word}: looks like {bugs}" if bugs else word
    return f"{said}. Run make test-step{verdict.step} on your machine to see the public cases of this check."


def _test_output(verdict: Verdict) -> str:
    word = STATE_WORDS.get(verdict.state, verdict.state)
    return word if not verdict.message else f"{word}: {verdict.message}"


def _summary_line(record: Record) -> str:
    text = f"Score {points(record.score)} / {record.max_score}."
    if record.status != "ok":
        text += f" Problem: {record.status}."
    return text + " See the tests below; each failing one says expected, got and the likely bug."


# ---- The student's feedback ---------------------------------------------------------------------------


def step_state(step: StepOutcome) -> str:
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


def feedback_markdown(record: Record, manifest: Manifest, adjusted: Adjusted | None = None) -> str:
    """The student's feedback. Whatever came from the submission (its name, the status, notes, the
    messages of failing checks) is made inert: inline text escaped, messages in literal code blocks.
    The grading seed is not in it. `adjusted` adds the late policy and the instructor's overrides."""
    adjusted = adjusted or adjust(record, Course())
    lines = [f"# micrograd kata: feedback for {inert.markdown(record.display)}", ""]
    lines.append(f"**Score: {points(adjusted.score)} / {record.max_score}**")
    bonus = [s for s in record.steps if s.bonus]
    if bonus:
        extra = sum((adjusted.step_score(s.number) for s in bonus), Fraction(0))
        lines[-1] += f" (including {points(extra)} bonus points)"
    lines.append("")
    lines += _course_lines(adjusted)
    if record.status != "ok":
        lines += [f"**Problem:** {inert.markdown(record.status)}", ""]
    for note in record.notes:
        lines.append(f"- note: {inert.markdown(note)}")
    if record.notes:
        lines.append("")
    lines += ["| Step | Result | Points |", "|---|---|---:|"]
    for step in record.steps:
        label = f"{step.number}. {step.title}" + (" (bonus)" if step.bonus else "")
        mark = " *" if adjusted.step_score(step.number) != step.score else ""
        lines.append(
            f"| {label} | {step_state(step)} | {points(adjusted.step_score(step.number))}{mark} / {step.points} |"
        )
    lines.append("")
    for step in record.steps:
        lines += _step_section(step)
    lines += [
        "---",
        f"Graded by grader {record.grader_version}" + (" in a sandbox." if record.sandboxed else " (not sandboxed)."),
        "The checks are the ones of kata/catalogue/ (make test-stepN); your cases were drawn for this submission.",
    ]
    return "\n".join(lines) + "\n"


def _course_lines(adjusted: Adjusted) -> list[str]:
    """The late policy's verdict and the instructor's overrides, when there are any."""
    lines = []
    if adjusted.late is not None:
        lines.append(f"**Submission time:** {adjusted.late.describe(adjusted.unit)}")
        if adjusted.penalty:
            lines[-1] += (
                f"; late penalty {points(adjusted.late.percent)}% of {points(adjusted.graded)}: "
                f"-{points(adjusted.penalty)} points"
            )
        lines.append("")
    if adjusted.overrides:
        lines.append("**Adjusted by your instructor** (marked * below):")
        for override, before in adjusted.overrides:
            what = f"step {override.target}" if override.target.strip().isdigit() else override.target
            comment = f": {inert.markdown(override.comment)}" if override.comment else ""
            given = f"{points(override.points)} points (the grader gave {points(before)})"
            lines.append(f"- {inert.markdown(what)}: {given}{comment}")
        lines.append("")
    return lines


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
