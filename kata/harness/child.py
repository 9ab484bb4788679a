"""The grader's child: runs the catalogue's probes on one submission and reports raw values.

Started by grader.sandbox as `python -I -S -B child.py`, inside bubblewrap when available. It never
decides a verdict: it only reports what the student's code returned (plain numbers, strings,
lists), or how it failed, over its own channel (a pipe the parent passes). Nothing the student
prints reaches that channel through stdout or stderr.

Order matters, because the student's code may patch anything it can reach once it runs:
1. import everything the harness needs (standard library and the kata's probe modules), and bind
   the probes of the requested cases;
2. read the request from stdin, then close stdin;
3. apply the resource limits, and drop to an unprivileged user if started as root;
4. only then import the student's package, case by case (for steps 5-7, with the kata's engine in
   place of the student's engine.py: kata.harness.tracer);
5. write "done" and leave with os._exit, so no atexit hook or finaliser of theirs runs after.

Protocol, one JSON object per line on the channel:
    {"event": "hello"}
    {"event": "import", "module": "engine"}  then  {"event": "imported", "module": "engine"[, "error": {...}]}
    {"event": "start", "i": 0}   then   {"event": "result", "i": 0, "obs": {...}}
                                  or    {"event": "error", "i": 0, "error": {...}}
           (while a case runs on the kata's engine: {"event": "ask", "i": 0, ...}, answered by one JSON
            line on the reply pipe)
    {"event": "done"}
"""

import os
import sys

if __name__ == "__main__":  # run as the sandboxed script: the harness folder holds the kata package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import contextlib
import json
import resource
import signal

from kata.harness import tracer
from kata.harness.observe import Implementation, describe_exception, register_package, run_package_init
from kata.harness.probes import PROBES
from kata.harness.probes import step4 as step4_probes
from kata.harness.wire import encode

PACKAGE = "micrograd"  # the request names it (kata.toml's package); this is only its default
CHANNEL = -1  # set from the request: the pipe the parent passed
REPLY = -1  # the pipe the parent answers the kata's engine on
_write = os.write
_read = os.read
_exit = os._exit
_loads = json.loads
_bytes = bytes
MAX_REPLY = 64 * 1024 * 1024


def send(message: dict) -> None:
    data = (encode(message) + "\n").encode("utf-8", "replace")
    while data:
        written = _write(CHANNEL, data)
        data = data[written:]


class _Asker:
    """The kata's engine's evaluator here: the parent, asked over the channel, answering on REPLY."""

    def __init__(self) -> None:
        self.case = -1
        self.buffer = b""

    def __call__(self, message: dict) -> dict:
        send({"event": "ask", "i": self.case, **message})
        while b"\n" not in self.buffer:
            chunk = _read(REPLY, 1 << 16)
            if not chunk or len(self.buffer) > MAX_REPLY:
                raise tracer.EngineError("the grader stopped answering the kata's engine")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        reply = _loads(line)
        return reply if type(reply) is dict else {"error": "a malformed answer"}


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
    global CHANNEL, REPLY
    request = json.loads(sys.stdin.buffer.readline(16 * 1024 * 1024))
    CHANNEL = request["channel"]
    REPLY = request.get("reply", -1)
    cases = request["cases"]
    probes = [PROBES[case["key"]] for case in cases]  # bound before any student code runs
    watch = step4_probes.RecursionLimitWatch()
    watch.install()
    step4_probes.WATCH = watch
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    limit(request.get("limits", {}))
    if request.get("drop_to") is not None:
        drop_privileges(request["drop_to"])
    package = request.get("package", PACKAGE)
    directory = request["package_dir"]
    send({"event": "hello"})
    asker = _Asker()
    register_package(package, directory, run_init=False)
    if request.get("kata_engine"):
        tracer.install(package, asker)
    try:
        run_package_init(package, directory)
    except BaseException as error:  # noqa: BLE001 - a broken __init__ is reported, and the modules tried one by one
        send({"event": "init-error", "error": describe_exception(error, directory)})
    student = Implementation(package, directory)
    for name in request.get("modules", []):
        send({"event": "import", "module": name})
        try:
            student.load(name)
        except BaseException as error:  # noqa: BLE001 - reported; the checks that need it will say so too
            send({"event": "imported", "module": name, "error": describe_exception(error, directory)})
        else:
            send({"event": "imported", "module": name})
    for i, (case, probe) in enumerate(zip(cases, probes)):
        send({"event": "start", "i": i})
        asker.case = i
        try:
            observation = probe(student, case["args"])
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            send({"event": "error", "i": i, "error": describe_exception(error, directory)})
        else:
            send({"event": "result", "i": i, "obs": observation})
    send({"event": "done"})


if __name__ == "__main__":
    try:
        main()
    finally:
        _exit(0)
