"""The child's JSON encoder: exact built-in types only.

A student's object can lie about itself (a float subclass with a custom __repr__, a dict subclass
whose items() does something else), so only the exact types int, float, str, bool, None, list,
tuple and dict are written as JSON; anything else is written as a description. Taken before any
student code runs, like every builtin this module relies on.
"""

from __future__ import annotations

_type = type
_str, _int, _float, _bool, _list, _tuple, _dict = str, int, float, bool, list, tuple, dict
_float_repr = float.__repr__
_int_repr = int.__repr__
_ord = ord
_len = len
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_DEPTH = 40


def _encode_str(text: str) -> str:
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
    kind = _type(value)
    if depth > MAX_DEPTH:
        return '"<too deep>"'
    if kind is _bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is _int:
        return _int_repr(value) if -(2**63) < value < 2**63 else _float_repr(_float(value))  # type: ignore[operator,arg-type]
    if kind is _float:
        text = _float_repr(value)
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)
    if kind is _str:
        return _encode_str(value)  # type: ignore[arg-type]
    if kind is _list or kind is _tuple:
        return "[" + ",".join(encode(v, depth + 1) for v in value) + "]"  # type: ignore[attr-defined]
    if kind is _dict:
        items = _dict.items(value)  # type: ignore[arg-type]
        return "{" + ",".join(f"{_encode_str(_str(k))}:{encode(v, depth + 1)}" for k, v in items) + "}"
    return _encode_str(f"<{kind.__name__}>")
