"""Grade the red team (devtests/redteam/cases.toml) and prove the grader survived it.

For every mode (sandboxed when bubblewrap works, and unsandboxed for the cases marked safe):
  - the batch completes (exit 0, one gradebook row per submission, well-formed CSV);
  - each case gets exactly what its honest equivalent gets, step by step (or at most that, for
    lying values; or nothing, for rejected input), and its status says what happened;
  - nothing outside the grader's own outputs changed: this repository, the Python runtimes'
    site-packages, $HOME, the top of /tmp, and the output folder (only the grader's files);
  - no process the submissions started survives the batch.
With the sandbox, `finds-the-reference` proves the reference is out of reach.

    python -m devtests.redteam.run      (make redteam; part of make check)
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

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
MARKERS = ("3607", "/harness/kata/harness/child.py", "grader-")  # in the command lines of anything left running
TIMEOUT = "3"


@dataclass
class Case:
    id: str
    covers: str
    raw: dict
    modes: list[str]
    path: Path | None = None
    equivalent: str = ""  # name of the submission it is compared with
    problems: list[str] = field(default_factory=list)


def load_cases() -> list[Case]:
    data = tomllib.loads(CASES.read_text(encoding="utf-8"))
    return [Case(raw["id"], raw["covers"], raw, list(raw["modes"])) for raw in data["case"]]


# ---- Building submissions -----------------------------------------------------------------------------


def _edit(package: Path, edits: list[dict]) -> None:
    for edit in edits:
        path = package / edit["file"]
        text = path.read_text(encoding="utf-8")
        if text.count(edit["old"]) != 1:
            raise SystemExit(f"red team: {edit['old'][:40]!r} occurs {text.count(edit['old'])} times in {path.name}")
        path.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")


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
    table: dict = {}
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
    _edit(first / PACKAGE, case.raw["scrape_first"])
    out = folder / "first-attempts-out" / case.id
    done = grade([first], out, "--no-sandbox")
    if done.returncode != 0:
        raise SystemExit(f"red team: the first attempt of {case.id} could not be graded:\n{done.stderr[-2000:]}")
    return (out / safe_names([first])[0] / "feedback.md").read_text(encoding="utf-8")


def build_case(case: Case, folder: Path) -> Path:
    raw = case.raw
    name = raw.get("name", case.id)
    tree = _base(folder / "trees" / case.id, raw["base"])
    if raw["base"] != "empty":
        package = tree / PACKAGE
        _edit(package, raw.get("edit", []))
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
        target.write_text(added["text"], encoding="utf-8")
    for omitted in raw.get("omit", []):
        (tree / omitted).unlink()
    if "archive" not in raw:
        target = folder / "submissions" / name
        shutil.copytree(tree, target)
        return target
    suffix = ".zip" if raw["archive"] == "zip" else ".tar.gz"
    target = folder / "submissions" / (name + suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    entries = raw.get("entry", [])
    if raw["archive"] == "zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, str(path.relative_to(tree)))
            for entry in entries:
                data = b"\0" * entry["zeros"] if "zeros" in entry else entry.get("text", "").encode()
                archive.writestr(zipfile.ZipInfo(entry["name"]), data)
    else:
        with tarfile.open(target, "w:gz") as archive:
            for path in files:
                archive.add(path, str(path.relative_to(tree)))
            for entry in entries:
                info = tarfile.TarInfo(entry["name"])
                if "link" in entry:
                    info.type = tarfile.SYMTYPE
                    info.linkname = entry["link"].replace("@REFERENCE@", str(SOLUTIONS / PACKAGE))
                    archive.addfile(info)
                else:
                    data = entry.get("text", "").encode()
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return target


def build_equivalent(case: Case, folder: Path) -> str:
    """The honest submission this case is compared with; returns its submission name."""
    raw = case.raw
    deserves = raw.get("deserves")
    if raw.get("zero"):
        return ""
    if deserves in ("reference", "stubs"):
        name = f"honest-{deserves}"
        if not (folder / "submissions" / name).exists():
            _base(folder / "submissions" / name, deserves)
        return name
    spec = raw.get("like") or raw.get("at_most")
    if spec is None:
        raise SystemExit(f"red team case {case.id}: say what it deserves")
    name = f"honest-{case.id}"
    tree = _base(folder / "submissions" / name, "reference")
    _edit(tree / PACKAGE, spec["edits"])
    return name


# ---- What must not change --------------------------------------------------------------------------------

SKIP = {".git", ".venv", "__pycache__", ".hypothesis", ".kata", ".ruff_cache", "grades"}


def snapshot() -> dict[str, tuple]:
    """Names, sizes and modification times of everything a submission must not touch."""
    seen: dict[str, tuple] = {}
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
        for path in top.iterdir():
            if path.name.startswith(("zz_redteam", "gradebook", "record.json", "results.json", "redteam-")):
                seen[str(path)] = ("present",)
    return seen


def leftovers() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in command for marker in MARKERS) and "redteam" not in command and "pytest" not in command:
            found.append(f"pid {entry}: {command.strip()[:120]}")
    return found


# ---- Running and judging -------------------------------------------------------------------------------


def grade(submissions: list[Path], out: Path, flag: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *map(str, submissions), "--out", str(out), "--timeout", TIMEOUT, flag, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _scores(out: Path, name: str) -> dict[int, Fraction] | None:
    record = load_record(out / name / "record.json")
    return {s.number: s.score for s in record.steps} if record else None


def check_output_folder(out: Path, names: list[str]) -> list[str]:
    problems = []
    allowed = {"gradebook.csv", "report.html", ".grader.lock", *names}
    for path in out.iterdir():
        if path.name not in allowed:
            problems.append(f"the output folder holds {path.name}, which the grader did not write")
    for name in names:
        files = {p.name for p in (out / name).iterdir()} if (out / name).is_dir() else set()
        if files != {"results.json", "feedback.md", "record.json"}:
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


def run_mode(mode: str, chosen: list[Case], folder: Path) -> list[str]:
    flag = "--require-sandbox" if mode == "sandbox" else "--no-sandbox"
    submissions = [c.path for c in chosen] + sorted(
        {folder / "submissions" / c.equivalent for c in chosen if c.equivalent}
    )
    names = safe_names(submissions)
    name_of = dict(zip(map(str, submissions), names))
    out = folder / f"out-{mode}"
    before = snapshot()
    done = grade(submissions, out, flag)
    problems = []
    if done.returncode != 0:
        return [f"[{mode}] the batch did not complete (exit {done.returncode}):\n{done.stderr[-3000:]}"]
    problems += [f"[{mode}] {p}" for p in check_output_folder(out, names)]
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    problems += [f"[{mode}] a submission changed {path}" for path in changed[:10]]
    problems += [f"[{mode}] still running after the batch: {p}" for p in leftovers()]
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    for case in chosen:
        name = name_of[str(case.path)]
        scores = _scores(out, name)
        status = rows.get(name, {}).get("status", "")
        found = []
        if scores is None:
            found.append("has no complete record")
        elif case.raw.get("zero"):
            if any(scores.values()):
                found.append(f"scored {dict(scores)}, deserves nothing")
        else:
            honest = _scores(out, name_of[str(folder / "submissions" / case.equivalent)])
            if case.raw.get("at_most"):
                if any(scores[n] > honest[n] for n in scores):
                    found.append(f"scored more than its honest equivalent: {_show(scores)} vs {_show(honest)}")
                if scores == {n: Fraction(s.points) for n, s in ((s.number, s) for s in load().steps)}:
                    found.append("got full marks by lying")
            elif scores != honest:
                found.append(f"scored {_show(scores)}, its honest equivalent {_show(honest)}")
        if case.raw.get("status") and case.raw["status"] not in status:
            found.append(f"status {status!r} does not say {case.raw['status']!r}")
        case.problems += [f"[{mode}] {p}" for p in found]
    if "hard-coded-public-answers" in {c.id for c in chosen}:
        from kata.runner import run_step

        case = next(c for c in chosen if c.id == "hard-coded-public-answers")
        public = run_step(load().step(1), impl=str(case.path), capture=True, env={"KATA_HYPOTHESIS": "grade"})
        if public.passed == 0:
            case.problems.append(f"[{mode}] the hard-coded answers pass no public check: not a real trick")
    return problems


def _show(scores: dict[int, Fraction] | None) -> str:
    return "{" + ", ".join(f"{n}: {float(s):g}" for n, s in sorted((scores or {}).items())) + "}"


def main() -> int:
    cases = load_cases()
    with tempfile.TemporaryDirectory(prefix="kata-redteam-") as scratch:
        folder = Path(scratch)
        os.chmod(folder, 0o755)
        for case in cases:
            case.path = build_case(case, folder)
            case.equivalent = build_equivalent(case, folder)
        sandboxed = probe_bwrap(build_harness(folder / "probe"))[0] is not None
        problems: list[str] = []
        handled: dict[str, int] = {}
        for mode in ("sandbox", "plain"):
            chosen = [c for c in cases if mode in c.modes]
            if mode == "sandbox" and not sandboxed:
                print("red team: bubblewrap does not work here, so the sandboxed cases are NOT run", file=sys.stderr)
                if os.environ.get("CI"):
                    problems.append("CI must run the red team sandboxed: install bubblewrap")
                continue
            before = {c.id: len(c.problems) for c in chosen}
            problems += run_mode(mode, chosen, folder)
            handled[mode] = sum(1 for c in chosen if len(c.problems) == before[c.id])
            handled[mode + " total"] = len(chosen)
    print(f"red team: {len(cases)} cases")
    for mode in ("sandbox", "plain"):
        if mode in handled:
            label = "sandboxed" if mode == "sandbox" else "unsandboxed"
            print(f"  handled {label + ':':<13} {handled[mode]}/{handled[mode + ' total']}")
    for case in cases:
        for problem in case.problems:
            print(f"  NOT HANDLED {case.id} ({case.covers}): {problem}", file=sys.stderr)
    for problem in problems:
        print(f"  BATCH PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems or any(c.problems for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
