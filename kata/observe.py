"""Words for a student about an exception their code raised (described as plain data by
kata.harness.observe, in the student's process or in the grader's child)."""

from __future__ import annotations

import re


def where(info: dict) -> str:
    """'engine.py line 45, in __mul__' for a described exception, or '' if unknown."""
    if "file" not in info:
        return ""
    text = f"{info['file']} line {info.get('line', '?')}"
    if info.get("function"):
        text += f", in {info['function']}"
    return text


def explain(info: dict) -> str:
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


def _hint(info: dict) -> str:
    kind, message = info.get("type", ""), info.get("message", "")
    if kind == "SyntaxError" or kind == "IndentationError":
        return "Python cannot read this file: fix the line above (look at the line before it too)."
    if kind in ("ModuleNotFoundError", "ImportError"):
        return (
            "an import failed. The kata uses the standard library only; import your own modules "
            "relatively (from .engine import Value)."
        )
    if kind == "MissingName":
        return "restore the original name: the checks and the grader call it by that name."
    if kind == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'", message):
        return "a plain number reached code that expects a Value: wrap it in a Value first (Value(other))."
    if kind == "AttributeError" and "object has no attribute" in message:
        return "did you rename or delete it? Every name of the contract must exist (see README.md)."
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
