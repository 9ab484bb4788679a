"""The grader, end to end through its command line: golden outputs (with and without the sandbox),
determinism, resuming a killed batch, Ctrl-C, one grader per output folder, arguments that are files.

No verdict here depends on the machine's speed: the budgets are the manifest's (seconds per check, far
more than the reference needs), except for the one fixture that hangs, which is graded on its own with
a short budget that only its hanging checks reach."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from devtests.grading_fixtures import FIXTURES, build
from grader.lock import Busy, OutputLock
from kata.manifest import load
from kata.paths import ROOT

GOLDEN = Path(__file__).with_name("golden")
MANIFEST = load()
FULL = {s.number: s.points for s in MANIFEST.steps}  # every step's points, bonus included


def points(x: float) -> str:
    return f"{x:g}"


SEED = "7"
HAVE_BWRAP = (
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; import tempfile;"
            "from grader.sandbox import probe_bwrap, build_harness;"
            "d = Path(tempfile.mkdtemp()); sys.exit(0 if probe_bwrap(build_harness(d))[0] else 1)",
        ],
        cwd=ROOT,
    ).returncode
    == 0
)
MODES = ["--require-sandbox", "--no-sandbox"] if HAVE_BWRAP else ["--no-sandbox"]


GRADER = [sys.executable, "-m", "grader", "grade"]  # the command line under test
HANG_TIMEOUT = "3"  # seconds: only the hanging fixture's hanging checks ever reach it


def grade(
    submissions: Iterable[Path | str], out: Path, *extra: str | Path, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    command = [*GRADER, *map(str, submissions), "--out", str(out), "--seed", SEED, *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("submissions")
    return {name: build(folder, name) for name in FIXTURES}


def normalized(out: Path, name: str) -> dict[str, str]:
    """The outputs of one submission, without what legitimately varies (time, grader version, sandbox)."""
    results = json.loads((out / name / "results.json").read_text())
    results["execution_time"] = 0
    results["extra_data"].pop("grader_version")
    results["extra_data"].pop("sandboxed")
    feedback = (out / name / "feedback.md").read_text()
    feedback = re.sub(r"by grader \w+ (in a sandbox\.|\(not sandboxed\)\.)", "by grader <version>.", feedback)
    return {
        "results.json": json.dumps(results, indent=1) + "\n",
        "feedback.md": feedback,
        "gradebook.csv": ",".join(steady_row(out, name).values()) + "\n",
    }


VARYING = ("source", "submitted_at", "graded_at", "grader_version")  # where the batch ran, when, with which grader


def steady_row(out: Path, name: str) -> dict[str, str]:
    """A submission's gradebook row without the columns that legitimately vary between runs."""
    row = next(r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")) if r["submission"] == name)
    return {k: v for k, v in row.items() if k not in VARYING}


def steady_gradebook(out: Path) -> list[dict[str, str]]:
    rows = csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))
    return [{k: v for k, v in r.items() if k not in VARYING} for r in rows]


@pytest.fixture(scope="module", params=MODES)
def graded(
    request: pytest.FixtureRequest, fixtures: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """name -> the output folder it was graded into (the hanging fixture has a batch of its own)."""
    steady, hanging = tmp_path_factory.mktemp("grades"), tmp_path_factory.mktemp("hanging")
    done = grade([p for n, p in fixtures.items() if n != "hanging"], steady, "--jobs", "2", request.param)
    assert done.returncode == 0, done.stderr
    done = grade([fixtures["hanging"]], hanging, "--timeout", HANG_TIMEOUT, request.param)
    assert done.returncode == 0, done.stderr
    return {name: hanging if name == "hanging" else steady for name in fixtures}


def rows_of(graded: dict[str, Path]) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for out in set(graded.values()) for r in csv.DictReader((out / "gradebook.csv").open())}


@pytest.mark.parametrize("name", list(FIXTURES))
def test_outputs_match_the_golden_files(graded: dict[str, Path], name: str) -> None:
    for file, text in normalized(graded[name], name).items():
        golden = GOLDEN / name / file
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert golden.exists(), f"no golden file {golden}: run with UPDATE_GOLDEN=1 and review the diff"
        assert text == golden.read_text(), f"{name}/{file} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def _line_of(fixtures: dict[str, Path], name: str, text: str) -> int:
    """The line of a fixture's file where text starts (the fixtures' edits say where they broke it)."""
    _, file, _, _ = FIXTURES[name]
    source = next(fixtures[name].rglob(file)).read_text()
    return source[: source.index(text)].count("\n") + 1


