"""The grader, end to end through its command line: golden outputs (with and without the sandbox),
determinism, resuming a killed batch, one grader per output folder."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtests.grading_fixtures import FIXTURES, build
from grader.lock import Busy, OutputLock
from kata.manifest import load
from kata.paths import ROOT

GOLDEN = Path(__file__).with_name("golden")
MANIFEST = load()
FULL = {s.number: s.points for s in MANIFEST.steps}  # every step's points, bonus included


def points(x) -> str:
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


def grade(submissions, out, *extra):
    command = [
        sys.executable,
        "-m",
        "grader",
        *map(str, submissions),
        "--out",
        str(out),
        "--seed",
        SEED,
        "--timeout",
        "1",
        *extra,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
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
    row = next(r for r in csv.reader((out / "gradebook.csv").read_text().splitlines()) if r[0] == name)
    return {
        "results.json": json.dumps(results, indent=1) + "\n",
        "feedback.md": feedback,
        "gradebook.csv": ",".join(row) + "\n",
    }


@pytest.fixture(scope="module", params=MODES)
def graded(request, fixtures, tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    done = grade(fixtures.values(), out, "--jobs", "2", request.param)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("name", list(FIXTURES))
def test_outputs_match_the_golden_files(graded, name):
    for file, text in normalized(graded, name).items():
        golden = GOLDEN / name / file
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert golden.exists(), f"no golden file {golden}: run with UPDATE_GOLDEN=1 and review the diff"
        assert text == golden.read_text(), f"{name}/{file} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_the_statuses_say_what_happened(graded):
    rows = {r["submission"]: r for r in csv.DictReader((graded / "gradebook.csv").open())}
    assert rows["complete"]["status"] == "ok" and rows["complete"]["score"] == points(sum(FULL.values()))
    assert rows["complete"]["max_score"] == points(MANIFEST.total_points)
    assert rows["stub"]["score"] == "0"
    assert rows["partial"]["score"] == points(FULL[1] + FULL[2] + FULL[3])
    assert rows["syntax_error"]["status"] == "syntax error in nn.py line 13"
    assert rows["import_error"]["status"] == (
        "import error in engine.py line 18: ModuleNotFoundError: No module named 'numpy_is_not_part_of_the_kata'"
    )
    assert rows["hanging"]["status"] == "timeout in step 4"
    assert rows["crashing"]["status"] == "crash in step 5 (exit code 3)"
    # steps are graded independently: the broken step costs only itself and the steps that run it
    for name in ("syntax_error", "crashing"):
        assert [rows[name][f"step{n}"] for n in (1, 2, 3, 4, 7, 8)] == [points(FULL[n]) for n in (1, 2, 3, 4, 7, 8)]
    assert rows["hanging"]["step5"] == points(FULL[5]) and rows["hanging"]["step1"] == points(FULL[1])


def test_gradescope_results_have_one_test_per_check(graded):
    results = json.loads((graded / "partial" / "results.json").read_text())
    assert results["score"] == FULL[1] + FULL[2] + FULL[3] and results["max_score"] == MANIFEST.total_points
    assert all(t["name"].startswith(f"Step {t['number'].split('.')[0]}: ") for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(sum(FULL.values()))
    bonus = [t for t in results["tests"] if "bonus" in t["tags"]]
    assert sum(t["max_score"] for t in bonus) == pytest.approx(sum(s.points for s in MANIFEST.steps if s.bonus))
    assert {t["status"] for t in results["tests"]} == {"passed", "failed"}


def test_the_same_batch_twice_gives_identical_gradebooks(fixtures, tmp_path):
    chosen = [fixtures[n] for n in ("complete", "partial", "syntax_error", "crashing")]
    first, second = grade(chosen, tmp_path / "a", "--jobs", "2"), grade(chosen, tmp_path / "b", "--jobs", "1")
    assert first.returncode == second.returncode == 0
    assert (tmp_path / "a" / "gradebook.csv").read_text() == (tmp_path / "b" / "gradebook.csv").read_text()
    for name in ("complete", "partial", "syntax_error", "crashing"):
        assert normalized(tmp_path / "a", name) == normalized(tmp_path / "b", name)


def test_a_batch_killed_halfway_resumes_to_the_same_gradebook(fixtures, tmp_path):
    copies = []
    for i in range(6):
        copy = tmp_path / "in" / f"student{i}"
        shutil.copytree(fixtures["complete" if i % 2 else "partial"], copy)
        copies.append(copy)
    uninterrupted = grade(copies, tmp_path / "whole", "--jobs", "1")
    assert uninterrupted.returncode == 0
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", *map(str, copies), "--out", str(out), "--seed", SEED, "--jobs", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/record.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json")}
    assert 2 <= len(kept) < 6 and not (out / "gradebook.csv").exists()
    resumed = grade(copies, out, "--jobs", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "(resumed)" in resumed.stderr
    assert (out / "gradebook.csv").read_text() == (tmp_path / "whole" / "gradebook.csv").read_text()
    assert all((out / name / "record.json").stat().st_mtime_ns == mtime for name, mtime in kept.items())


def test_a_changed_submission_is_regraded_on_resume(fixtures, tmp_path):
    copy = tmp_path / "in" / "alice"
    shutil.copytree(fixtures["complete"], copy)
    assert grade([copy], tmp_path / "out").returncode == 0
    path = copy / "micrograd" / "train.py"
    path.write_text(path.read_text().replace("p.data -= lr * p.grad", "p.data += lr * p.grad"))
    again = grade([copy], tmp_path / "out", "--resume")
    assert "(resumed)" not in again.stderr
    assert "alice,ok," in (tmp_path / "out" / "gradebook.csv").read_text()
    assert f"alice,ok,{points(sum(FULL.values()))}," not in (tmp_path / "out" / "gradebook.csv").read_text()


def test_a_second_grader_on_the_same_folder_refuses_to_start(fixtures, tmp_path):
    with OutputLock(tmp_path / "out"):
        done = grade([fixtures["complete"]], tmp_path / "out")
        with pytest.raises(Busy):
            OutputLock(tmp_path / "out").__enter__()
    assert done.returncode == 2
    assert "another grader is writing to" in done.stderr
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_no_submission_grades_the_bundled_samples(tmp_path):
    done = grade([], tmp_path / "out")
    assert done.returncode == 0, done.stderr
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert set(rows) == {"complete", "half_finished", "typical_bugs"}
    assert rows["complete"]["score"] == points(sum(FULL.values()))
    assert float(rows["typical_bugs"]["score"]) < float(rows["complete"]["score"])


def test_an_honest_submission_may_use_any_standard_library_module(tmp_path):
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
        full = f"stdlib_user,ok,{points(sum(FULL.values()))},{MANIFEST.total_points}"
        assert full in (tmp_path / f"out{flag}" / "gradebook.csv").read_text()
