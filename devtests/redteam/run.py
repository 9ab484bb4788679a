"""Grade the red team (devtests/redteam/cases.toml) and prove the grader survived it.

Each case is graded beside its honest twin in the same batch, in every mode it names:
  sandbox     the command line with bubblewrap (--require-sandbox), when bubblewrap works here;
  plain       the command line without it (--no-sandbox), for the cases that cannot harm the machine;
  gradescope  run_autograder on a simulated /autograder tree, without bubblewrap (as in Gradescope's
              containers), each case and its twin in a tree of their own.
Cases are grouped in batches (cases.toml's [batch.NAME] tables say each batch's options); a batch
named `interrupted` is stopped with a real Ctrl-C (SIGINT to the grader's process group) once its
first submission is graded, then finished with --resume.

For every batch it proves:
  - the batch completes (exit 0, one gradebook row per submission, well-formed CSV);
  - each case gets exactly what its honest twin gets, step by step (or at most that, for lying
    values; or nothing, for rejected input), and its status says what happened;
  - nothing a submission sent reaches the instructor's terminal as a control character, the feedback
    as live Markdown or HTML, or the report as HTML; no student file shows the grading seed; no status
    is an internal grader error;
  - nothing outside the grader's own outputs changed (this repository, the Python runtimes'
    site-packages, $HOME, the top of /tmp, the output folder);
  - no process this run started survives its batch (found by markers unique to this run, so another
    red team or grader running on the machine at the same time is never mistaken for a leftover).

No verdict depends on the machine's speed: the checks have the manifest's budgets (seconds per check,
far more than the reference needs), except in the `hangs` batch, whose short budget only the hanging
checks reach.

    python -m devtests.redteam.run [CASE ...]     (make redteam, part of make check: every case)
"""

from __future__ import annotations

import bz2
import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader.packaging import build_gradescope
from grader.records import load_record
from grader.sandbox import build_harness, probe_bwrap
from grader.submissions import safe_names
from grader.zoo import reference_copy
from kata.catalogue import PUBLIC_SEED
from kata.harness.probes import PROBES
from kata.manifest import load
from kata.oracle.draw import cases as catalogue
from kata.oracle.reference import reference as load_reference
from kata.paths import PACKAGE, ROOT, SOLUTIONS

CASES = Path(__file__).with_name("cases.toml")
SEED = 7391502  # distinctive: no student-facing file may contain it
RUN = os.getpid()
SLEEP = str(3_600_000 + RUN)  # the hour-long sleeps of this run's cases, told apart from any other run's
BATCH_SECONDS = 1800  # a batch that takes longer has hung (on anything)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OUTPUT_FILES = {"gradebook.csv", "report.html", ".grader.lock"}


@dataclass
class Case:
    id: str
    covers: str
    raw: dict[str, Any]
    modes: list[str]
    batch: str = "main"
    path: Path | None = None
    equivalent: str = ""  # the folder name of the submission it is compared with
    problems: list[str] = field(default_factory=list)

    @property
    def built(self) -> Path:
        """The submission made for the case (build_all makes every chosen case's before grading)."""
        if self.path is None:
            raise SystemExit(f"red team: case {self.id} was never built")
        return self.path


def load_cases() -> tuple[list[Case], dict[str, dict[str, Any]]]:
    data = tomllib.loads(CASES.read_text(encoding="utf-8"))
    cases = [Case(raw["id"], raw["covers"], raw, list(raw["modes"]), raw.get("batch", "main")) for raw in data["case"]]
    batches = {"main": {}, **data.get("batch", {})}
    return cases, batches


# ---- Building submissions -----------------------------------------------------------------------------


def _substitute(text: str, folder: Path, case_id: str) -> str:
    return (
        text.replace("@SLEEP@", SLEEP)
        .replace("@ROOT@", str(ROOT))
        .replace("@REFERENCE@", str(SOLUTIONS / PACKAGE))
        .replace("@AUTOGRADER@", str(folder / "autograder"))
        .replace("@WITNESS@", str(folder / "witness"))
        .replace("@CASE@", case_id)
    )