def test_the_statuses_say_what_happened(graded: dict[str, Path], fixtures: dict[str, Path]) -> None:
    rows = rows_of(graded)
    syntax, missing = (
        _line_of(fixtures, "syntax_error", "class Module(:"),
        _line_of(fixtures, "import_error", "import numpy"),
    )
    assert rows["complete"]["status"] == "ok" and rows["complete"]["score"] == points(sum(FULL.values()))
    assert rows["complete"]["max_score"] == points(MANIFEST.total_points)
    assert rows["stub"]["score"] == "0"
    assert rows["partial"]["score"] == points(FULL[1] + FULL[2] + FULL[3])
    assert rows["syntax_error"]["status"] == f"syntax error in nn.py line {syntax}"
    assert rows["import_error"]["status"] == (
        f"import error in engine.py line {missing}: "
        "ModuleNotFoundError: No module named 'numpy_is_not_part_of_the_kata'"
    )
    assert rows["hanging"]["status"] == "timeout in step 4"
    assert rows["crashing"]["status"] == "crash in step 5 (exit code 3)"
    # steps are graded independently: the broken step costs only itself and the steps that run it
    for name in ("syntax_error", "crashing"):
        assert [rows[name][f"step{n}"] for n in (1, 2, 3, 4, 7, 8)] == [points(FULL[n]) for n in (1, 2, 3, 4, 7, 8)]
    assert rows["hanging"]["step5"] == points(FULL[5]) and rows["hanging"]["step1"] == points(FULL[1])


