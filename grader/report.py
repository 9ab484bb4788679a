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


def report_html(
    records: list[Record], manifest: Manifest, seed: int, version: str, sandboxed: bool, unfinished: int = 0
) -> str:
    """The page; `unfinished` submissions of an interrupted batch are not in it, and a banner says so."""
    e = inert.html
    distribution, passes = _plots(records, manifest)
    total = len(records)
    mean = sum((r.score for r in records), Fraction(0)) / total if total else 0
    problems = Counter(re.sub(r"\d+", "N", r.status).split(":")[0] for r in records if r.status != "ok")
    bugs = classic_bugs(records)
    rows = []
    for r in sorted(records, key=lambda r: r.submission.lower()):
        cells = "".join(f"<td class=n>{points(r.step_score(s.number))}</td>" for s in manifest.steps)
        link = e(quote(r.submission) + "/feedback.md")
        rows.append(
            f'<tr><td><a href="{link}">{e(r.submission)}</a></td><td class=n>{points(r.score)}</td>'
            f"{cells}<td>{e(r.status)}</td></tr>"
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
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>micrograd kata: class report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }} td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.plots {{ display: flex; flex-wrap: wrap; gap: 2em; }} .plots svg {{ max-width: 100%; height: auto; }}
.summary {{ font-size: 1.1em; }}
</style></head><body>
<h1>micrograd kata: class report</h1>
{_banner(unfinished)}
<p class="summary">{total} submissions, mean score {points(mean)} / {manifest.total_points} (bonus included);
{sum(r.status == "ok" for r in records)} graded without problems. Seed {e(seed)}, grader {e(version)},
{"sandboxed" if sandboxed else "not sandboxed"}.</p>
<div class="plots"><div>{distribution}</div><div>{passes}</div></div>
<h2>What to re-teach: the classic bugs found</h2>
<p>Each failing check that recognised a classic bug counts once per submission.</p>
<table><tr><th>step</th><th>looks like</th><th>submissions</th><th>who</th></tr>{bug_rows}</table>
<h2>Steps that could not run normally</h2>
<table><tr><th>problem</th><th>submissions</th></tr>{problem_rows or "<tr><td colspan=2>none</td></tr>"}</table>
<h2>Every submission</h2>
<table><tr><th>submission</th><th>score</th>{steps_head}<th>status</th></tr>{"".join(rows)}</table>
</body></html>
"""


def _banner(unfinished: int) -> str:
    if not unfinished:
        return ""
    return (
        f'<p class="summary"><strong>Interrupted: {unfinished} more submission(s) were not graded.</strong> '
        "Run the same command again with --resume to finish; this page then covers the whole class.</p>\n"
    )