def _edit(package: Path, edits: list[dict[str, str]], folder: Path, case_id: str) -> None:
    for edit in edits:
        path = package / edit["file"]
        text = path.read_text(encoding="utf-8")
        if text.count(edit["old"]) != 1:
            raise SystemExit(f"red team: {edit['old'][:40]!r} occurs {text.count(edit['old'])} times in {path.name}")
        path.write_text(text.replace(edit["old"], _substitute(edit["new"], folder, case_id)), encoding="utf-8")


def _base(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True)
    if base == "reference":
        reference_copy(folder, upto=99)
    elif base == "stubs":
        reference_copy(folder, upto=0)
    return folder


def _hard_coded_numeric() -> str:
    """numeric.py that answers the public tests' step-1 questions from a table, and nothing else."""
    reference = load_reference("redteam_reference")
    table = {}
    for case in catalogue(1, PUBLIC_SEED):
        observed = PROBES[case.key](reference, case.args)
        if "derivative" in observed:
            table[(case.args["x"], case.args.get("h", 1e-6))] = observed["derivative"]
        elif "gradient" in observed:
            table[tuple(case.args["xs"])] = observed["gradient"]
    return (
        f'"""Hard-coded answers to the public tests."""\n\nANSWERS = {table!r}\n\n\n'
        "def numerical_derivative(f, x, h=1e-6):\n    return ANSWERS.get((x, h), 0.0)\n\n\n"
        "def numerical_gradient(f, xs, h=1e-6):\n    return list(ANSWERS.get(tuple(xs), [0.0] * len(xs)))\n"
    )


def _scraped_numeric(feedback: str) -> str:
    """numeric.py that looks up, by their inputs, the expected values an earlier attempt's feedback showed."""
    table: dict[tuple[float, ...], float | list[float]] = {}
    for block in feedback.split("- **")[1:]:
        label = re.search(r"\[([^\]]*)\]", block)
        if not label:
            continue
        x, h = re.search(r"x = (-?[\d.]+)", label.group(1)), re.search(r"h = (-?[\d.]+)", label.group(1))
        derivative = re.search(r"derivative: expected (?:about )?(-?[\d.e+-]+)", block)
        if x and derivative:
            table[(float(x.group(1)), float(h.group(1)) if h else 1e-6)] = float(derivative.group(1))
        point = re.search(r"at \[([^\]]*)\]", label.group(1))
        grads = re.findall(r"gradient\[(\d+)\]: expected (-?[\d.e+-]+)", block)
        if point and grads:
            xs = tuple(float(v) for v in point.group(1).split(","))
            values = [0.0] * len(xs)
            for i, value in grads:
                values[int(i)] = float(value)
            table[xs] = values
    return (
        f'"""Answers scraped from the feedback of an earlier attempt."""\n\nANSWERS = {table!r}\n\n\n'
        "def numerical_derivative(f, x, h=1e-6):\n    return ANSWERS.get((x, h), 0.0)\n\n\n"
        "def numerical_gradient(f, xs, h=1e-6):\n    return list(ANSWERS.get(tuple(xs), [0.0] * len(xs)))\n"
    )


def _first_attempt_feedback(case: Case, folder: Path) -> str:
    """Grade the case's first attempt (base + scrape_first edits) and return its feedback."""
    first = _base(folder / "first-attempts" / case.id, case.raw["base"])
    _edit(first / PACKAGE, case.raw["scrape_first"], folder, case.id)
    out = folder / "first-attempts-out" / case.id
    done = grade([first], out, folder, "--no-sandbox")
    if done.returncode != 0:
        raise SystemExit(f"red team: the first attempt of {case.id} could not be graded:\n{done.stderr[-2000:]}")
    return (out / safe_names([first])[0] / "feedback.md").read_text(encoding="utf-8")


