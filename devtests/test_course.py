"""The course around the grades (grader/course.py): a roster with missing and extra students listed loudly,
a late policy shown in the feedback and the gradebook, overrides applied after grading and kept across
regrades; and the report that goes with them (per-check failure rates, HTML feedback, the similarity link)."""

import csv
import os
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

from devtests.test_grader import FULL, grade, points
from grader.course import CourseError, LatePolicy, Override, Roster, Student, lateness, load_overrides, match
from grader.records import Record
from grader.zoo import reference_copy

STEPS = ("--steps", "1,2", "--no-sandbox")
DUE = "2026-11-20T23:59:00+00:00"


def stamp(folder: Path, when: str) -> None:
    """Give every file of a submission the time `when` (its file time, the late policy's clock)."""
    moment = datetime.fromisoformat(when).timestamp()
    for path in folder.rglob("*"):
        os.utime(path, (moment, moment))


def rows(out: Path) -> dict[str, dict[str, str]]:
    found = {}
    for row in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")):
        found[row["submission"] or f"missing:{row['student_id']}"] = row
    return found


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path, Path]:
    sub = tmp_path / "sub"
    reference_copy(sub / "alice", upto=2)
    reference_copy(sub / "bob", upto=2)
    reference_copy(sub / "zed", upto=1)
    stamp(sub / "alice", "2026-11-22T10:00:00+00:00")  # 2 started days late
    stamp(sub / "bob", "2026-11-19T10:00:00+00:00")  # on time
    stamp(sub / "zed", "2026-11-20T12:00:00+00:00")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,name,email,submission\n"
        "s1,Alice A,alice@uni.example,sub/alice\n"
        "s2,Bob,bob@uni.example,\n"
        "s4,Carol,carol@uni.example,sub/carol*\n",
        encoding="utf-8",
    )
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "student,target,points,comment\nbob,2.1,0,copied from the lecture notes\ns1,step2,15,graded by hand\n"
    )
    return sub, roster, overrides


