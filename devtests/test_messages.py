"""kata.messages: the words for a student, checked one by one (no suite is run here)."""

import textwrap
from pathlib import Path

import pytest

from kata.messages import (
    code_below_stub,
    did_you_mean,
    explain,
    explain_timeout,
    function_at,
    parse_timeout_dump,
    stub_left_in_place,
)
from kata.numbers import show

STUB = "raise NotImplementedError('Step 3: add this op (make hint STEP=3)')"
ENGINE = textwrap.dedent(
    f"""
    class Value:
        def __mul__(self, other):
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                {STUB}
                self.grad += other.data * out.grad

            out._backward = _backward
            return out

        def __add__(self, other):
            {STUB}

            def _backward():
                {STUB}

            out._backward = _backward
            return out
    """
)


def _line(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[occurrence - 1]


def test_code_written_below_a_stub_is_found_and_the_stubs_own_scaffold_is_not() -> None:
    assert code_below_stub(ENGINE, _line(ENGINE, "raise", 1)) == _line(ENGINE, "self.grad += other.data")
    assert code_below_stub(ENGINE, _line(ENGINE, "raise", 2)) == 0  # def _backward, out._backward =, return out
    assert code_below_stub(ENGINE, _line(ENGINE, "raise", 3)) == 0


def test_the_message_says_which_line_to_delete(tmp_path: Path) -> None:
    (tmp_path / "engine.py").write_text(ENGINE)
    line = _line(ENGINE, "raise", 1)
    info = {"type": "NotImplementedError", "stub_step": 3, "file": "engine.py", "line": line, "function": "_backward"}
    message = stub_left_in_place(tmp_path, info)
    assert message.startswith(f"Step 3: delete the `raise NotImplementedError(...)` on line {line} of engine.py")
    assert "the _backward closure of Value.__mul__" in message and f"from line {line + 1}" in message
    assert stub_left_in_place(tmp_path, {**info, "line": _line(ENGINE, "raise", 2)}) == ""


def test_function_at_names_closures_by_their_owner() -> None:
    assert function_at(ENGINE, _line(ENGINE, "self.grad +=")) == "Value.__mul__._backward"
    assert function_at(ENGINE, _line(ENGINE, "def __add__") + 1) == "Value.__add__"
    assert function_at("x = 1\n", 1) == ""


def test_attribute_errors_keep_pythons_did_you_mean() -> None:
    class Value:
        def __init__(self) -> None:
            self.data = 1.0

    with pytest.raises(AttributeError) as caught:
        Value().dat  # type: ignore[attr-defined]  # noqa: B018 - the misspelling is the test
    assert did_you_mean(caught.value) == "Did you mean: 'data'?"
    with pytest.raises(NameError) as misnamed:
        lenn([])  # type: ignore[name-defined]  # noqa: F821
    assert did_you_mean(misnamed.value) == "Did you mean: 'len'?"
    assert did_you_mean(ValueError("x")) == ""


def test_no_message_points_at_a_readme_section() -> None:
    for kind, message in (
        ("AttributeError", "'Value' object has no attribute 'grad'"),
        ("AttributeError", "'Value' object has no attribute 'dat'. Did you mean: 'data'?"),
        ("MissingName", "engine.py has no Value"),
        ("NameError", "name 'lenn' is not defined"),
    ):
        assert "README" not in explain({"type": kind, "message": message})


def test_none_and_raised_exceptions_read_as_words() -> None:
    assert "did you forget `return`?" in show({"not_a_number": "NoneType", "repr": "None"})
    assert show({"raised": "OverflowError"}) == "an OverflowError raised by your code"
    assert show({"raised": "ValueError"}) == "a ValueError raised by your code"


DUMP = """..F
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
~~~~~~~~~~~~~~~~~~~~ Stack of <unknown> (140) ~~~~~~~~~~~~~~~~~~~~~
  File "/usr/lib/python3.11/threading.py", line 1002, in _bootstrap
~~~~~~~~~~~~~~~~~~~~ Stack of MainThread (139) ~~~~~~~~~~~~~~~~~~~~~
  File "{root}/kata/checks/step4.py", line 108, in topological_order
    order = mg.engine.topological_order(nodes[-1])
  File "{package}/engine.py", line 201, in topological_order
    while True:
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
"""


def test_a_timeout_in_the_students_code_is_called_a_loop_and_located(tmp_path: Path) -> None:
    package = tmp_path / "micrograd"
    package.mkdir()
    stack = parse_timeout_dump(DUMP.format(root="/repo", package=package), package)
    assert stack is not None and stack.in_student_code
    text = "\n".join(explain_timeout(stack, 4, 10, "test_check[deep-chain]"))
    assert "engine.py line 201, in topological_order:  while True:" in text and "infinite loop" in text


def test_a_timeout_elsewhere_is_not_blamed_on_the_student(tmp_path: Path) -> None:
    package = tmp_path / "micrograd"
    package.mkdir()
    dump = DUMP.format(root="/repo", package="/somewhere/else")
    stack = parse_timeout_dump(dump, package)
    assert stack is not None and not stack.in_student_code
    text = "\n".join(explain_timeout(stack, 4, 10, "test_your_whole_engine_on_any_graph"))
    assert "infinite loop" not in text and "ran out of time" in text
    assert "not inside your code" in text and "engine.py line 201" in text
    assert parse_timeout_dump("no dump here", package) is None
