"""The course around the grades: a roster, a late policy and manual overrides, applied after grading.

    --roster roster.csv        id,name,email,submission[,due][,submitted_at]: who the students are
    --due 2026-12-01T23:59     the due date (ISO 8601; without a time zone: this machine's local time)
    --late-penalty "10%/day"   per started day (or hour) late, of the score; "10%/day max 50%" caps it
    --overrides overrides.csv  student,target,points,comment: points set by hand, after grading

The records hold what the grader decided; these settings decide what the gradebook and the feedback
make of it. Given once, each is kept in the output folder (course.json, and copies of the two CSV
files), so a regrade of some students (--resume, or a merge into the class) applies the same roster,
policy and overrides to everyone. Giving one again replaces it.

Roster: `id` is required; `submission` is a path or a glob pattern matched against the end of each
submission's path, component by component (`submissions/alice*` matches .../submissions/alice.zip);
without one, a submission matches the student whose id or name is its name (case and accents
aside). A student with no submission, a submission with no student, and a submission two students
claim are listed loudly. `due` gives one student another due date (an extension); `submitted_at`
gives the time the late policy uses instead of the submission's file time.

Overrides: `student` is a submission id, a student's name or a roster id; `target` is a step (`3`,
`step3`), a check (`3.4` or its key `step3.op-backward`); `points` is what that step or check is worth
for that student from now on (replacing the grader's figure); `comment` is shown in the feedback.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path, PurePath

from grader.records import Record, write_atomic

SETTINGS = "course.json"
ROSTER = "roster.csv"
OVERRIDES = "overrides.csv"
KEPT = (SETTINGS, ROSTER, OVERRIDES)  # the files of the output folder that keep the settings
PENALTY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*(?:/|per)\s*(day|hour)\s*(?:max\s*(\d+(?:\.\d+)?)\s*%)?\s*", re.I)


class CourseError(ValueError):
    """A roster, policy or overrides file that cannot be used; the message says what to fix."""


def _key(text: str) -> str:
    """A name compared without case or accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold().strip()


def parse_time(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CourseError(f"{what}: {text!r} is not a date and time (write 2026-12-01T23:59, or with +01:00)") from None
    return moment.astimezone() if moment.tzinfo is None else moment


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"cannot read the {what} {path}: {error}") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    missing = [r for r in required if r not in fields]
    if missing:
        raise CourseError(
            f"the {what} {path} has no column {', '.join(missing)} (its first line must name the columns: "
            f"{', '.join(required)}, ...)"
        )
    rows = []
    for row in reader:
        cleaned = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        if any(cleaned.values()):
            rows.append(cleaned)
    return rows


# ---- The roster -------------------------------------------------------------------------------------------


@dataclass
class Student:
    id: str
    name: str = ""
    email: str = ""
    submission: str = ""  # a path or a glob pattern, matched against the end of a submission's path
    due: str = ""  # an extension: this student's own due date
    submitted_at: str = ""  # the time the late policy uses instead of the file time

    def matches(self, record: Record) -> bool:
        if self.submission:
            pattern = PurePath(self.submission.rstrip("/")).parts
            pattern = tuple(p for p in pattern if p not in (".", "/"))
            parts = PurePath(record.source).parts
            by_path = 0 < len(pattern) <= len(parts) and all(
                fnmatch.fnmatchcase(part, want) for part, want in zip(parts[-len(pattern) :], pattern)
            )
            return by_path or (len(pattern) == 1 and fnmatch.fnmatchcase(record.submission, pattern[0]))
        names = {_key(record.display), _key(record.submission)}
        return bool(({_key(self.id), _key(self.name)} - {""}) & names)


@dataclass
class Roster:
    students: list[Student]

    @classmethod
    def load(cls, path: Path) -> Roster:
        rows = _read_csv(path, ("id",), "roster")
        students = []
        for row in rows:
            if not row.get("id"):
                raise CourseError(f"the roster {path} has a row without an id: {row}")
            student = Student(
                row["id"],
                row.get("name", ""),
                row.get("email", ""),
                row.get("submission", ""),
                row.get("due", ""),
                row.get("submitted_at", ""),
            )
            for value, what in ((student.due, "due"), (student.submitted_at, "submitted_at")):
                if value:
                    parse_time(value, f"the roster's {what} of {student.id}")
            students.append(student)
        ids = [s.id for s in students]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise CourseError(f"the roster {path} lists the id {', '.join(twice)} more than once")
        return cls(students)


@dataclass
class Matching:
    """Who handed in what: each submission's student (None: an extra), the students with none, the ambiguous."""

    student_of: dict[str, Student | None]
    missing: list[Student]
    claimed_twice: dict[str, list[Student]]  # a submission two roster rows match
    several: dict[str, list[str]]  # a student matched by more than one submission

    def problems(self) -> list[str]:
        lines = []
        if self.missing:
            shown = ", ".join(f"{s.id}" + (f" ({s.name})" if s.name else "") for s in self.missing)
            lines.append(f"{len(self.missing)} student(s) on the roster have no submission: {shown}")
        extra = sorted(n for n, s in self.student_of.items() if s is None)
        if extra:
            lines.append(f"{len(extra)} submission(s) match no one on the roster: {', '.join(extra)}")
        for name, students in sorted(self.claimed_twice.items()):
            ids = ", ".join(s.id for s in students)
            lines.append(f"submission {name} matches {len(students)} roster rows ({ids}): given to {students[0].id}")
        for student, names in sorted(self.several.items()):
            lines.append(f"student {student} matches {len(names)} submissions: {', '.join(names)}")
        return lines


