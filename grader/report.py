"""DIR/report.html: one static page about the whole class, for the instructor.

The score distribution, the pass rate of every step, the classic bugs found across the class with
how many submissions show each one (what to re-teach on Monday), what went wrong at the level of
whole steps (timeouts, crashes, syntax errors), and one row per submission linking to its feedback.
Plots are inline SVG made with matplotlib (without matplotlib, the page says so and keeps its
tables). No server, no JavaScript: open it in any browser. Everything that comes from a submission
is escaped (grader/inert.py). It is the instructor's page: unlike the students' feedback, it shows
the grading seed.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from fractions import Fraction
from urllib.parse import quote

from grader import inert
from grader.course import Adjusted, Course, adjust
from grader.outputs import points
from grader.records import Record
from kata.manifest import Manifest


def classic_bugs(records: list[Record]) -> list[tuple[int, str, int, list[str]]]:
    """(step, bug, submissions showing it, which), the most common first: counted by the bug ids the
    judges gave (kata/catalogue/bugs.py), shown in the catalogue's words."""
    from kata.catalogue.bugs import BUGS

    seen: dict[tuple[int, str], set[str]] = {}
    for record in records:
        for step in record.steps:
            for verdict in step.verdicts:
                for bug in verdict.bugs:
                    seen.setdefault((step.number, BUGS.get(bug, bug)), set()).add(record.submission)
    found = [(step, bug, len(names), sorted(names)) for (step, bug), names in seen.items()]
    return sorted(found, key=lambda row: (-row[2], row[0], row[1]))


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _plots(records: list[Record], manifest: Manifest) -> tuple[str, str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        note = "<p><em>Install matplotlib (make graph installs it) to see the plots here.</em></p>"
        return note, note
    scores = [float(r.score) for r in records]
    figure, axes = plt.subplots(figsize=(6, 2.8))
    top = max([manifest.total_points, *scores])
    axes.hist(scores, bins=[i * top / 20 for i in range(21)], color="#1f77b4", edgecolor="white")
    axes.set_xlabel(f"score (out of {manifest.total_points}; bonus points on top)")
    axes.set_ylabel("submissions")
    axes.set_title("Score distribution")
    distribution = _svg(figure)
    plt.close(figure)
    figure, axes = plt.subplots(figsize=(6, 2.8))
    labels, rates = [], []
    for step in manifest.steps:
        done = [r for r in records if any(s.number == step.number and s.score == s.points for s in r.steps)]
        labels.append(f"{step.number}" + ("*" if step.bonus else ""))
        rates.append(100 * len(done) / max(len(records), 1))
    axes.bar(labels, rates, color=["#9ecae1" if label.endswith("*") else "#2ca02c" for label in labels])
    axes.set_ylim(0, 100)
    axes.set_xlabel("step (* bonus)")
    axes.set_ylabel("% with full marks")
    axes.set_title("Pass rate per step")
    passes = _svg(figure)
    plt.close(figure)
    return distribution, passes


def check_failures(records: list[Record]) -> list[tuple[str, str, int, int, list[str]]]:
    """(check number, title, submissions where it failed, submissions where it was judged, which), the checks
    that fail most first. A check fails in a submission when one of its cases did not pass (todo and
    blocked aside: a step not started, a check an earlier step made impossible to judge)."""
    judged: dict[str, int] = {}
    failed: dict[str, set[str]] = {}
    titles: dict[str, str] = {}
    for record in records:
        seen: dict[str, bool] = {}
        for step in record.steps:
            for verdict in step.verdicts:
                if verdict.state in ("todo", "blocked"):
                    continue
                number = f"{verdict.step}.{verdict.number}"
                titles[number] = verdict.title
                seen[number] = seen.get(number, False) or verdict.state != "passed"
        for number, bad in seen.items():
            judged[number] = judged.get(number, 0) + 1
            if bad:
                failed.setdefault(number, set()).add(record.display)
    rows = [(n, titles[n], len(failed.get(n, ())), judged[n], sorted(failed.get(n, ()))) for n in judged]
    order = [tuple(int(x) for x in n.split(".")) for n, *_ in rows]
    ranked = sorted(zip(rows, order), key=lambda item: (-item[0][2] / max(item[0][3], 1), -item[0][2], item[1]))
    return [row for row, _ in ranked]


def report_html(
    records: list[Record],
    manifest: Manifest,
    seed: int | str,
    version: str,
    sandboxed: bool,
    unfinished: int = 0,
    adjusted: dict[str, Adjusted] | None = None,
    warnings: list[str] | None = None,
    course: Course | None = None,
    similarity: str = "",
) -> str:
    """The page; `unfinished` submissions of an interrupted batch are not in it, and a banner says so.
    Scores are the course's (`adjusted`: after overrides and the late penalty) when given; `warnings` are
    the roster's and the overrides' (missing and extra students ...); `similarity` links the ranking."""
    e = inert.html
    course = course or Course()
    counted = adjusted or {r.submission: adjust(r, course) for r in records}
    distribution, passes = _plots(records, manifest)
    total = len(records)
    mean = sum((counted[r.submission].score for r in records), Fraction(0)) / total if total else 0
    problems = Counter(re.sub(r"\d+", "N", r.status).split(":")[0] for r in records if r.status != "ok")
    bugs = classic_bugs(records)
    rows = []
    for r in sorted(records, key=lambda r: r.submission.lower()):
        a = counted[r.submission]
        cells = "".join(f"<td class=n>{points(a.step_score(s.number))}</td>" for s in manifest.steps)
        folder = quote(r.submission)
        links = f'<a href="{e(folder)}/feedback.html">html</a> <a href="{e(folder)}/feedback.md">md</a>'
        extra = _course_cells(a, course)
        rows.append(
            f"<tr><td>{e(r.display)}{_id(r)}</td><td>{links}</td><td class=n>{points(a.score)}</td>"
            f"{cells}{extra}<td>{e(r.status)}</td></tr>"
        )
    checks = check_failures(records)
    check_rows = (
        "".join(
            f"<tr><td class=n>{number}</td><td>{e(title)}</td><td class=n>{bad}/{seen}</td>"
            f"<td class=n>{100 * bad / max(seen, 1):.0f}%</td><td>{e(', '.join(who[:8]))}"
            f"{' ...' if len(who) > 8 else ''}</td></tr>"
            for number, title, bad, seen, who in checks
            if bad
        )
        or "<tr><td colspan=5>none: every check judged passed everywhere</td></tr>"
    )
    bug_rows = (
        "".join(
            f"<tr><td class=n>{step}</td><td>{e(bug)}</td><td class=n>{count}</td><td>{e(', '.join(names[:8]))}"
            f"{' ...' if len(names) > 8 else ''}</td></tr>"
            for step, bug, count, names in bugs
        )
        or "<tr><td colspan=4>none: no failing check recognised a classic bug</td></tr>"
    )
    problem_rows = "".join(f"<tr><td>{e(kind)}</td><td class=n>{n}</td></tr>" for kind, n in problems.most_common())
    steps_head = "".join(f"<th>s{s.number}{'*' if s.bonus else ''}</th>" for s in manifest.steps)
    course_head = ("<th>late</th><th>penalty</th>" if course.late else "") + (
        "<th>overrides</th>" if course.overrides else ""
    )
    problem_list = "".join(f"<li>{e(w)}</li>" for w in warnings or [])
    roster_section = (
        f"<h2>Roster and overrides: to look at</h2><ul class=warn>{problem_list}</ul>" if problem_list else ""
    )
    similarity_link = (
        f'<p>Similar code: <a href="{e(similarity)}">the similarity ranking</a> (for the instructor only; it never '
        "changes a score).</p>"
        if similarity
        else "<p>No similarity ranking yet: <code>python -m grader similarity SUBMISSIONS_FOLDER --out "
        "THIS_FOLDER</code> writes one, and this page links it.</p>"
    )
    policy = f"<p>Late policy: {e(course.late.describe())}.</p>" if course.late else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>micrograd kata: class report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }} td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.plots {{ display: flex; flex-wrap: wrap; gap: 2em; }} .plots svg {{ max-width: 100%; height: auto; }}
