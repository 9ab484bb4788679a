"""DIR/<submission>/feedback.html: the student's feedback as one static page, the same facts as feedback.md.

No script, no external resource, no live link: everything that comes from the submission (its name, the
status, notes, the messages of failing checks) is HTML-escaped (grader.inert.html), and messages are
shown in <pre> blocks, literally. A Content-Security-Policy forbids scripts and remote loads anyway.
The grading seed is not in it.
"""

from __future__ import annotations

from fractions import Fraction

from grader import inert
from grader.course import Adjusted
from grader.outputs import STATE_WORDS, points, step_state
from grader.records import Record
from kata.manifest import Manifest

STYLE = """body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 60em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
.PASS { color: #2a7a2a; } .FAIL, .ERROR, .CRASH, .TIMEOUT { color: #a00; } .score { font-size: 1.3em; }"""


def feedback_html(record: Record, manifest: Manifest, adjusted: Adjusted) -> str:
    e = inert.html
    body = [f"<h1>micrograd kata: feedback for {e(record.display)}</h1>"]
    score = f"Score: {points(adjusted.score)} / {record.max_score}"
    bonus = [s for s in record.steps if s.bonus]
    if bonus:
        extra = sum((adjusted.step_score(s.number) for s in bonus), Fraction(0))
        score += f" (including {points(extra)} bonus points)"
    body.append(f'<p class="score"><strong>{e(score)}</strong></p>')
    if adjusted.late is not None:
        line = adjusted.late.describe(adjusted.unit)
        if adjusted.penalty:
            line += (
                f"; late penalty {points(adjusted.late.percent)}% of {points(adjusted.graded)}: "
                f"-{points(adjusted.penalty)} points"
            )
        body.append(f"<p><strong>Submission time:</strong> {e(line)}</p>")
    if adjusted.overrides:
        items = "".join(
            f"<li>{e(o.target)}: {points(o.points)} points (the grader gave {points(before)})"
            + (f": {e(o.comment)}" if o.comment else "")
            + "</li>"
            for o, before in adjusted.overrides
        )
        body.append(f"<p><strong>Adjusted by your instructor</strong> (marked * below):</p><ul>{items}</ul>")
    if record.status != "ok":
        body.append(f"<p><strong>Problem:</strong> {e(record.status)}</p>")
    if record.notes:
        body.append("<ul>" + "".join(f"<li>note: {e(n)}</li>" for n in record.notes) + "</ul>")
    rows = []
    for step in record.steps:
        label = f"{step.number}. {step.title}" + (" (bonus)" if step.bonus else "")
        counted = adjusted.step_score(step.number)
        mark = " *" if counted != step.score else ""
        rows.append(
            f"<tr><td>{e(label)}</td><td>{e(step_state(step))}</td>"
            f"<td class=n>{points(counted)}{mark} / {step.points}</td></tr>"
        )
    body.append("<table><tr><th>Step</th><th>Result</th><th>Points</th></tr>" + "".join(rows) + "</table>")
    for step in record.steps:
        body.append(f"<h2>Step {step.number}: {e(step.title)} ({points(step.score)} / {step.points})</h2>")
        if step.problem:
            body.append(f"<p>Problem: {e(step.problem)}</p>")
        passed = [v for v in step.verdicts if v.state == "passed"]
        if len(passed) == len(step.verdicts):
            body.append(f"<p>All {len(passed)} checks pass.</p>")
            continue
        body.append(f"<p>Run <code>make test-step{step.number}</code> to see these checks on your machine.</p><ul>")
        for verdict in step.verdicts:
            if verdict.state == "passed":
                continue
            word = STATE_WORDS.get(verdict.state, verdict.state)
            item = f'<li><strong class="{e(word.split()[0])}">{e(word)}</strong> {verdict.step}.{verdict.number} '
            item += e(verdict.title)
            if verdict.message:
                item += f"<pre>{inert.html_block(verdict.message)}</pre>"
            body.append(item + "</li>")
        body.append("</ul>")
        if passed:
            body.append(f"<p>Passed: {', '.join(f'{v.step}.{v.number}' for v in passed)}.</p>")
    sandbox = " in a sandbox." if record.sandboxed else " (not sandboxed)."
    body.append(
        f"<hr><p>Graded by grader {e(record.grader_version)}{sandbox} The checks are the ones of kata/catalogue/ "
        "(make test-stepN); your cases were drawn for this submission.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>micrograd kata: feedback for {e(record.display)}</title>\n<style>\n{STYLE}\n</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
