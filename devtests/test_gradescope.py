"""make gradescope: run_autograder on a simulated /autograder tree always leaves a results.json, and student
code never runs as root or where the reference or the seed is readable, with bubblewrap or without it."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.packaging import build_gradescope
from grader.sandbox import Refused, build_harness, choose, probe_bwrap
from grader.zoo import reference_copy
from kata.manifest import load

MANIFEST = load()
ENGINE_STEPS = {s.number for s in MANIFEST.steps if s.file == "engine.py"}
FULL = sum(s.points for s in MANIFEST.steps)
SEED = 4242
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops children to other uids")


def _bwrap_works() -> bool:
    folder = Path(tempfile.mkdtemp(prefix="kata-gs-probe-"))
    try:
        return probe_bwrap(build_harness(folder))[0] is not None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


HAVE_BWRAP = _bwrap_works()
# As an ordinary user, the autograder can only keep its secrets from student code inside bubblewrap:
# without it, it refuses to grade (and says the autograder is misconfigured).
GRADES = pytest.mark.skipif(os.geteuid() != 0 and not HAVE_BWRAP, reason="needs root or a working bubblewrap")


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_gradescope(tmp_path_factory.mktemp("gs") / "build", seed=SEED, timeout=5)


@pytest.fixture
def world() -> Iterator[Path]:
    """A folder every user can traverse (pytest's own tmp folders are private to root, which would hide
    the secrets by accident): the simulated /autograder lives here, as it does in Gradescope's image."""
    folder = Path(tempfile.mkdtemp(prefix="kata-gs-test-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_autograder(
    zip_path: Path, root: Path, submission: Path | None = None, break_it: bool = False, **env: str
) -> dict[str, Any]:
    """Lay out /autograder as Gradescope does, and run run_autograder on it."""
    (root / "source").mkdir(parents=True)
    os.chmod(root, 0o755)
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
    if break_it:
        (root / "source" / "kata.toml").write_text("[[steps]]\nnumber = 'not a number'\n")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable, **env}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return results


def attacker(folder: Path, autograder_root: Path, witness: Path) -> Path:
    """An engine that only tries to read the autograder's secrets (the oracle, the seed; no reference is
    shipped at all): it leaves a note in `witness` (who it ran as, what it could read), then fails to import."""
    package = reference_copy(folder, upto=99)
    engine = package / "engine.py"
    front = f"""import os as _os

_SOURCE = {str(autograder_root / "source")!r}
_seen = []
for _path in ("grader/gradescope.json", "kata/oracle/ops.py", "kata/oracle", "solutions"):
    try:
        _full = _os.path.join(_SOURCE, _path)
        _os.listdir(_full) if _os.path.isdir(_full) else open(_full).read()
        _seen.append(_path)
    except OSError:
        pass
try:
    with open(_os.path.join({str(witness)!r}, f"uid-{{_os.getuid()}}"), "w") as _out:
        _out.write(" ".join(_seen))
except OSError:  # inside bubblewrap the witness folder is not there
    pass
raise ImportError("the answer key is out of reach" if not _seen else "read " + " ".join(_seen))
"""
    engine.write_text(front)
    return package.parent


def test_the_zip_has_gradescopes_layout(autograder: Path) -> None:
    with zipfile.ZipFile(autograder) as bundle:
        names = set(bundle.namelist())
        mode = bundle.getinfo("run_autograder").external_attr >> 16
    wanted = {"setup.sh", "run_autograder", "kata.toml", "grader/gradescope.json", "kata/oracle/ops.py"}
    assert wanted <= names
    assert not any(n.startswith(("solutions/", "kata/dev/")) for n in names), "grading needs no reference"
    assert mode & 0o111, "run_autograder must be executable"
    assert json.loads(zipfile.ZipFile(autograder).read("grader/gradescope.json"))["seed"] == SEED


