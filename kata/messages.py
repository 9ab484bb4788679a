"""Words for a student: an exception, a stub left in place, a check that ran out of time.

kata.harness.observe turns an exception into plain data (type, message, file, line, function, source);
this module turns that data into a short paragraph a student can act on. It uses the standard
library only and never imports the student's code, so the grader's parent can use it too.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNREADABLE = ("SyntaxError", "IndentationError", "TabError")  # Python cannot even read the file
IMPORT_ERRORS = ("ModuleNotFoundError", "ImportError")


def where(info: dict[str, Any]) -> str:
    """'engine.py line 45, in __mul__' for a described exception, or '' if unknown."""
    if "file" not in info:
        return ""
    text = f"{info['file']} line {info.get('line', '?')}"
    if info.get("function"):
        text += f", in {info['function']}"
    return text


def explain(info: dict[str, Any]) -> str:
    """One friendly paragraph about a described exception (no traceback)."""
    kind, message = info.get("type", "Exception"), info.get("message", "")
    place = where(info)
    lines = [(f"{kind}: {message}" if message else kind) + (f"  ({place})" if place else "")]
    if info.get("source"):
        lines.append(f"    {info['source']}")
    hint = _hint(info)
    if hint:
        lines.append(f"    hint: {hint}")
    return "\n".join(lines)


def _hint(info: dict[str, Any]) -> str:
    kind, message = info.get("type", ""), info.get("message", "")
    if kind in UNREADABLE:
        return "Python cannot read this file: fix the line above (look at the line before it too)."
    if kind in IMPORT_ERRORS:
        return (
            "an import failed. The kata uses the standard library only; import your own modules "
            "relatively (from .engine import Value)."
        )
    if kind == "MissingName":
        return "restore the original name: the checks and the grader call it by that name."
    if kind == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'", message):
        return "a plain number reached code that expects a Value: wrap it in a Value first (Value(other))."
    if kind == "AttributeError" and "Did you mean" in message:
        return "a misspelt name? Python suggests the closest one it knows."
    if kind == "AttributeError" and "object has no attribute" in message:
        return (
            "check the spelling, and that the attribute is set before it is used (a Value sets data, grad, "
            "_prev, _op, _backward and label in __init__)."
        )
    if kind == "NameError":
        return "a name used before it was defined (or misspelt): define it, or import it at the top of the file."
    if kind == "RecursionError":
        return (
            "too deep for recursion: Python stops at about 1000 nested calls. Use a loop with an "
            "explicit stack (a list you append to and pop from)."
        )
    if kind == "OverflowError":
        return (
            "a number grew beyond float range, typically math.exp of a large number. Use a form "
            "that never exponentiates a large positive number (see make hint)."
        )
    if kind == "TypeError" and "unsupported operand" in message:
        return (
            "an operator is missing: Python numbers mixed with Values need the reflected ops (__radd__, __rsub__, ...)."
        )
    if kind == "MemoryError":
        return "the code used too much memory (an ever-growing list? a graph that never stops?)."
    return ""


# ---- Python's own "Did you mean" -----------------------------------------------------------------


def did_you_mean(error: BaseException) -> str:
    """Python's suggestion for a misspelt attribute or name ("Did you mean: 'data'?"), or ''.

    Python 3.12 puts it in traceback.format_exception_only; 3.11 prints it only in the interpreter's
    own traceback, so here it is computed the same way from the names the object (or frame) has.
    """
    if not isinstance(error, AttributeError | NameError):
        return ""
    try:
        found = re.search(r"Did you mean:? [^\n]*\?", "".join(traceback.format_exception_only(error)))
    except Exception:  # noqa: BLE001 - a student's exception may fail to format
        found = None
    if found:
        return found.group(0)
    name = getattr(error, "name", None)
    if not isinstance(name, str) or not name:
        return ""
    try:
        if isinstance(error, AttributeError):
            candidates = [c for c in dir(getattr(error, "obj", None)) if isinstance(c, str)]
        else:
            frame = error.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            scope = frame.tb_frame if frame is not None else None
            candidates = [*(scope.f_locals if scope else {}), *(scope.f_globals if scope else {}), *dir(builtins)]
    except Exception:  # noqa: BLE001 - a student's __dir__ may raise anything
        return ""
    close = difflib.get_close_matches(name, [c for c in candidates if c != name], n=1, cutoff=0.75)
    return f"Did you mean: '{close[0]}'?" if close else ""


# ---- Code written below a stub's raise -----------------------------------------------------------


def _is_scaffold(statement: ast.stmt) -> bool:
    """A statement the stubs keep after a step's raise: the nested `def _backward():`, the line
    `out._backward = _backward` and `return out`. Anything else there was written by the student."""
    if isinstance(statement, ast.FunctionDef):
        return statement.name == "_backward"
    if isinstance(statement, ast.Assign):
        target = statement.targets[0] if len(statement.targets) == 1 else None
        return isinstance(target, ast.Attribute) and target.attr == "_backward"
    return isinstance(statement, ast.Return) and isinstance(statement.value, ast.Name)


def _blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def code_below_stub(source: str, line: int) -> int:
    """The first line of code written below the stub raise on `line` (which then never runs), or 0."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return 0
    for block in _blocks(tree):
        for index, statement in enumerate(block):
            if isinstance(statement, ast.Raise) and statement.lineno == line:
                after = block[index + 1 :]
                while after and _is_scaffold(after[-1]):
                    after = after[:-1]
                return after[0].lineno if after else 0
    return 0


