"""make gradescope: run_autograder on a simulated /autograder tree always leaves a results.json."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from grader.packaging import build_gradescope
from grader.sandbox import Sandbox
from grader.zoo import reference_copy
from kata.manifest import load

MANIFEST = load()
FULL = sum(s.points for s in MANIFEST.steps)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    return build_gradescope(tmp_path_factory.mktemp("gs") / "build", seed=4242, timeout=5)


def run_autograder(zip_path, root, submission=None, break_it=False):
    """Lay out /autograder as Gradescope does, and run run_autograder on it."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
    if break_it:
        (root / "source" / "kata.toml").write_text("[[steps]]\nnumber = 'not a number'\n")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_has_gradescopes_layout(autograder):
    with zipfile.ZipFile(autograder) as bundle:
        names = set(bundle.namelist())
        mode = bundle.getinfo("run_autograder").external_attr >> 16
    wanted = {"setup.sh", "run_autograder", "kata.toml", "grader/gradescope.json", "solutions/micrograd/engine.py"}
    assert wanted <= names
    assert mode & 0o111, "run_autograder must be executable"
    assert json.loads(zipfile.ZipFile(autograder).read("grader/gradescope.json"))["seed"] == 4242


def test_a_complete_submission_gets_every_point(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path / "autograder", reference_copy(tmp_path / "s", upto=99).parent)
    assert results["score"] == FULL and results["max_score"] == MANIFEST.total_points
    assert all(t["status"] == "passed" for t in results["tests"]) and results["extra_data"]["seed"] == 4242


def test_a_partial_submission_gets_its_steps(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path / "autograder", reference_copy(tmp_path / "s", upto=3).parent)
    assert results["score"] == sum(s.points for s in MANIFEST.steps if s.number <= 3)
    assert {t["number"].split(".")[0] for t in results["tests"] if t["status"] == "passed"} == {"1", "2", "3"}


def test_a_broken_submission_still_gets_results_that_explain(autograder, tmp_path):
    package = reference_copy(tmp_path / "s", upto=99)
    engine = package / "engine.py"
    engine.write_text(
        engine.read_text().replace(
            "import math\n", "import math\nimport os\n\nraise RuntimeError(f'running as uid {os.getuid()}')\n"
        )
    )
    results = run_autograder(autograder, tmp_path / "autograder", package.parent)
    # engine.py is broken: steps 2-4 score nothing; steps 5-7 run on the kata's engine and keep their points
    assert results["score"] == sum(s.points for s in MANIFEST.steps if s.number in (1, 5, 6, 7, 8))
    outputs = " ".join(t["output"] for t in results["tests"])
    if os.geteuid() == 0 and results["extra_data"]["sandboxed"]:
        assert "running as uid 65534" in outputs  # a root grader's student code runs as nobody


def test_an_empty_submission_gets_zero_and_a_reason(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path / "autograder")
    assert results["score"] == 0 and "no micrograd package" in results["output"]


def test_a_broken_autograder_still_writes_results(autograder, tmp_path):
    results = run_autograder(
        autograder, tmp_path / "autograder", reference_copy(tmp_path / "s", upto=99).parent, break_it=True
    )
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade this submission" in results["output"] and "not a verdict on your code" in results["output"]


def test_children_drop_root_whenever_they_can(monkeypatch, tmp_path):
    import grader.sandbox as sandbox

    monkeypatch.setattr(sandbox, "_world_traversable", lambda path: True)
    assert Sandbox("bwrap", tmp_path, root=True).drop_to == 65534
    assert Sandbox(None, tmp_path, root=True).drop_to == 65534  # e.g. Gradescope's /usr/bin/python3.11
    assert Sandbox(None, tmp_path, root=False).drop_to is None
    monkeypatch.setattr(sandbox, "_world_traversable", lambda path: False)
    assert Sandbox(None, tmp_path, root=True).drop_to is None  # nobody could not even start this Python
