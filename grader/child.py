"""The grader's child: runs the catalogue's probes on one submission and reports raw values.

Started by grader.sandbox as `python -I -S -B child.py`, inside bubblewrap when available. It
never decides a verdict: it only reports what the student's code returned (plain numbers,
strings, lists), or how it failed, over its own channel (a pipe the parent passes). Nothing
the student prints reaches that channel through stdout or stderr.

Order matters, because the student's code may patch anything it can reach once it runs:
1. import everything the harness needs (standard library and kata's probe modules);
2. read the request from stdin, then close stdin;
3. apply the resource limits, and drop to an unprivileged user if started as root;
4. only then import the student's package, case by case;
5. write "done" and leave with os._exit, so no atexit hook or finaliser of theirs runs after.

Protocol, one JSON object per line on the channel:
    {"event": "hello"}
    {"event": "import", "module": "engine"}  then  {"event": "imported", "module": "engine"[, "error": {...}]}
    {"event": "start", "i": 0}   then   {"event": "result", "i": 0, "obs": {...}}
                                  or    {"event": "error", "i": 0, "error": {...}}
    {"event": "done"}
"""

import os
import sys

if __name__ == "__main__":  # run as the sandboxed script: the harness folder holds the kata package
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contextlib
import json
import resource
import signal
from pathlib import Path

from kata.checks import REGISTRY
from kata.observe import Implementation, describe_exception, register_package

CHANNEL = -1  # set from the request: the pipe the parent passed
_write = os.write
_exit = os._exit
_float_repr = float.__repr__
_type = type
_str, _int, _float, _bool, _list, _tuple, _dict = str, int, float, bool, list, tuple, dict
_NONE = type(None)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _encode_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def encode(value: object, depth: int = 0) -> str:
    """JSON for exact built-in types only: a subclass or any other object is described, not trusted."""
    kind = _type(value)
    if depth > 50:
        return '"<too deep>"'
    if kind is _bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is _int:
        return str(value) if -(2**63) < value < 2**63 else _float_repr(_float(value))
    if kind is _float:
        text = _float_repr(value)
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)
    if kind is _str:
        return _encode_str(value)
    if kind is _list or kind is _tuple:
        return "[" + ",".join(encode(v, depth + 1) for v in value) + "]"
    if kind is _dict:
        return "{" + ",".join(f"{_encode_str(_str(k))}:{encode(v, depth + 1)}" for k, v in value.items()) + "}"
    return _encode_str(f"<{kind.__name__}>")


def send(message: dict) -> None:
    data = (encode(message) + "\n").encode("utf-8", "replace")
    while data:
        written = _write(CHANNEL, data)
        data = data[written:]


def limit(limits: dict) -> None:
    """Resource limits for this process and everything it starts (set before any student code)."""
    table = {
        "cpu": resource.RLIMIT_CPU,
        "memory": resource.RLIMIT_AS,
        "file_size": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
        "processes": resource.RLIMIT_NPROC,
        "core": resource.RLIMIT_CORE,
    }
    for name, value in limits.items():
        if name in table and value is not None:
            # ValueError/OSError: e.g. RLIMIT_AS on macOS; the parent's wall-clock limit still applies
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(table[name], (value, value))
    # writing past the file-size limit then fails with an OSError instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def drop_privileges(uid: int) -> None:
    if os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("could not drop root privileges")


def main() -> None:
    global CHANNEL
    request = json.loads(sys.stdin.buffer.readline(16 * 1024 * 1024))
    CHANNEL = request["channel"]
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    limit(request.get("limits", {}))
    if request.get("drop_to") is not None:
        drop_privileges(request["drop_to"])
    directory = request["package_dir"]
    send({"event": "hello"})
    try:
        register_package("micrograd", directory, run_init=True)
    except BaseException as error:  # noqa: BLE001 - a broken __init__ is reported, and the modules tried one by one
        send({"event": "init-error", "error": describe_exception(error, Path(directory))})
        register_package("micrograd", directory, run_init=False)
    student = Implementation("micrograd", directory)
    for name in request.get("modules", []):
        send({"event": "import", "module": name})
        try:
            student.load(name)
        except BaseException as error:  # noqa: BLE001 - reported; the checks that need it will say so too
            send({"event": "imported", "module": name, "error": describe_exception(error, Path(directory))})
        else:
            send({"event": "imported", "module": name})
    for i, case in enumerate(request["cases"]):
        send({"event": "start", "i": i})
        check = REGISTRY[case["key"]]
        try:
            observation = check.probe(student, case["args"])
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            send({"event": "error", "i": i, "error": describe_exception(error, Path(directory))})
        else:
            send({"event": "result", "i": i, "obs": observation})
    send({"event": "done"})


if __name__ == "__main__":
    try:
        main()
    finally:
        _exit(0)