@GRADES
def test_a_complete_submission_gets_every_point(autograder: Path, world: Path, tmp_path: Path) -> None:
    results = run_autograder(autograder, world / "autograder", reference_copy(tmp_path / "s", upto=99).parent)
    assert results["score"] == FULL and results["max_score"] == MANIFEST.total_points
    assert all(t["status"] == "passed" for t in results["tests"])
    assert str(SEED) not in json.dumps(results) and "seed" not in results["extra_data"]  # students see this file


@GRADES
def test_a_partial_submission_gets_its_steps(autograder: Path, world: Path, tmp_path: Path) -> None:
    results = run_autograder(autograder, world / "autograder", reference_copy(tmp_path / "s", upto=3).parent)
    assert results["score"] == sum(s.points for s in MANIFEST.steps if s.number <= 3)
    assert {t["number"].split(".")[0] for t in results["tests"] if t["status"] == "passed"} == {"1", "2", "3"}


@GRADES
def test_a_flat_upload_is_assembled_into_a_package(autograder: Path, world: Path, tmp_path: Path) -> None:
    """Files dragged into Gradescope without their micrograd/ folder: graded in full, and told so."""
    package = reference_copy(tmp_path / "s", upto=99)
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in package.glob("*.py"):
        if path.name != "__init__.py":
            shutil.copy(path, flat / path.name)
    results = run_autograder(autograder, world / "autograder", flat)
    assert results["score"] == FULL, results["output"]


@GRADES
def test_the_visibility_knob_hides_tests_and_expected_values(world: Path, tmp_path: Path) -> None:
    """make gradescope VISIBILITY=after_due_date DETAILS=brief: every test shown after the due date, and a
    failing one names its likely bug without the case or the expected value; the total is always shown."""
    from grader.zoo import bug, with_bugs

    hidden = build_gradescope(tmp_path / "build", seed=SEED, timeout=5, visibility="after_due_date", details="brief")
    package = with_bugs(tmp_path / "s", [bug("tanh-grad-from-input")])
    results = run_autograder(hidden, world / "autograder", package.parent)
    assert results["visibility"] == "visible" and 0 < results["score"] < FULL
    assert {t["visibility"] for t in results["tests"]} == {"after_due_date"}
    failing = [t for t in results["tests"] if t["status"] == "failed"]
    assert failing and all("expected" not in t["output"].lower() for t in failing)
    assert any("tanh" in t["output"] and "make test-step3" in t["output"] for t in failing)


@pytest.mark.parametrize("no_bwrap", ["1", ""], ids=["without-bubblewrap", "with-bubblewrap-if-it-works"])
def test_student_code_never_runs_as_root(autograder: Path, world: Path, tmp_path: Path, no_bwrap: str) -> None:
    package = reference_copy(tmp_path / "s", upto=99)
    engine = package / "engine.py"
    engine.write_text(
        engine.read_text().replace(
            "import math\n", "import math\nimport os\n\nraise RuntimeError(f'running as uid {os.getuid()}')\n"
        )
    )
    results = run_autograder(autograder, world / "autograder", package.parent, AUTOGRADER_NO_BWRAP=no_bwrap)
    if os.geteuid() != 0 and (no_bwrap or not HAVE_BWRAP):  # nothing can keep the secrets: nothing runs
        assert results["extra_data"] == {"misconfigured": True} and results["tests"] == []
        return
    # engine.py is broken: its steps score nothing; the steps on the kata's engine keep their points
    assert results["score"] == sum(s.points for s in MANIFEST.steps if s.number not in ENGINE_STEPS)
    outputs = " ".join(t["output"] for t in results["tests"])
    assert "running as uid " in outputs and "running as uid 0)" not in outputs