def test_roster_late_policy_and_overrides_end_to_end_and_across_regrades(
    course: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    sub, roster, overrides = course
    out = tmp_path / "out"
    flags: list[str | Path] = ["--roster", roster, "--due", DUE, "--late-penalty", "10%/day", "--overrides", overrides]
    done = grade([sub / "alice", sub / "bob", sub / "zed"], out, *STEPS, *flags)
    assert done.returncode == 0, done.stderr
    assert "1 student(s) on the roster have no submission: s4 (Carol)" in done.stderr
    assert "1 submission(s) match no one on the roster: zed" in done.stderr
    found = rows(out)
    assert list(found) == ["alice", "bob", "zed", "missing:s4"]
    alice, bob, zed, carol = found.values()
    assert (alice["student_id"], alice["email"], bob["student_id"]) == ("s1", "alice@uni.example", "s2")
    assert carol["status"].startswith("missing") and carol["name"] == "Carol" and carol["score"] == ""
    assert zed["student_id"] == "" and zed["late"] == "on time"
    # alice: step 2 overridden to 15 (of 20), then 2 started days late at 10% a day
    assert alice["step2"] == "15" and alice["late"] == "2 days (20%)"
    assert alice["score"] == points((FULL[1] + 15) * 0.8) and alice["late_penalty"] == points((FULL[1] + 15) * 0.2)
    assert "step2: 15 (graded 20) graded by hand" in alice["overrides"]
    # bob: check 2.1 set to 0, on time
    assert bob["late"] == "on time" and float(bob["step2"]) < FULL[2] and bob["overrides"].startswith("2.1: 0")
    feedback = (out / "alice" / "feedback.md").read_text(encoding="utf-8")
    assert "late by 2 days (submitted 2026-11-22 10:00 UTC, due 2026-11-20 23:59 UTC)" in feedback
    assert "late penalty 20% of 25: -5 points" in feedback and "graded by hand" in feedback
    assert f"**Score: {alice['score']} / {alice['max_score']}**" in feedback
    html = (out / "alice" / "feedback.html").read_text(encoding="utf-8")
    assert "late by 2 days" in html and "graded by hand" in html and "<script" not in html

    # a regrade of bob alone, with no flags: the roster, the policy and the overrides are kept
    (sub / "bob" / "micrograd" / "numeric.py").write_text(
        (sub / "bob" / "micrograd" / "numeric.py").read_text() + "\n# fixed\n"
    )
    stamp(sub / "bob", "2026-11-19T10:00:00+00:00")
    again = grade([sub / "bob"], out, *STEPS)
    assert again.returncode == 0, again.stderr
    assert "using the roster kept in" in again.stderr and "override(s) kept in" in again.stderr
    regraded = rows(out)
    assert regraded["alice"] == alice and regraded["missing:s4"] == carol
    assert regraded["bob"]["overrides"].startswith("2.1: 0") and regraded["bob"]["step2"] == bob["step2"]
    assert regraded["bob"]["graded_at"] >= bob["graded_at"]
    # --resume changes nothing either
    resumed = grade([sub / "alice", sub / "bob", sub / "zed"], out, *STEPS, "--resume")
    assert resumed.returncode == 0 and resumed.stderr.count("(resumed)") == 3
    assert {k: {c: v for c, v in r.items()} for k, r in rows(out).items()} == regraded

    # the report: per-check failure rates, HTML and Markdown feedback, the roster's problems, the policy
    report = (out / "report.html").read_text(encoding="utf-8")
    assert '<a href="alice/feedback.html">html</a> <a href="alice/feedback.md">md</a>' in report
    assert "Which checks fail most" in report and "s4 (Carol)" in report and "10% per started day late" in report
    assert "No similarity ranking yet" in report


def test_a_changed_overrides_file_is_applied_to_everyone_on_the_next_batch(
    course: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    sub, _roster, overrides = course
    out = tmp_path / "out"
    done = grade([sub / "alice", sub / "bob"], out, *STEPS, "--overrides", overrides)
    assert done.returncode == 0, done.stderr
    # without the roster, s1 is no one: said loudly, applied to nobody
    assert "override s1 step2: no submission of that student" in done.stderr
    assert rows(out)["alice"]["step2"] == "20" and rows(out)["bob"]["overrides"].startswith("2.1: 0")
    overrides.write_text("student,target,points,comment\nalice,step2,15,first look\n")
    assert grade([sub / "alice"], out, *STEPS, "--overrides", overrides).returncode == 0
    assert rows(out)["alice"]["step2"] == "15"
    overrides.write_text("student,target,points,comment\nalice,step2,12,second look\n")
    done = grade([sub / "bob"], out, *STEPS, "--overrides", overrides)
    assert done.returncode == 0, done.stderr
    assert rows(out)["alice"]["step2"] == "12" and rows(out)["bob"]["overrides"] == ""
    assert "second look" in (out / "alice" / "feedback.md").read_text(encoding="utf-8")


def test_the_report_links_the_similarity_ranking_when_there_is_one(
    course: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    sub, _, _ = course
    out = tmp_path / "out"
    out.mkdir()
    (out / "similarity.csv").write_text("first,second,contained,similarity,runs_in_common\n")
    assert grade([sub / "bob"], out, *STEPS).returncode == 0
    assert '<a href="similarity.csv">the similarity ranking</a>' in (out / "report.html").read_text(encoding="utf-8")


def test_bad_course_files_are_refused_before_grading(course: tuple[Path, Path, Path], tmp_path: Path) -> None:
    sub, _roster, _ = course
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAlice,a@x\n")
    done = grade([sub / "bob"], tmp_path / "out", *STEPS, "--roster", bad)
    assert done.returncode == 2 and "has no column id" in done.stderr and "Nothing was graded" in done.stderr
    done = grade([sub / "bob"], tmp_path / "out", *STEPS, "--due", DUE, "--late-penalty", "lots")
    assert done.returncode == 2 and "10%/day" in done.stderr
    done = grade([sub / "bob"], tmp_path / "out", *STEPS, "--late-penalty", "10%/day")
    assert done.returncode == 2 and "needs --due" in done.stderr
    assert not (tmp_path / "out" / "gradebook.csv").exists()


# ---- The pieces -------------------------------------------------------------------------------------------


def _record(source: str, submitted: str = "", name: str = "", submission: str = "") -> Record:
    shown = name or Path(source).name
    return Record(submission or shown, source, "", 1, "v", True, "ok", name=shown, submitted_at=submitted)


def test_the_roster_matches_by_pattern_by_id_or_by_name_without_case_or_accents(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "ID, Name ,Email,Submission\nu1,José Díaz,j@x,\nu2,Ann,a@x,classA/ann*\nbob,,b@x,\n", encoding="utf-8"
    )
    roster = Roster.load(path)
    records = [
        _record("/x/classA/ann.zip", submission="ann-a"),
        _record("/x/classB/ann.zip", submission="ann-b"),  # not classA: the pattern says which ann
        _record("/x/jose diaz", name="Jose Diaz", submission="Jose_Diaz"),
        _record("/x/BOB"),
        _record("/x/eve"),
    ]
    found = match(roster, records)
    assert {k: (v.id if v else None) for k, v in found.student_of.items()} == {
        "ann-a": "u2",
        "ann-b": None,
        "Jose_Diaz": "u1",
        "BOB": "bob",
        "eve": None,
    }
    assert found.missing == []
    assert "2 submission(s) match no one on the roster: ann-b, eve" in found.problems()


def test_a_roster_with_one_id_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,name\nu1,A\nu1,B\n")
    with pytest.raises(CourseError, match="u1 more than once"):
        Roster.load(path)


def test_lateness_counts_started_days_or_hours_and_honours_extensions_and_caps() -> None:
    policy = LatePolicy.parse("2026-11-20T23:59:00Z", "10%/day max 25%")
    on_time = lateness(policy, _record("/x/a", "2026-11-20T23:59:00Z"), None)
    assert on_time is not None and not on_time.late and on_time.percent == 0
    minute = lateness(policy, _record("/x/a", "2026-11-21T00:00:00Z"), None)
    assert minute is not None and (minute.units, minute.percent) == (1, 10)
    week = lateness(policy, _record("/x/a", "2026-11-27T23:00:00Z"), None)
    assert week is not None and (week.units, week.percent) == (7, 25)  # capped
    extension = Student("u1", due="2026-11-30T00:00:00Z")
    extended = lateness(policy, _record("/x/a", "2026-11-27T23:00:00Z"), extension)
    assert extended is not None and not extended.late
    clocked = Student("u1", submitted_at="2026-11-19T00:00:00Z")  # the roster's time wins over the file's
    by_the_roster = lateness(policy, _record("/x/a", "2026-11-27T23:00:00Z"), clocked)
    assert by_the_roster is not None and not by_the_roster.late
    hourly = LatePolicy.parse("2026-11-20T23:59:00Z", "2%/hour")
    late = lateness(hourly, _record("/x/a", "2026-11-21T02:30:00Z"), None)
    assert late is not None and (late.units, late.percent) == (3, 6)
    assert lateness(hourly, _record("/x/a", ""), None) is None  # no time known: not charged


def test_overrides_name_steps_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("student,target,points,comment\na,3,20,x\na,step3,1/3,y\na,3.4,0,z\na,step3.op-backward,1,w\n")
    targets = [o.step_and_check() for o in load_overrides(path)]
    assert targets == [(3, None), (3, None), (3, 4), (3, "step3.op-backward")]
    assert load_overrides(path)[1].points == Fraction(1, 3)
    with pytest.raises(CourseError, match="neither a step"):
        Override("a", "the whole thing", Fraction(1), "").step_and_check()