def test_gradescope_results_have_one_test_per_check(graded: dict[str, Path]) -> None:
    results = json.loads((graded["partial"] / "partial" / "results.json").read_text())
    assert results["score"] == FULL[1] + FULL[2] + FULL[3] and results["max_score"] == MANIFEST.total_points
    assert all(t["name"].startswith(f"Step {t['number'].split('.')[0]}: ") for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(sum(FULL.values()))
    bonus = [t for t in results["tests"] if "bonus" in t["tags"]]
    assert sum(t["max_score"] for t in bonus) == pytest.approx(sum(s.points for s in MANIFEST.steps if s.bonus))
    assert {t["status"] for t in results["tests"]} == {"passed", "failed"}


def test_the_same_batch_twice_gives_identical_gradebooks(fixtures: dict[str, Path], tmp_path: Path) -> None:
    chosen = [fixtures[n] for n in ("complete", "partial", "syntax_error", "crashing")]
    first, second = grade(chosen, tmp_path / "a", "--jobs", "2"), grade(chosen, tmp_path / "b", "--jobs", "1")
    assert first.returncode == second.returncode == 0
    assert steady_gradebook(tmp_path / "a") == steady_gradebook(tmp_path / "b")
    for name in ("complete", "partial", "syntax_error", "crashing"):
        assert normalized(tmp_path / "a", name) == normalized(tmp_path / "b", name)


def test_a_batch_killed_halfway_resumes_to_the_same_gradebook(fixtures: dict[str, Path], tmp_path: Path) -> None:
    copies = []
    for i in range(6):
        copy = tmp_path / "in" / f"student{i}"
        shutil.copytree(fixtures["complete" if i % 2 else "partial"], copy)
        copies.append(copy)
    uninterrupted = grade(copies, tmp_path / "whole", "--jobs", "1")
    assert uninterrupted.returncode == 0
    out = tmp_path / "killed"
    scratch = Path(tempfile.mkdtemp(prefix="kata-killed-"))  # a killed grader cannot remove its scratch folder
    os.chmod(scratch, 0o755)  # (children must reach their harness in it)
    try:
        process = subprocess.Popen(
            [*GRADER, *map(str, copies), "--out", str(out), "--seed", SEED, "--jobs", "1"],
            cwd=ROOT,
            env={**os.environ, "TMPDIR": str(scratch)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while len(list(out.glob("*/record.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    kept = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json")}
    assert 2 <= len(kept) < 6 and not (out / "gradebook.csv").exists()
    resumed = grade(copies, out, "--jobs", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "(resumed)" in resumed.stderr
    assert steady_gradebook(out) == steady_gradebook(tmp_path / "whole")
    assert all((out / name / "record.json").stat().st_mtime_ns == mtime for name, mtime in kept.items())


def test_a_changed_submission_is_regraded_on_resume(fixtures: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "in" / "alice"
    shutil.copytree(fixtures["complete"], copy)
    assert grade([copy], tmp_path / "out").returncode == 0
    path = copy / "micrograd" / "train.py"
    path.write_text(path.read_text().replace("p.data -= lr * p.grad", "p.data += lr * p.grad"))
    again = grade([copy], tmp_path / "out", "--resume")
    assert "(resumed)" not in again.stderr
    row = steady_row(tmp_path / "out", "alice")
    assert row["status"] == "ok" and row["score"] != points(sum(FULL.values()))


def test_a_second_grader_on_the_same_folder_refuses_to_start(fixtures: dict[str, Path], tmp_path: Path) -> None:
    with OutputLock(tmp_path / "out"):
        done = grade([fixtures["complete"]], tmp_path / "out")
        with pytest.raises(Busy):
            OutputLock(tmp_path / "out").__enter__()
    assert done.returncode == 2
    assert "another grader is writing to" in done.stderr
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_no_submission_grades_the_bundled_samples(tmp_path: Path) -> None:
    done = grade([], tmp_path / "out")
    assert done.returncode == 0, done.stderr
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert set(rows) == {"complete", "half_finished", "typical_bugs"}
    assert rows["complete"]["score"] == points(sum(FULL.values()))
    assert float(rows["typical_bugs"]["score"]) < float(rows["complete"]["score"])


def test_an_honest_submission_may_use_any_standard_library_module(tmp_path: Path) -> None:
    """The child drops to an unprivileged user: every stdlib module must stay importable after that."""
    from grader.zoo import reference_copy

    package = reference_copy(tmp_path / "in" / "stdlib_user", upto=99)
    engine = package / "engine.py"
    text = engine.read_text()
    text = text.replace(
        "import math\n",
        "import math\nfrom collections import deque\nimport functools, heapq, "
        "itertools, statistics, fractions, decimal, dataclasses, typing, subprocess, sysconfig\n",
    )
    text = text.replace("    stack = [(root, False)]\n", "    stack = deque([(root, False)])\n")
    engine.write_text(text)
    for flag in MODES:
        done = grade([tmp_path / "in" / "stdlib_user"], tmp_path / f"out{flag}", flag)
        assert done.returncode == 0, done.stderr
        row = steady_row(tmp_path / f"out{flag}", "stdlib_user")
        assert (row["status"], row["score"], row["max_score"]) == (
            "ok",
            points(sum(FULL.values())),
            str(MANIFEST.total_points),
        )


def _descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below pid, found through /proc."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry))
            starts[int(entry)] = fields[19]
    found, stack = set(), [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.add((child, starts[child]))
            stack.append(child)
    return found


def _alive(process: tuple[int, str]) -> bool:
    try:
        return Path(f"/proc/{process[0]}/stat").read_text().rsplit(")", 1)[1].split()[19] == process[1]
    except OSError:
        return False


def test_ctrl_c_stops_promptly_keeps_what_finished_and_resume_completes_it(
    fixtures: dict[str, Path], tmp_path: Path
) -> None:
    copies = []
    for i in range(5):
        copy = tmp_path / "in" / f"student{i}"
        shutil.copytree(fixtures["partial" if i != 1 else "complete"], copy)
        copies.append(copy)
    engine = copies[1] / "micrograd" / "engine.py"  # student1 hangs while engine.py imports: a child is busy
    engine.write_text(engine.read_text().replace("import math\n", "import math\n\nwhile True:\n    pass\n", 1))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [*GRADER, *map(str, copies), "--out", str(out), "--seed", SEED, "--jobs", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    children: set[tuple[int, str]] = set()
    while time.monotonic() < deadline and not (children and (out / "student0" / "record.json").exists()):
        time.sleep(0.05)
        children = _descendants(process.pid) if (out / "student0" / "record.json").exists() else set()
    assert children, "the batch never reached student1"
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    sent = time.monotonic()
    stdout, stderr = process.communicate(timeout=120)
    stopped = time.monotonic() - sent
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: 1 of 5 submissions graded and kept;") and "--resume" in last, stderr
    assert stopped < 60, f"took {stopped:.1f} s to stop"  # a fraction of a second when idle; generous under load
    assert not [c for c in children if _alive(c)], "a child survived the interrupted batch"
    assert {p.parent.name for p in out.glob("*/record.json")} == {"student0"}
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert list(rows) == [f"student{i}" for i in range(5)]
    assert rows["student0"]["score"] == points(FULL[1] + FULL[2] + FULL[3])
    assert all(rows[f"student{i}"]["score"] == "" and "--resume" in rows[f"student{i}"]["status"] for i in range(1, 5))
    assert "Interrupted: 4 more submission" in (out / "report.html").read_text()
    kept = (out / "student0" / "record.json").stat().st_mtime_ns
    resumed = grade(copies, out, "--resume", "--timeout", HANG_TIMEOUT, "--jobs", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert "student0: " in resumed.stderr and "(resumed)" in resumed.stderr
    assert (out / "student0" / "record.json").stat().st_mtime_ns == kept
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert all(r["score"] != "" for r in rows.values())
    assert rows["student1"]["status"] == "timeout in step 2 (importing engine.py)"


def test_a_file_named_like_an_option_never_acts_as_one(fixtures: dict[str, Path], tmp_path: Path) -> None:
    """`grader *` in a folder where a student left files named --no-sandbox and --steps=1: the grader cannot
    tell them from options typed on purpose, so it grades nothing and says how to go on; after `--` (or
    as ./NAME) they are submissions like any other file (and worth nothing)."""
    folder = tmp_path / "class"
    shutil.copytree(fixtures["complete"], folder / "alice")
    for name in ("--no-sandbox", "--steps=1"):
        (folder / name).write_text("gotcha\n")
    arguments = sorted(os.listdir(folder))  # what the shell makes of *
    flag = MODES[0]  # --require-sandbox where bubblewrap works: it cannot even be combined with --no-sandbox
    refused = grade(arguments, tmp_path / "out", flag, cwd=folder)
    assert refused.returncode == 2
    assert "--no-sandbox, --steps=1: looks like an option but names a file" in refused.stderr
    assert "-- *" in refused.stderr and not (tmp_path / "out" / "gradebook.csv").exists()
    done = grade([], tmp_path / "out", flag, "--", *arguments, cwd=folder)
    assert done.returncode == 0, done.stderr
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert set(rows) == {"alice", "no-sandbox", "steps_1"}
    assert rows["alice"]["score"] == points(sum(FULL.values()))
    assert all(rows[n]["status"].startswith("not a folder, a notebook") for n in ("no-sandbox", "steps_1"))
    record = json.loads((tmp_path / "out" / "alice" / "record.json").read_text())
    assert record["sandboxed"] == (flag == "--require-sandbox")
    assert grade(["./--no-sandbox"], tmp_path / "out2", flag, cwd=folder).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader gives children uids of their own")
def test_two_graders_never_hand_out_the_same_child_uid(tmp_path: Path) -> None:
    from grader.sandbox import UidPool

    first, second = UidPool(), UidPool()  # two graders on one machine share the lock folder
    held = [first.acquire(), second.acquire(), first.acquire(), second.acquire()]
    assert len(set(held)) == 4
    for uid, pool in zip(held, (first, second, first, second)):
        pool.release(uid)
    assert first.acquire() == held[0]


def test_bubblewrap_hides_the_kata_and_the_class_when_they_live_under_usr(tmp_path: Path) -> None:
    """The sandbox shows the system's /usr read-only; a repository, an output folder or submissions kept
    under /usr are covered by an empty tmpfs there."""
    from grader.sandbox import Interpreter, Sandbox, hidden_folders

    hidden = hidden_folders(Path("/usr/local/share/kata"), tmp_path, Path("/usr/src/class2026"))
    assert hidden == (Path("/usr/local/share/kata"), Path("/usr/src/class2026"))
    sandbox = Sandbox("bwrap", tmp_path, Interpreter(Path("/usr/bin/python3.11"), Path("/usr")), hidden=hidden)
    command = sandbox.command(tmp_path)
    after_usr = command[command.index("--ro-bind") + 3 :]  # right after --ro-bind /usr /usr
    assert after_usr[:4] == ["--tmpfs", "/usr/local/share/kata", "--tmpfs", "/usr/src/class2026"]
