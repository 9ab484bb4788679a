"""The child's channel: only exact built-in types cross it, and only in the one order the parent accepts."""

import json
import math
from collections.abc import Sequence

import pytest

from grader.sandbox import ChildRun, _Protocol
from kata.harness.wire import encode


class Liar(float):
    def __eq__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "1.0"


def test_only_exact_builtin_types_are_encoded_as_values() -> None:
    text = encode({"a": 1.5, "b": Liar(2.0), "c": [True, None, 'x\n"y"', math.nan, -math.inf, 3]})
    data = json.loads(text)
    assert data["a"] == 1.5 and data["b"] == "<Liar>" and data["c"][:3] == [True, None, 'x\n"y"']
    assert math.isnan(data["c"][3]) and data["c"][4] == -math.inf and data["c"][5] == 3


def _feed(lines: Sequence[object], count: int = 2) -> tuple[str, ChildRun]:
    run = ChildRun()
    protocol = _Protocol(count, run)
    for line in lines:
        assert isinstance(line, (dict, bytes))
        problem = protocol.accept(json.dumps(line).encode() if isinstance(line, dict) else line)
        if problem:
            return problem, run
    return "", run


GOOD = [
    {"event": "hello"},
    {"event": "import", "module": "engine"},
    {"event": "imported", "module": "engine"},
    {"event": "start", "i": 0},
    {"event": "result", "i": 0, "obs": {}},
    {"event": "start", "i": 1},
    {"event": "error", "i": 1, "error": {"type": "X"}},
    {"event": "done"},
]


def test_the_one_valid_sequence_is_accepted() -> None:
    problem, run = _feed(GOOD)
    assert problem == "" and set(run.results) == {0, 1}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([{"event": "result", "i": 0, "obs": {}}], "before 'hello'"),
        ([GOOD[0], {"event": "start", "i": 1}], "when case 0 was due"),
        ([GOOD[0], GOOD[3], GOOD[4], GOOD[4]], "unexpected 'result'"),
        ([GOOD[0], GOOD[3], {"event": "result", "i": 0, "obs": "fake"}], "malformed"),
        ([GOOD[0], b"PASS 100/100"], "not JSON"),
        ([GOOD[0], {"event": "done"}], "unexpected 'done'"),
        ([*GOOD[:5], GOOD[1]], "unexpected 'import'"),
    ],
)
def test_anything_else_is_a_violation(lines: list[dict[str, object] | bytes], expected: str) -> None:
    problem, _ = _feed(lines)
    assert expected in problem


def test_a_question_for_the_kata_engine_is_accepted_only_while_its_case_runs_on_that_engine() -> None:
    ask = {"event": "ask", "i": 0, "want": "values", "vids": [0], "add": []}
    protocol = _Protocol(2, ChildRun(), engine=True)
    for line in GOOD[:4]:
        assert protocol.accept(json.dumps(line).encode()) == ""
    assert protocol.accept(json.dumps(ask).encode()) == "" and protocol.asked is not None
    assert protocol.accept(json.dumps({**ask, "i": 1}).encode()) != ""  # not its case
    steps_1_to_4 = _Protocol(2, ChildRun(), engine=False)
    for line in GOOD[:4]:
        steps_1_to_4.accept(json.dumps(line).encode())
    assert "unexpected 'ask'" in steps_1_to_4.accept(json.dumps(ask).encode())


def test_the_evaluator_refuses_what_breaks_its_rules_and_never_raises() -> None:
    from kata.oracle.evaluator import Evaluation

    evaluation = Evaluation()
    assert "error" in evaluation.answer({"add": [[5, "leaf", 1.0]], "want": "values", "vids": [5]})
    assert "error" in evaluation.answer({"add": [[0, "system", None, []]], "want": "values", "vids": [0]})
    assert "error" in evaluation.answer({"add": [[0, "leaf", "1"]], "want": "values", "vids": [0]})
    assert "error" in evaluation.answer("not a record")
    ok = evaluation.answer({"add": [[0, "leaf", 2.0], [1, "tanh", None, [0]]], "want": "values", "vids": [1]})
    assert ok == {"values": [math.tanh(2.0)]}
    grads = evaluation.answer({"add": [], "want": "backward", "root": 1,
                               "objects": [[1, 1, 0.0, [0], "tanh", None], [0, 0, 0.0, [], "", None]]})  # fmt: skip
    assert grads["grads"][0] == 1.0 and math.isclose(grads["grads"][1], 1 - math.tanh(2.0) ** 2)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"[" * 100_000, "not JSON"),  # deeper than the JSON reader recurses: RecursionError inside it
        (b'{"event": "hello", "x": ' + b"[" * 70 + b"]" * 70 + b"}", "levels"),
        (b'{"event": "hello", "x": ' + b'{"a": ' * 900 + b"1" + b"}" * 900 + b"}", "levels"),
        (b"\xff\xfe{not even text", "not JSON"),
        (b"1" * 5000, "not JSON"),  # an integer too long to convert
    ],
)
def test_any_line_at_all_is_answered_never_raised(line: bytes, expected: str) -> None:
    """A child can write anything to its channel (it holds the pipe): every line gets a verdict, none an
    exception in the parent (which used to become "internal grader error" with no feedback)."""
    problem, _ = _feed([line])
    assert expected in problem


def test_a_legitimately_deep_observation_is_accepted() -> None:
    deep: list[object] = []
    for _ in range(50):  # the child's encoder stops at this depth
        deep = [deep]
    problem, run = _feed([GOOD[0], GOOD[3], {"event": "result", "i": 0, "obs": {"x": deep}}])
    assert problem == "" and 0 in run.results


def test_long_event_names_are_cut_in_the_message() -> None:
    problem, _ = _feed([{"event": "x" * 100_000}])
    assert len(problem) < 200
