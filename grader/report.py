"""DIR/report.html: one static page about the whole class, for the instructor.

The score distribution, the pass rate of every step, the classic bugs found across the class with
how many submissions show each one (what to re-teach on Monday), what went wrong at the level of
whole steps (timeouts, crashes, syntax errors), and one row per submission linking to its feedback.
Plots are inline SVG drawn here, without a plotting library. No server, no JavaScript: open it in
any browser. Everything that comes from a submission is escaped (grader/inert.py). It is the
instructor's page: unlike the students' feedback, it shows the grading seed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
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


W, H, LEFT, BOTTOM, TOP = 480, 220, 44, 36, 26  # the plots' size and margins, in pixels


def _chart(title: str, xlabel: str, ylabel: str, ymax: float, bars: Sequence[tuple[str, float, str]]) -> str:
    """A bar chart as inline SVG (label, height, colour per bar, left to right): no plotting library, so the
    report costs nothing to draw and looks the same everywhere."""
    ymax = ymax or 1
    width = (W - LEFT - 10) / max(len(bars), 1)
    base = H - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="{W / 2}" y="16" text-anchor="middle" font-size="13">{title}</text>',
        f'<line x1="{LEFT}" y1="{base}" x2="{W - 10}" y2="{base}" stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#444"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{ymax:g}</text>',
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>',
        f'<text x="{(LEFT + W) / 2}" y="{H - 4}" text-anchor="middle">{xlabel}</text>',
        f'<text x="12" y="{(TOP + base) / 2}" text-anchor="middle" transform="rotate(-90 12 {(TOP + base) / 2})">'
        f"{ylabel}</text>",
    ]
    for i, (label, value, colour) in enumerate(bars):
        height = (base - TOP) * value / ymax
        x = LEFT + i * width
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{base - height:.1f}" width="{width - 2:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{label}: {value:g}</title></rect>'
        )
        if label:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{base + 13}" text-anchor="middle">{label}</text>')
    return "".join(parts) + "</svg>"


def _plots(records: list[Record], manifest: Manifest) -> tuple[str, str]:
    """The score distribution (20 bins up to the highest score) and the pass rate of every step."""
    scores = [float(r.score) for r in records]
    top = max([manifest.total_points, *scores])
    counts = [0] * 20
    for score in scores:
        counts[min(int(20 * score / top), 19)] += 1
    bins = [(f"{i * top / 20:g}" if i % 5 == 0 else "", n, "#1f77b4") for i, n in enumerate(counts)]
    distribution = _chart(
        "Score distribution",
        f"score (out of {manifest.total_points}; bonus points on top)",
        "submissions",
        max(counts),
        bins,
    )
    rates = []
    for step in manifest.steps:
        done = [r for r in records if any(s.number == step.number and s.score == s.points for s in r.steps)]
        rate = 100 * len(done) / max(len(records), 1)
        rates.append((f"{step.number}" + ("*" if step.bonus else ""), rate, "#9ecae1" if step.bonus else "#2ca02c"))
    passes = _chart("Pass rate per step", "step (* bonus)", "% with full marks", 100, rates)
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