def notebook(package: Path, step: int | None) -> str:
    """A notebook of the course holding the package's modules as %%micrograd cells (step: its metadata)."""
    cells = [
        {"cell_type": "code", "metadata": {}, "source": f"%%micrograd {path.stem}\n" + path.read_text(encoding="utf-8")}
        for path in sorted(package.glob("*.py"))
        if path.name != "__init__.py"
    ]
    metadata = {"kata": {"step": step}} if step is not None else {}
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def _place(tree: Path, raw: dict[str, Any], folder: Path, name: str) -> Path:
    """The submission made of tree, laid out as the case says (folder, archive, notebook, plain file)."""
    submissions = folder / "submissions"
    if raw.get("plain_file"):
        target = submissions / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(raw["plain_file"])
        return target
    if "notebook" in raw:
        step = raw["notebook"]
        target = submissions / f"step{step}" / name
        target.mkdir(parents=True)
        book = target / f"step{step}.ipynb"
        link = raw.get("link")
        if link:
            classmate = folder / "classmates" / name / f"step{step}.ipynb"
            classmate.parent.mkdir(parents=True)
            classmate.write_text(notebook(tree / PACKAGE, step))
            os.symlink(classmate if link == "classmate" else link, book)
        else:
            book.write_text(notebook(tree / PACKAGE, step if raw.get("notebook_metadata", True) else None))
        return target
    if "archive" not in raw:
        target = submissions / name
        shutil.copytree(tree, target)
        return target
    suffix = ".zip" if raw["archive"] == "zip" else ".tar.gz"
    target = submissions / (name + suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    entries = raw.get("entry", [])
    if raw["archive"] == "zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, str(path.relative_to(tree)))
            for entry in entries:
                data = b"\0" * entry["zeros"] if "zeros" in entry else entry.get("text", "").encode()
                archive.writestr(zipfile.ZipInfo(_entry_name(entry)), data)
        return target
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in files:
            archive.add(path, str(path.relative_to(tree)))
        for entry in entries:
            info = tarfile.TarInfo(_entry_name(entry))
            if "link" in entry:
                info.type = tarfile.SYMTYPE
                info.linkname = _substitute(entry["link"], folder, "")
                archive.addfile(info)
            else:
                data = b"\0" * entry["zeros"] if "zeros" in entry else entry.get("text", "").encode()
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    compress = bz2.compress if raw.get("compression") == "bzip2" else _gzip
    target.write_bytes(compress(buffer.getvalue()))
    return target


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)


def _entry_name(entry: dict[str, Any]) -> str:
    nest: int = entry.get("nest", 0)
    name: str = entry["name"]
    return "d/" * nest + name