def function_at(source: str, line: int) -> str:
    """The qualified name of the innermost function holding the line ("Value.__mul__._backward")."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    found = ""

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal found
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if child.lineno <= line <= (child.end_lineno or child.lineno):
                    if not isinstance(child, ast.ClassDef):
                        found = name
                    visit(child, name + ".")

    visit(tree, "")
    return found


def stub_left_in_place(directory: Path, info: dict[str, Any]) -> str:
    """For a stub's NotImplementedError: the message to show when the student wrote the code below the
    raise but did not delete the raise ('' when the code below it is the stub's own)."""
    file, line = info.get("file"), info.get("line")
    if not file or not line:
        return ""
    try:
        source = (Path(directory) / file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    written = code_below_stub(source, int(line))
    if not written:
        return ""
    step = info.get("stub_step", "?")
    name = function_at(source, int(line)) or info.get("function", "")
    if name.endswith("._backward"):
        name = f"the _backward closure of {name.removesuffix('._backward')}"
    function = f" (in {name})" if name else ""
    return (
        f"Step {step}: delete the `raise NotImplementedError(...)` on line {line} of {file}{function}: "
        f"your code below it (from line {written}) never runs while that line is there."
    )


# ---- A check that ran out of time --------------------------------------------------------------------

FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')
TIMEOUT_BANNER = "+++++ Timeout +++++"


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    source: str = ""


@dataclass(frozen=True)
class TimeoutStack:
    """Where the main thread was when pytest-timeout stopped a test."""

    frames: tuple[Frame, ...]  # outermost first
    student: tuple[Frame, ...]  # the frames in the tested package (relative file names)

    @property
    def in_student_code(self) -> bool:
        return bool(self.student)

    def innermost(self) -> Frame | None:
        return self.frames[-1] if self.frames else None


def parse_timeout_dump(output: str, package: Path) -> TimeoutStack | None:
    """The main thread's stack from pytest-timeout's dump in output (None if there is no dump)."""
    start = output.find(TIMEOUT_BANNER)
    if start < 0:
        return None
    lines = output[start:].splitlines()[1:]
    frames: list[Frame] = []
    in_main = True
    for i, text in enumerate(lines):
        if text.startswith("~~~") and "Stack of" in text:
            in_main = "MainThread" in text
            continue
        if TIMEOUT_BANNER in text:
            break
        match = FRAME.match(text)
        if match and in_main:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            source = following.strip() if following.startswith("    ") and not FRAME.match(following) else ""
            frames.append(Frame(match["file"], int(match["line"]), match["function"], source))
    root = Path(package).resolve()
    student = []
    for frame in frames:
        try:
            relative = Path(frame.file).resolve().relative_to(root)
        except (ValueError, OSError):
            continue
        student.append(Frame(str(relative), frame.line, frame.function, frame.source))
    return TimeoutStack(tuple(frames), tuple(student))


def _short(frame: Frame) -> str:
    path = Path(frame.file)
    parts = path.parts
    for anchor in ("kata", "tests", "hypothesis", "_pytest"):
        if anchor in parts:
            path = Path(*parts[len(parts) - 1 - parts[::-1].index(anchor) :])
            break
    return f"{path} line {frame.line}, in {frame.function}"


def explain_timeout(stack: TimeoutStack | None, step: int, budget: float, test: str) -> list[str]:
    """The lines that say why a test did not finish, from where it was when it was stopped."""
    head = f"{test} did not finish within the step's budget of {budget:g} s."
    if stack is not None and stack.in_student_code:
        inner = stack.student[-1]
        lines = [
            head,
            f"  Your code was still running: {inner.file} line {inner.line}, in {inner.function}"
            + (f":  {inner.source}" if inner.source else ""),
        ]
        callers = [f for f in stack.student[:-1]][-3:]
        lines += [f"    called from {f.file} line {f.line}, in {f.function}" for f in reversed(callers)]
        lines.append(
            f"  Likely cause: an infinite loop (or code that is far too slow) in your step {step} code: a while "
            "loop whose condition never changes, a traversal that revisits nodes because it keeps no visited "
            "set, a list that grows while you walk it."
        )
        return lines
    lines = [head]
    frame = stack.innermost() if stack is not None else None
    if frame is not None:
        lines.append(f"  It was not inside your code when it was stopped, but in {_short(frame)}.")
    lines.append(
        "  The check ran out of time. If this happens again, tell your instructor (and the machine may simply "
        "be very busy: run it again when it is quieter)."
    )
    return lines
