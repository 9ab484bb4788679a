"""The child's JSON encoder: exact built-in types only.

A student's object can lie about itself (a float subclass with a custom __repr__, a dict subclass
whose items() does something else), so only the exact types int, float, str, bool, None, list,
tuple and dict are written as JSON; anything else is written as a description. Taken before any
student code runs, like every builtin this module relies on.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    from typing import Any

_type = type
_str, _int, _float, _bool, _list, _tuple, _dict = str, int, float, bool, list, tuple, dict
_float_repr = float.__repr__
_int_repr = int.__repr__
_ord = ord
_len = len
_join = "".join
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN = re.compile('[^\x00-\x1f"\\\\\ud800-\udfff]*').fullmatch  # nothing to escape: written as it is
_SPECIAL_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
MAX_DEPTH = 40
_LIMIT = 2**63


def _encode_str(text: str) -> str:
    if _PLAIN(text) is not None:
        return '"' + text + '"'
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _ord(ch) < 0x20 or 0xD800 <= _ord(ch) <= 0xDFFF:
            out.append(f"\\u{_ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def encode(value: object, depth: int = 0) -> str:
    """JSON for exact built-in types only: a subclass or any other object is described, not trusted.
    Deeper than MAX_DEPTH, a value is replaced by a marker (the parent parses what it is sent)."""
    out: list[str] = []
    _encode(value, depth, out)
    return _join(out)


def _encode(value: object, depth: int, out: list[str]) -> None:
    """encode(), written into out (one list for the whole message: no string built per level)."""
    if depth > MAX_DEPTH:
        out.append('"<too deep>"')
        return
    kind = _type(value)
    item: Any  # exact types only are written as such: checked item by item below
    if kind is _float:
        text = _float_repr(value)
        out.append(_SPECIAL_FLOATS.get(text, text))
    elif kind is _int:
        out.append(_int_repr(value) if -_LIMIT < value < _LIMIT else _float_repr(_float(value)))  # type: ignore[operator,arg-type]
    elif kind is _list or kind is _tuple:
        out.append("[")
        inner = depth + 1
        first = True
        scalars = inner <= MAX_DEPTH
        append = out.append
        for item in value:  # type: ignore[attr-defined]
            if first:
                first = False
            else:
                append(",")
            sort = _type(item)  # the common scalars written here, without a call per item
            if sort is _int and scalars and -_LIMIT < item < _LIMIT:
                append(_int_repr(item))
            elif sort is _float and scalars:
                text = _float_repr(item)
                append(_SPECIAL_FLOATS.get(text, text))
            elif sort is _str and scalars:
                append('"' + item + '"' if _PLAIN(item) is not None else _encode_str(item))
            else:
                _encode(item, inner, out)
        append("]")
    elif kind is _str:
        out.append(_encode_str(value))  # type: ignore[arg-type]
    elif kind is _bool:
        out.append("true" if value else "false")
    elif value is None:
        out.append("null")
    elif kind is _dict:
        out.append("{")
        inner = depth + 1
        first = True
        key: object
        for key, item in _dict.items(value):  # type: ignore[arg-type]
            if first:
                first = False
            else:
                out.append(",")
            out.append(_encode_str(_str(key)))
            out.append(":")
            _encode(item, inner, out)
        out.append("}")
    else:
        out.append(_encode_str(f"<{kind.__name__}>"))