def build_case(case: Case, folder: Path) -> Path:
    raw = case.raw
    name = raw.get("name", case.id)
    tree = _base(folder / "trees" / case.id, raw["base"])
    if raw["base"] != "empty":
        package = tree / PACKAGE
        _edit(package, raw.get("edit", []), folder, case.id)
        if raw.get("hard_coded"):
            (package / "numeric.py").write_text(_hard_coded_numeric(), encoding="utf-8")
        if raw.get("scrape_first"):
            scraped = _scraped_numeric(_first_attempt_feedback(case, folder))
            if "ANSWERS = {}" in scraped:
                raise SystemExit(f"red team: {case.id} scraped nothing from the first attempt's feedback")
            (package / "numeric.py").write_text(scraped, encoding="utf-8")
    for added in raw.get("add", []):
        target = tree / added["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_substitute(added["text"], folder, case.id), encoding="utf-8")
    for omitted in raw.get("omit", []):
        (tree / omitted).unlink()
    return _place(tree, raw, folder, name)


def build_equivalent(case: Case, folder: Path) -> str:
    """The honest submission this case is compared with; returns its folder name under submissions/."""
    raw = case.raw
    deserves = raw.get("deserves")
    if raw.get("zero"):
        return ""
    layout = {k: raw[k] for k in ("notebook",) if k in raw}
    prefix = f"step{raw['notebook']}/" if "notebook" in raw else ""
    if deserves in ("reference", "stubs"):
        name = f"honest-{deserves}" + (f"-notebook{raw['notebook']}" if layout else "")
        if not (folder / "submissions" / prefix / name).exists():
            tree = _base(folder / "trees" / name, deserves)
            _place(tree, layout, folder, name)
        return prefix + name
    spec = raw.get("like") or raw.get("at_most")
    if spec is None:
        raise SystemExit(f"red team case {case.id}: say what it deserves")
    name = f"honest-{case.id}"
    tree = _base(folder / "trees" / name, "reference")
    _edit(tree / PACKAGE, spec["edits"], folder, case.id)
    _place(tree, layout, folder, name)
    return prefix + name


# ---- What must not change --------------------------------------------------------------------------------

SKIP = {".git", ".venv", "__pycache__", ".hypothesis", ".kata", ".ruff_cache", ".pytest_cache", "grades", "build"}


def snapshot() -> dict[str, tuple[object, ...]]:
    """Names, sizes and modification times of everything a submission must not touch."""
    seen: dict[str, tuple[object, ...]] = {}
    folders = [ROOT, Path(sysconfig.get_paths()["purelib"]), Path(sys.base_prefix) / "lib"]
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIP]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                seen[path] = (info.st_size, info.st_mtime_ns)
    for top in (Path.home(), Path("/tmp"), Path("/")):
        for entry in top.iterdir():
            if entry.name.startswith(("zz_redteam", "gradebook", "record.json", "results.json", "redteam-")):
                seen[str(entry)] = ("present",)
    return seen


def leftovers(folder: Path, kill: bool = False) -> list[str]:
    """Processes this run started that are still running: their command line names this run's folder (the
    grader's scratch, and so every child's harness, lives in it) or this run's sleep. kill: end them too
    (after a batch had to be killed, or at the very end: a red team leaves nothing behind either)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in command or SLEEP in command:
            found.append(f"pid {entry}: {command.strip()[:120]}")
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(int(entry), signal.SIGKILL)
    return found


# ---- Running the command line ------------------------------------------------------------------------------


def _env(folder: Path) -> dict[str, str]:
    # the grader's scratch (so every child's command line) lives in this run's folder
    return {**os.environ, "TMPDIR": str(folder / "tmp"), "PYTHONPATH": str(ROOT)}


def _arguments(submissions: list[Path], folder: Path) -> list[str]:
    """Paths as an instructor types them in the submissions folder: bare names, as the shell's * gives them."""
    here = folder / "submissions"
    return [p.name if p.parent == here else str(p) for p in submissions]


class _Batch(subprocess.Popen[str]):
    """A grader run whose stdin never ends; stdin_writer, the write end of that pipe, is closed by finish()."""

    stdin_writer: int


