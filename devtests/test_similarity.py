"""python -m grader similarity: copies are found whatever their names and layout; own work is not."""

import csv
import re
import subprocess
import sys
from pathlib import Path

from grader.similarity import containment, fingerprint, runs, shape
from grader.zoo import reference_copy
from kata.paths import ROOT

OWN_NUMERIC = """
def numerical_derivative(f, x, h=1e-6):
    left = f(x - h)
    right = f(x + h)
    slope = right - left
    return slope / h / 2


def numerical_gradient(f, xs, h=1e-6):
    result = []
    for index, value in enumerate(xs):
        moved = xs[:]
        moved[index] = value + h
        plus = f(moved)
        moved[index] = value - h
        result.append((plus - f(moved)) / (2 * h))
    return result
"""


def _disguise(text: str) -> str:
    """What a copier does: rename, drop comments and docstrings' words, reflow."""
    for old, new in (
        ("gradient", "grads"),
        ("order", "seq"),
        ("visited", "seen"),
        ("stack", "todo"),
        ("node", "vertex"),
        ("child", "kid"),
    ):
        text = text.replace(old, new)
    return re.sub(r"  # .*", "", text).replace("    ", "\t").replace("\t", "    ")


def test_names_comments_and_layout_do_not_change_the_shape() -> None:
    assert shape("x = foo(1, 'a')  # hi\n") == shape('total   =bar( 2 ,\n  "b" )\n')
    assert shape("x = foo(1)\n") != shape("x = foo[1]\n")


def test_the_stubs_shared_by_everyone_prove_nothing(tmp_path: Path) -> None:
    stubs = reference_copy(tmp_path / "a", upto=0)
    text = {p.name: p.read_text() for p in stubs.glob("*.py")}
    template = set().union(*(runs(shape(t)) for t in text.values()))
    assert fingerprint(text, template) == set()


def test_the_command_ranks_a_disguised_copy_first_and_own_work_last(tmp_path: Path) -> None:
    alice = reference_copy(tmp_path / "class" / "alice", upto=4)
    bob = reference_copy(tmp_path / "class" / "bob", upto=4)
    for path in bob.glob("*.py"):
        path.write_text(_disguise(path.read_text()))
    dave = reference_copy(tmp_path / "class" / "dave", upto=0)
    stub = (dave / "numeric.py").read_text()
    (dave / "numeric.py").write_text(stub[: stub.index("def numerical_derivative")] + OWN_NUMERIC)
    reference_copy(tmp_path / "class" / "erin", upto=0)  # did nothing
    done = subprocess.run(
        [sys.executable, "-m", "grader", "similarity", str(tmp_path / "class"), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "without any: erin" in done.stdout
    rows = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open()))
    assert (rows[0]["first"], rows[0]["second"]) == ("alice", "bob") and float(rows[0]["contained"]) > 0.95
    by_pair = {(r["first"], r["second"]): float(r["contained"]) for r in rows}
    assert by_pair[("alice", "(reference)")] > 0.95  # steps 1-4 copied from the reference, whole
    assert by_pair[("alice", "dave")] < 0.2 and by_pair[("dave", "(reference)")] < 0.2
    assert alice.exists()


def test_containment_sees_a_partial_copy() -> None:
    assert containment({1, 2}, {1, 2, 3, 4, 5, 6}) == 1.0 and containment({1}, {2}) == 0.0
