"""nbgrader and our grader agree on every notebook of the bug zoo (devtests/nbgrader_agreement.py), and the
course's test cells add up to each step's points exactly."""

from pathlib import Path

from devtests.nbgrader_agreement import compare
from grader.grading import shares
from grader.notebooks import case_points
from kata.catalogue import PUBLIC_SEED
from kata.manifest import load
from kata.oracle.draw import cases


def test_nbgrader_and_our_grader_agree_on_every_zoo_notebook(tmp_path: Path) -> None:
    problems, count, unfit = compare(tmp_path)
    assert not unfit, f"zoo entries whose edits do not fit their notebook: {unfit}"
    assert count == len(__import__("grader.zoo", fromlist=["bugs"]).bugs())
    assert not problems, "\n".join(problems)


def test_every_case_is_worth_its_share_and_the_steps_add_up_exactly() -> None:
    for step in load().steps:
        drawn = cases(step.number, PUBLIC_SEED)
        points = case_points(step, drawn)
        assert sum(points) == step.points or abs(sum(points) - step.points) < 1e-9, (step.number, sum(points))
        assert all(round(p, 4) == p for p in points)
        exact = shares(step, drawn, ["passed"] * len(drawn))
        assert all(abs(p - float(e)) < 0.0001 for p, e in zip(points, exact))  # one unit of the 4th decimal at most