def start(submissions: list[Path], out: Path, folder: Path, *flags: str, separator: bool = True) -> _Batch:
    """`grader OPTIONS -- SUBMISSIONS` on a batch, run from the submissions folder (as `grader ... -- *`; one
    of its files is named like an option), with a stdin that never ends (a grader that reads it, e.g.
    through a link to /dev/stdin, hangs: that is a finding, not a wait)."""
    stdin_read, stdin_write = os.pipe()
    arguments = ["--out", str(out), "--seed", str(SEED), *flags, *(["--"] if separator else [])]
    arguments += _arguments(submissions, folder)
    process = _Batch(
        [sys.executable, "-m", "grader", "grade", *arguments],
        cwd=folder / "submissions",
        env=_env(folder),
        stdin=stdin_read,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    os.close(stdin_read)
    process.stdin_writer = stdin_write
    return process


def finish(process: _Batch, seconds: float = BATCH_SECONDS) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += f"\n[red team: the batch did not finish within {seconds:g} s and was killed]"
        process.returncode = -999
    finally:
        os.close(process.stdin_writer)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def grade(
    submissions: list[Path], out: Path, folder: Path, *flags: str, separator: bool = True
) -> subprocess.CompletedProcess[str]:
    return finish(start(submissions, out, folder, *flags, separator=separator))


def _scores(out: Path, name: str) -> dict[int, Fraction] | None:
    record = load_record(out / name / "record.json")
    return {s.number: s.score for s in record.steps} if record else None


def check_output_folder(out: Path, names: list[str]) -> list[str]:
    problems = []
    for path in out.iterdir():
        if path.name not in OUTPUT_FILES | set(names):
            problems.append(f"the output folder holds {path.name}, which the grader did not write")
    for name in names:
        files = {p.name for p in (out / name).iterdir()} if (out / name).is_dir() else set()
        if files != {"results.json", "feedback.md", "feedback.html", "record.json"}:
            problems.append(f"{name}/ holds {sorted(files)}")
    text = (out / "gradebook.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != len(names) + 1 or len(text.splitlines()) != len(names) + 1:
        problems.append(f"the gradebook has {len(rows) - 1} rows for {len(names)} submissions")
    for row in rows:
        if len(row) != len(rows[0]):
            problems.append(f"a gradebook row has {len(row)} cells: {row}")
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@") or "\n" in cell or "\r" in cell:
                problems.append(f"an unescaped gradebook cell: {cell!r}")
    return problems


def live_markup(text: str) -> list[str]:
    """Places in a feedback.md where text a submission sent is live: markup outside a code block around a
    PWNED marker, more than one score line, a raw control character."""
    found = []
    fence = ""
    scores = 0
    for line in text.splitlines():
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and set(stripped) == {"`"}:
                fence = ""
        elif opening := re.match(r"`{3,}", stripped):
            fence = opening.group()
        else:
            scores += stripped.startswith("**Score")
            bare = re.sub(r"\\.", "", line)  # a backslash-escaped character is text
            if "PWNED" in line and re.search(r"\*\*Score|<[A-Za-z/!]|\]\(|^\s*#|\*\*PWNED", bare):
                found.append(f"live markup in feedback.md: {line.strip()[:100]!r}")
        if CONTROL.search(line):
            found.append(f"a control character in feedback.md: {line.strip()[:100]!r}")
    if scores != 1:
        found.append(f"feedback.md has {scores} score lines")
    return found


def check_inert(out: Path, names: list[str], done: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """What a submission sent is inert everywhere it appears, and no student file shows the seed:
    (the submission's name, or "" for the batch as a whole, and what is wrong)."""
    problems = []
    for stream, text in (("stdout", done.stdout), ("stderr", done.stderr)):
        found = CONTROL.search(text)  # tabs and newlines are fine
        if found:
            before = text[max(0, found.start() - 40) : found.end()]
            problems.append(("", f"the grader's {stream} holds a control character: ...{before!r}"))
    report = (out / "report.html").read_text(encoding="utf-8") if (out / "report.html").exists() else ""
    if re.search(r"<img", report):
        problems.append(("", "report.html holds live HTML from a submission"))
    for name in names:
        for file in ("feedback.md", "feedback.html", "results.json"):
            path = out / name / file
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            if str(SEED) in text:
                problems.append((name, f"{file} shows the grading seed to the student"))
            if file == "feedback.md" and text:
                problems += [(name, p) for p in live_markup(text)]
            if file == "feedback.html" and re.search(r"<(img|script|iframe|a |svg|object|embed)", text, re.I):
                problems.append((name, "feedback.html holds live HTML from a submission"))
    return problems


def judge(
    case: Case, scores: dict[int, Fraction] | None, honest: dict[int, Fraction] | None, status: str, mode: str
) -> None:
    found = []
    if scores is None:
        found.append("has no complete record")
    elif case.raw.get("zero"):
        if any(scores.values()):
            found.append(f"scored {dict(scores)}, deserves nothing")
    elif honest is None:
        found.append("its honest twin has no complete record")
    elif case.raw.get("at_most"):
        if any(scores[n] > honest.get(n, 0) for n in scores):
            found.append(f"scored more than its honest equivalent: {_show(scores)} vs {_show(honest)}")
        if scores == {s.number: Fraction(s.points) for s in load().steps}:
            found.append("got full marks by lying")
    elif scores != honest:
        found.append(f"scored {_show(scores)}, its honest equivalent {_show(honest)}")
    if case.raw.get("status") and case.raw["status"] not in status:
        found.append(f"status {status!r} does not say {case.raw['status']!r}")
    if "internal grader error" in status:
        found.append(f"status {status!r}")
    case.problems += [f"[{mode}] {p}" for p in found]


def run_batch(mode: str, batch: str, options: dict[str, Any], chosen: list[Case], folder: Path) -> list[str]:
    flag = "--require-sandbox" if mode == "sandbox" else "--no-sandbox"
    flags = [flag, *options.get("flags", [])]
    submissions = [c.built for c in chosen] + sorted(
        {folder / "submissions" / c.equivalent for c in chosen if c.equivalent}
    )
    names = safe_names(submissions, {"gradebook.csv", "report.html"})
    name_of = dict(zip(map(str, submissions), names))
    out = folder / f"out-{mode}-{batch}"
    label = f"[{mode}, {batch}]"
    problems: list[str] = []
    before = snapshot()
    if options.get("interrupt"):  # these batches exist for their cases: what goes wrong is theirs
        for case in chosen:
            case.problems += _interrupt(submissions, out, folder, flags, label)
        flags += ["--resume", *options.get("resume_flags", [])]
    if options.get("option_like_files"):
        for case in chosen:
            case.problems += _refuses_option_like_files(submissions, out, folder, flags, label)
    done = grade(submissions, out, folder, *flags)
    if done.returncode != 0:
        leftovers(folder, kill=True)
        for case in chosen:
            case.problems.append(f"[{mode}, {batch}] its batch did not complete (exit {done.returncode})")
        return [*problems, f"{label} the batch did not complete (exit {done.returncode}):\n{done.stderr[-3000:]}"]
    problems += [f"{label} {p}" for p in check_output_folder(out, names)]
    case_of = {name_of[str(c.path)]: c for c in chosen}
    for name, problem in check_inert(out, names, done):
        if name in case_of:
            case_of[name].problems.append(f"{label} {problem}")
        else:
            problems.append(f"{label} {name + ': ' if name else ''}{problem}")
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    problems += [f"{label} a submission changed {path}" for path in changed[:10]]
    problems += [f"{label} still running after the batch: {p}" for p in leftovers(folder, kill=True)]
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    for case in chosen:
        name = name_of[str(case.path)]
        honest = _scores(out, name_of[str(folder / "submissions" / case.equivalent)]) if case.equivalent else None
        judge(case, _scores(out, name), honest, rows.get(name, {}).get("status", ""), f"{mode}, {batch}")
    if "hard-coded-public-answers" in {c.id for c in chosen}:
        from kata.runner import run_step

        case = next(c for c in chosen if c.id == "hard-coded-public-answers")
        public = run_step(load().step(1), impl=str(case.path), capture=True, env={"KATA_HYPOTHESIS": "grade"})
        if public.passed == 0:
            case.problems.append(f"[{mode}] the hard-coded answers pass no public check: not a real trick")
    return problems


def _refuses_option_like_files(
    submissions: list[Path], out: Path, folder: Path, flags: list[str], label: str
) -> list[str]:
    """`grader *` (no `--`) where a file is named like an option: nothing may act as that option, so the
    grader must refuse, say why and how to go on, and write nothing."""
    done = grade(submissions, out, folder, *flags, separator=False)
    problems = []
    if done.returncode != 2 or "looks like an option but names a file" not in done.stderr:
        problems.append(f"not refused with a reason (exit {done.returncode}): {done.stderr[-600:]}")
    if (out / "gradebook.csv").exists():
        problems.append("wrote a gradebook")
    return [f"{label} option-like file: {p}" for p in problems]


def _interrupt(submissions: list[Path], out: Path, folder: Path, flags: list[str], label: str) -> list[str]:
    """Start the batch, press Ctrl-C (SIGINT to the grader's process group, as a terminal does) once a
    submission is graded, and prove the grader stopped promptly and cleanly, keeping what it finished."""
    process = start(submissions, out, folder, *flags)
    deadline = time.monotonic() + BATCH_SECONDS
    while not list(out.glob("*/record.json")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    kept = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json")}
    if process.poll() is not None:
        done = finish(process)
        return [
            f"{label} Ctrl-C: the batch ended (exit {done.returncode}) before any submission was graded:\n"
            f"{done.stderr[-2000:]}"
        ]
    os.killpg(process.pid, signal.SIGINT)
    done = finish(process, seconds=60)
    problems = []
    if done.returncode == -999:
        problems.append("did not stop within 60 s of Ctrl-C")
    elif done.returncode == 0:
        problems.append("exit status 0 after Ctrl-C")
    if "Traceback" in done.stderr:
        problems.append("printed a traceback on Ctrl-C")
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    if not last.startswith("interrupted:"):
        problems.append(f"its last line is not one clear line about the interruption: {last[:200]!r}")
    if not (out / "gradebook.csv").exists():
        problems.append("wrote no gradebook of what finished")
    lost = [name for name in kept if not (out / name / "record.json").exists()]
    if lost:
        problems.append(f"lost the records of {lost}")
    problems += [f"still running after Ctrl-C: {p}" for p in leftovers(folder, kill=True)]
    return [f"{label} Ctrl-C: {p}" for p in problems]


# ---- Gradescope, without bubblewrap ---------------------------------------------------------------------


def gradescope(case: Case, submission: Path, zip_path: Path, folder: Path) -> tuple[dict[int, Fraction] | None, str]:
    """Run run_autograder on a fresh simulated /autograder holding submission: (scores by step, status)."""
    root = folder / "autograder"
    shutil.rmtree(root, ignore_errors=True)
    (root / "source").mkdir(parents=True)
    os.chmod(root, 0o755)
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable, "AUTOGRADER_NO_BWRAP": "1"}
    if case.raw.get("python") == "missing":
        env["PYTHON"] = "/nonexistent/python3.11"
    elif case.raw.get("python") == "private":
        private = folder / "private-python" / "bin"
        private.mkdir(parents=True, exist_ok=True)
        os.chmod(private.parent, 0o700)
        python = private / "python3"
        if not python.exists():
            shutil.copy2(os.path.realpath(sys.executable), python)
        env["KATA_CHILD_PYTHON"] = str(python)
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=900
    )
    try:
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"no results.json (exit {done.returncode}): {done.stderr[-500:]}"
    scores: dict[int, Fraction] = {s.number: Fraction(0) for s in load().steps}
    for test in results.get("tests", []):
        step = int(test["number"].split(".")[0])
        scores[step] += Fraction(str(test["score"]))
    extra = results.get("extra_data", {})
    status = "misconfigured" if extra.get("misconfigured") else str(extra.get("status", "failed"))
    if str(SEED) in json.dumps(results):
        case.problems.append(f"[gradescope] {submission.name}'s results.json shows the grading seed")
    return {n: round(s, 3) for n, s in scores.items()}, status


def run_gradescope(chosen: list[Case], folder: Path) -> list[str]:
    zip_path = build_gradescope(folder / "gradescope-build", seed=SEED, timeout=None)
    for case in chosen:
        scores, status = gradescope(case, case.built, zip_path, folder)
        honest = None
        if case.equivalent:
            honest, _ = gradescope(case, folder / "submissions" / case.equivalent, zip_path, folder)
        judge(case, scores, honest, status, "gradescope")
        if case.raw.get("python") == "private" and list((folder / "witness").glob(f"{case.id}-*")):
            case.problems.append("[gradescope] student code ran although the autograder refused to grade")
    ran_as_root = sorted(p.name for p in (folder / "witness").glob("*-uid-0"))
    return [f"[gradescope] student code ran as root: {ran_as_root}"] if ran_as_root else []


# ---- The whole red team -----------------------------------------------------------------------------------


def _show(scores: dict[int, Fraction] | None) -> str:
    return "{" + ", ".join(f"{n}: {float(s):g}" for n, s in sorted((scores or {}).items())) + "}"


def main(argv: list[str] | None = None) -> int:
    cases, batches = load_cases()
    only = set(sys.argv[1:] if argv is None else argv)  # case ids: run just these (and their twins)
    unknown = only - {c.id for c in cases}
    if unknown:
        raise SystemExit(f"red team: no case {', '.join(sorted(unknown))}")
    cases = [c for c in cases if not only or c.id in only]
    root = os.geteuid() == 0
    with tempfile.TemporaryDirectory(prefix="kata-redteam-") as scratch:
        folder = Path(scratch)
        os.chmod(folder, 0o755)
        (folder / "tmp").mkdir(mode=0o755)
        (folder / "witness").mkdir()
        os.chmod(folder / "witness", 0o1777)
        for case in cases:
            case.path = build_case(case, folder)
            case.equivalent = build_equivalent(case, folder)
        sandboxed = probe_bwrap(build_harness(folder / "probe"))[0] is not None
        problems: list[str] = []
        handled: dict[str, tuple[int, int]] = {}
        skipped: list[str] = []
        took: dict[str, float] = {}
        for mode in ("sandbox", "plain", "gradescope"):
            chosen = [c for c in cases if mode in c.modes]
            if mode != "sandbox" and not root:
                skipped += [f"{c.id} ({mode})" for c in chosen if c.raw.get("needs_root") or mode == "gradescope"]
                chosen = [c for c in chosen if not c.raw.get("needs_root") and mode != "gradescope"]
            if mode == "sandbox" and not sandboxed:
                print("red team: bubblewrap does not work here, so the sandboxed cases are NOT run", file=sys.stderr)
                if os.environ.get("CI"):
                    problems.append("CI must run the red team sandboxed: install bubblewrap")
                continue
            before = {c.id: len(c.problems) for c in chosen}
            if mode == "gradescope" and chosen:
                started = time.monotonic()
                problems += run_gradescope(chosen, folder)
                took["gradescope"] = time.monotonic() - started
            elif mode != "gradescope":
                for batch, options in batches.items():
                    members = [c for c in chosen if c.batch == batch]
                    if members:
                        started = time.monotonic()
                        problems += run_batch(mode, batch, options, members, folder)
                        took[f"{mode}/{batch}"] = time.monotonic() - started
            if chosen:
                handled[mode] = (sum(1 for c in chosen if len(c.problems) == before[c.id]), len(chosen))
        problems += [f"still running at the end: {p}" for p in leftovers(folder, kill=True)]
    print(f"red team: {len(cases)} cases")
    labels = {"sandbox": "sandboxed", "plain": "unsandboxed", "gradescope": "gradescope"}
    for mode, (ok, total) in handled.items():
        print(f"  handled {labels[mode] + ':':<13} {ok}/{total}")
    if skipped:
        print(f"  not run (they need a root grader): {', '.join(skipped)}")
    print("  seconds: " + ", ".join(f"{name} {seconds:.0f}" for name, seconds in took.items()))
    for case in cases:
        for problem in case.problems:
            print(f"  NOT HANDLED {case.id} ({case.covers}): {problem}", file=sys.stderr)
    for problem in problems:
        print(f"  BATCH PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems or any(c.problems for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