def match(roster: Roster, records: list[Record]) -> Matching:
    student_of: dict[str, Student | None] = {}
    claimed: dict[str, list[Student]] = {}
    for record in records:
        found = [s for s in roster.students if s.matches(record)]
        student_of[record.submission] = found[0] if found else None
        if len(found) > 1:
            claimed[record.submission] = found
    by_student: dict[str, list[str]] = {}
    for name, student in student_of.items():
        if student is not None:
            by_student.setdefault(student.id, []).append(name)
    missing = [s for s in roster.students if s.id not in by_student]
    several = {i: sorted(n) for i, n in by_student.items() if len(n) > 1}
    return Matching(student_of, missing, claimed, several)


# ---- The late policy --------------------------------------------------------------------------------------


@dataclass
class LatePolicy:
    due: str  # ISO 8601, as given
    percent: float = 0.0  # of the score, per started unit late
    unit: str = "day"
    cap: float = 100.0

    @classmethod
    def parse(cls, due: str, penalty: str | None) -> LatePolicy:
        parse_time(due, "--due")
        if not penalty:
            return cls(due)
        found = PENALTY.fullmatch(penalty)
        if not found:
            raise CourseError(
                f"--late-penalty {penalty!r}: write a percentage per day or per hour, e.g. 10%/day, 2%/hour, "
                "or 10%/day max 50%"
            )
        cap = float(found.group(3)) if found.group(3) else 100.0
        return cls(due, float(found.group(1)), found.group(2).lower(), min(cap, 100.0))

    def describe(self) -> str:
        rule = f"{self.percent:g}% per started {self.unit} late" if self.percent else "no penalty (late is reported)"
        return f"due {self.due}; {rule}" + (f", at most {self.cap:g}%" if self.percent and self.cap < 100 else "")


@dataclass
class Late:
    submitted: datetime
    due: datetime
    units: int  # started days (or hours) late
    percent: float

    @property
    def late(self) -> bool:
        return self.submitted > self.due

    def describe(self, unit: str) -> str:
        when = self.submitted.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if not self.late:
            return f"on time (submitted {when})"
        amount = f"{self.units} {unit}{'s' if self.units != 1 else ''}"
        return f"late by {amount} (submitted {when}, due {self.due.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')})"


def lateness(policy: LatePolicy, record: Record, student: Student | None) -> Late | None:
    """How late a submission is, by the roster's submitted_at or else its file time, against the student's
    own due date or else the policy's; None when its time is unknown."""
    due = parse_time(student.due if student and student.due else policy.due, "due")
    if student and student.submitted_at:
        submitted = parse_time(student.submitted_at, "submitted_at")
    elif record.submitted_at:
        submitted = parse_time(record.submitted_at, "submitted_at")
    else:
        return None
    if submitted <= due:
        return Late(submitted, due, 0, 0.0)
    unit = timedelta(days=1) if policy.unit == "day" else timedelta(hours=1)
    units = math.ceil((submitted - due) / unit)
    return Late(submitted, due, units, min(policy.percent * units, policy.cap))


# ---- Overrides --------------------------------------------------------------------------------------------


@dataclass
class Override:
    student: str
    target: str
    points: Fraction
    comment: str

    def step_and_check(self) -> tuple[int, int | str | None]:
        """(step, check number or check key or None for the whole step)."""
        text = self.target.strip().lower()
        if found := re.fullmatch(r"(?:step)?\s*(\d+)", text):
            return int(found.group(1)), None
        if found := re.fullmatch(r"(?:step)?\s*(\d+)\.(\d+)", text):
            return int(found.group(1)), int(found.group(2))
        if found := re.fullmatch(r"step(\d+)\.[a-z0-9_.-]+", text):
            return int(found.group(1)), text
        raise CourseError(
            f"override of {self.student}: target {self.target!r} is neither a step (3, step3) nor a check "
            "(3.4, step3.op-backward)"
        )


def load_overrides(path: Path) -> list[Override]:
    overrides = []
    for row in _read_csv(path, ("student", "target", "points"), "overrides file"):
        try:
            points = Fraction(row["points"])
        except (ValueError, ZeroDivisionError):
            raise CourseError(f"the overrides file {path}: points {row['points']!r} is not a number") from None
        override = Override(row["student"], row["target"], points, row.get("comment", ""))
        override.step_and_check()  # refuse a target that names nothing, before grading
        overrides.append(override)
    return overrides


# ---- The settings of an output folder ----------------------------------------------------------------------