.summary {{ font-size: 1.1em; }} .warn {{ color: #a00; font-weight: bold; }}
</style></head><body>
<h1>micrograd kata: class report</h1>
{_banner(unfinished)}
<p class="summary">{total} submissions, mean score {points(mean)} / {manifest.total_points} (bonus included);
{sum(r.status == "ok" for r in records)} graded without problems. Seed {e(seed)}, grader {e(version)},
{"sandboxed" if sandboxed else "not sandboxed"}.</p>
{policy}{similarity_link}
{roster_section}
<div class="plots"><div>{distribution}</div><div>{passes}</div></div>
<h2>What to re-teach: the classic bugs found</h2>
<p>Each failing check that recognised a classic bug counts once per submission.</p>
<table><tr><th>step</th><th>looks like</th><th>submissions</th><th>who</th></tr>{bug_rows}</table>
<h2>Which checks fail most</h2>
<p>A check fails in a submission when one of its cases did not pass; steps not started and checks an
earlier step made impossible to judge are not counted.</p>
<table><tr><th>check</th><th>what</th><th>failed</th><th>rate</th><th>who</th></tr>{check_rows}</table>
<h2>Steps that could not run normally</h2>
<table><tr><th>problem</th><th>submissions</th></tr>{problem_rows or "<tr><td colspan=2>none</td></tr>"}</table>
<h2>Every submission</h2>
<table><tr><th>submission</th><th>feedback</th><th>score</th>{steps_head}{course_head}<th>status</th></tr>
{"".join(rows)}</table>
</body></html>
"""


def _course_cells(a: Adjusted, course: Course) -> str:
    e = inert.html
    cells = ""
    if course.late:
        late = "?" if a.late is None else (f"{a.late.units} {a.unit}(s)" if a.late.late else "on time")
        cells += f"<td>{e(late)}</td><td class=n>{points(a.penalty)}</td>"
    if course.overrides:
        cells += f"<td>{e('; '.join(f'{o.target}: {points(o.points)}' for o, _ in a.overrides))}</td>"
    return cells


def _id(record: Record) -> str:
    """The submission's id (its folder) when its name does not say it."""
    return "" if record.display == record.submission else f" <small>({inert.html(record.submission)})</small>"


def _banner(unfinished: int) -> str:
    if not unfinished:
        return ""
    return (
        f'<p class="summary"><strong>Interrupted: {unfinished} more submission(s) were not graded.</strong> '
        "Run the same command again with --resume to finish; this page then covers the whole class.</p>\n"
    )