@ROOT_ONLY
@pytest.mark.parametrize("no_bwrap", ["1", ""], ids=["without-bubblewrap", "with-bubblewrap-if-it-works"])
def test_the_reference_and_the_seed_are_out_of_reach(
    autograder: Path, world: Path, tmp_path: Path, no_bwrap: str
) -> None:
    witness = world / "witness"
    witness.mkdir(mode=0o777)
    os.chmod(witness, 0o1777)
    root = world / "autograder"
    results = run_autograder(autograder, root, attacker(tmp_path / "s", root, witness), AUTOGRADER_NO_BWRAP=no_bwrap)
    notes = {p.name: p.read_text() for p in witness.iterdir()}
    if no_bwrap:  # the attacker sees the real tree, and must find it locked
        assert notes and "uid-0" not in notes and all(seen == "" for seen in notes.values()), notes
    # engine.py fails to import: its steps score nothing; the steps on the kata's engine keep their points
    assert results["score"] == sum(s.points for s in MANIFEST.steps if s.number not in ENGINE_STEPS), results["output"]
    assert "the answer key is out of reach" in json.dumps(results)
    assert str(SEED) not in json.dumps(results)


@ROOT_ONLY
def test_a_python_out_of_the_unprivileged_users_reach_is_refused(autograder: Path, world: Path, tmp_path: Path) -> None:
    """The only Python for children lives where an unprivileged user cannot go (a pyenv under /root): the
    autograder refuses to grade, says it is misconfigured, and no student code runs at all."""
    private = world / "private"
    (private / "bin").mkdir(parents=True)
    os.chmod(private, 0o700)
    python = private / "bin" / Path(os.path.realpath(sys.executable)).name
    shutil.copy2(os.path.realpath(sys.executable), python)
    witness = world / "witness"
    witness.mkdir()
    os.chmod(witness, 0o1777)
    root = world / "autograder"
    results = run_autograder(
        autograder,
        root,
        attacker(tmp_path / "s", root, witness),
        AUTOGRADER_NO_BWRAP="1",
        KATA_CHILD_PYTHON=str(python),
    )
    assert results["score"] == 0 and results["tests"] == [] and results["extra_data"] == {"misconfigured": True}
    assert "misconfigured" in results["output"] and "not a verdict on your code" in results["output"]
    assert "never runs as root" in results["output"]
    assert list(witness.iterdir()) == [], "student code ran"


def test_a_missing_python_still_writes_results(autograder: Path, world: Path, tmp_path: Path) -> None:
    results = run_autograder(
        autograder, world / "autograder", reference_copy(tmp_path / "s", upto=99).parent, PYTHON="/nowhere/python3.11"
    )
    assert results["score"] == 0 and results["tests"] == [] and results["extra_data"] == {"misconfigured": True}
    assert "no Python 3.11 or newer" in results["output"] and "not a verdict on your code" in results["output"]


@GRADES
def test_an_empty_submission_gets_zero_and_a_reason(autograder: Path, world: Path) -> None:
    results = run_autograder(autograder, world / "autograder")
    assert results["score"] == 0 and "no micrograd package" in results["output"]


def test_a_broken_autograder_still_writes_results(autograder: Path, world: Path, tmp_path: Path) -> None:
    results = run_autograder(
        autograder, world / "autograder", reference_copy(tmp_path / "s", upto=99).parent, break_it=True
    )
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade this submission" in results["output"] and "not a verdict on your code" in results["output"]


@ROOT_ONLY
def test_a_root_grader_refuses_a_child_python_nobody_can_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without bubblewrap, a root grader whose only Python is out of an unprivileged user's reach refuses to
    start, instead of running student code as root (what it did before)."""
    from grader.sandbox import build_harness

    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    os.chmod(private, 0o700)
    python = private / "bin" / "python3"
    shutil.copy2(os.path.realpath(sys.executable), python)
    scratch = Path(tempfile.mkdtemp(prefix="kata-gs-test-"))
    try:
        os.chmod(scratch, 0o711)
        harness = build_harness(scratch)
        monkeypatch.setenv("KATA_CHILD_PYTHON", str(python))
        with pytest.raises(Refused, match="Student code never runs as root"):
            choose(harness, scratch, use_bwrap=False, require_bwrap=False)
        monkeypatch.delenv("KATA_CHILD_PYTHON")
        sandbox = choose(harness, scratch, use_bwrap=False, require_bwrap=False)
        assert sandbox.uids is not None and sandbox.probe(scratch) == ""  # this Python, or one every user can run
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