@dataclass
class Course:
    roster: Roster | None = None
    late: LatePolicy | None = None
    overrides: list[Override] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # what was given, for the report: roster, overrides

    @property
    def empty(self) -> bool:
        return self.roster is None and self.late is None and not self.overrides


def settle(
    out: Path, roster: Path | None, due: str | None, penalty: str | None, overrides: Path | None
) -> tuple[Course, list[str]]:
    """The course settings of the output folder: those given now replace those kept from earlier batches.
    Returns them and what was kept, for a message. Nothing is written (see keep)."""
    kept = _kept(out)
    course = Course()
    notes = []
    roster_file = roster or (out / ROSTER if (out / ROSTER).is_file() else None)
    if roster_file is not None:
        course.roster = Roster.load(roster_file)
        course.sources["roster"] = str(roster or kept.get("roster", roster_file))
        if roster is None:
            notes.append(f"the roster kept in {out / ROSTER} (from {course.sources['roster']})")
    if penalty and not due and "due" not in kept:
        raise CourseError("--late-penalty needs --due (the due date it counts from)")
    if due:
        course.late = LatePolicy.parse(due, penalty or kept.get("late_penalty"))
    elif "due" in kept:
        course.late = LatePolicy.parse(kept["due"], penalty or kept.get("late_penalty"))
        notes.append(f"the late policy kept in {out / SETTINGS} ({course.late.describe()})")
    overrides_file = overrides or (out / OVERRIDES if (out / OVERRIDES).is_file() else None)
    if overrides_file is not None:
        course.overrides = load_overrides(overrides_file)
        course.sources["overrides"] = str(overrides or kept.get("overrides", overrides_file))
        if overrides is None:
            notes.append(f"the {len(course.overrides)} override(s) kept in {out / OVERRIDES}")
    if course.late is not None:
        course.sources["due"] = course.late.due
        course.sources["late_penalty"] = penalty or kept.get("late_penalty", "")
    return course, notes


def _kept(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def keep(out: Path, course: Course, roster: Path | None, overrides: Path | None) -> None:
    """Keep the settings in the output folder, for the next batch (a regrade, --resume)."""
    if roster is not None:
        write_atomic(out / ROSTER, roster.read_text(encoding="utf-8-sig"))
    if overrides is not None:
        write_atomic(out / OVERRIDES, overrides.read_text(encoding="utf-8-sig"))
    if course.sources:
        write_atomic(out / SETTINGS, json.dumps(course.sources, indent=1) + "\n")


# ---- Applying them -----------------------------------------------------------------------------------------


@dataclass
class Adjusted:
    """A record as the course counts it: its steps' points after overrides, then the late penalty."""

    record: Record
    student: Student | None
    steps: dict[int, Fraction]  # step -> points after overrides
    overrides: list[tuple[Override, Fraction]]  # each applied override, with the points it replaced
    late: Late | None
    penalty: Fraction  # points taken for lateness
    unit: str = "day"
    unknown: list[Override] = field(default_factory=list)  # overrides naming a check this record does not have

    @property
    def graded(self) -> Fraction:
        return sum(self.steps.values(), Fraction(0))

    @property
    def score(self) -> Fraction:
        return self.graded - self.penalty

    def step_score(self, number: int) -> Fraction:
        return self.steps.get(number, Fraction(0))


def _override_applies(override: Override, record: Record, student: Student | None) -> bool:
    who = _key(override.student)
    names = {_key(record.submission), _key(record.display)}
    if student is not None:
        names |= {_key(student.id), _key(student.name)} - {""}
    return who in names


def adjust(record: Record, course: Course, student: Student | None = None) -> Adjusted:
    checks = {(s.number, v.number): v.score for s in record.steps for v in s.verdicts}
    keys = {(s.number, v.key.lower()): v.number for s in record.steps for v in s.verdicts}
    whole: dict[int, Fraction] = {}
    applied: list[tuple[Override, Fraction]] = []
    unknown: list[Override] = []
    for override in course.overrides:
        if not _override_applies(override, record, student):
            continue
        step, check = override.step_and_check()
        if isinstance(check, str):
            number = keys.get((step, check))
            check = number if number is not None else -1
        if check is None:
            if not any(s.number == step for s in record.steps):
                unknown.append(override)
                continue
            before = whole.get(step, record.step_score(step))
            whole[step] = override.points
        elif (step, check) in checks:
            before = checks[(step, check)]
            checks[(step, check)] = override.points
        else:
            unknown.append(override)
            continue
        applied.append((override, before))
    steps = {}
    for outcome in record.steps:
        total = sum((v for (n, _), v in checks.items() if n == outcome.number), Fraction(0))
        steps[outcome.number] = whole.get(outcome.number, total)
    late = lateness(course.late, record, student) if course.late is not None else None
    graded = sum(steps.values(), Fraction(0))
    penalty = Fraction(0)
    if late is not None and late.late:
        penalty = graded * Fraction(late.percent).limit_denominator(10**6) / 100
    unit = course.late.unit if course.late else "day"
    return Adjusted(record, student, steps, applied, late, penalty, unit, unknown)
