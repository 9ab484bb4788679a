"""The grader's child: runs the catalogue's probes on one submission and reports raw values.

Started by grader.sandbox as `python -I -S -B child.py`, inside bubblewrap when available, once per
submission: this process is the zygote. It imports the harness (never any student code), then, for
each request the parent sends on its control socket (stdin), forks a fresh process that runs one
step and reports it, waits for that process to end and tells the parent how it ended. Every step
thus starts from the same pristine state, as if a new interpreter had been started for it. The step
never decides a verdict: it only reports what the student's code returned (plain numbers, strings,
lists), or how it failed, over its own channel (a pipe the parent passes with the request). Nothing
the student prints reaches that channel through stdout or stderr.

Order matters in a step's process, because the student's code may patch anything it can reach once
it runs:
1. close every descriptor of the zygote's (its control socket above all) and leave its session;
   bind the probes of the requested cases;
2. apply the resource limits, and drop to an unprivileged user if started as root; empty the
   working folder (what an earlier step left there);
3. only then import the student's package, case by case (for steps 5-7, with the kata's engine in
   place of the student's engine.py: kata.harness.tracer);
4. write "done" and leave with os._exit, so no atexit hook or finaliser of theirs runs after.

Control socket: each request is a 16-byte length, then that many bytes of JSON, the step's
descriptors (channel, output, and the reply pipe for the kata's engine) attached to the length;
after the step's process has ended, the zygote answers one line, {"status": N} (N as
os.waitstatus_to_exitcode gives it). End-of-file on the control socket: the zygote exits.

Protocol of a step, one JSON object per line on the channel:
    {"event": "hello"}
    {"event": "import", "module": "engine"}  then  {"event": "imported", "module": "engine"[, "error": {...}]}
    {"event": "start", "i": 0}   then   {"event": "result", "i": 0, "obs": {...}}
                                  or    {"event": "error", "i": 0, "error": {...}}
           (while a case runs on the kata's engine: {"event": "ask", "i": 0, ...}, answered by one JSON
            line on the reply pipe)
    {"event": "done"}
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # run as the sandboxed script: the harness folder holds the kata package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import contextlib
import fcntl
import gc
import json
import resource
import signal
import socket

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
HEADER = 16  # bytes of a request's length on the control socket
MAX_FD = 1 << 20

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    import ctypes
    from typing import Any


def _libc() -> ctypes.CDLL | None:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


_LIBC = _libc() if os.geteuid() != 0 else None  # only a zygote that is not root needs prctl


_PENDING: list[bytes] = []  # messages written with the next one (one write, one wake-up of the parent)


def send(message: dict[str, Any], later: bool = False) -> None:
    """Write a message on the channel; with `later`, together with the next one. Only a message after which
    no student code runs before the next send may wait: the parent always knows what was running."""
    data = (encode(message) + "\n").encode("utf-8", "replace")
    if later:
        _PENDING.append(data)
        return
    if _PENDING:
        data = b"".join(_PENDING) + data
        _PENDING.clear()
    while data:
        written = _write(CHANNEL, data)
        data = data[written:]


class _Asker:
    """The kata's engine's evaluator here: the parent, asked over the channel, answering on REPLY."""

    def __init__(self) -> None:
        self.case = -1
        self.buffer = b""

    def __call__(self, message: dict[str, Any]) -> dict[str, Any]:
        send({"event": "ask", "i": self.case, **message})
        while b"\n" not in self.buffer:
            chunk = _read(REPLY, 1 << 16)
            if not chunk or len(self.buffer) > MAX_REPLY:
                raise tracer.EngineError("the grader stopped answering the kata's engine")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        reply = _loads(line)
        return reply if type(reply) is dict else {"error": "a malformed answer"}


def limit(limits: dict[str, Any]) -> None:
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


def wipe(folder: str) -> None:
    """Empty a working folder of what an earlier step's process left there (its own files: it ran as the
    same uid), without following links."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                wipe(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue


def step(request: dict[str, Any], channel: int, output: int, reply: int) -> None:
    """One step, in a process forked from the zygote: never returns (the caller leaves with os._exit)."""
    global CHANNEL, REPLY
    os.setsid()  # a session of its own, apart from the zygote's
    # above every number used below first, so that no dup2 overwrites a descriptor still to be moved
    channel, output, reply = (fcntl.fcntl(fd, fcntl.F_DUPFD, 16) if fd >= 0 else -1 for fd in (channel, output, reply))
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(channel, 3)
    CHANNEL = 3
    if reply >= 0:
        os.dup2(reply, 4)
    REPLY = 4 if reply >= 0 else -1
    os.closerange(REPLY + 1 if reply >= 0 else 4, MAX_FD)  # nothing else of the zygote's stays open
    _undumpable(False)
    cases = request["cases"]
    probes = [PROBES[case["key"]] for case in cases]  # bound before any student code runs
    watch = step4_probes.RecursionLimitWatch()
    watch.install()
    step4_probes.WATCH = watch
    limit(request.get("limits", {}))
    if request.get("drop_to") is not None:
        drop_privileges(request["drop_to"])
    scratch = request.get("scratch")
    if scratch:
        wipe(scratch)
        with contextlib.suppress(OSError):
            os.makedirs(scratch, exist_ok=True)
            os.chdir(scratch)
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
        send({"event": "init-error", "error": describe_exception(error, directory)}, later=True)
    student = Implementation(package, directory)
    for name in request.get("modules", []):
        send({"event": "import", "module": name})
        try:
            student.load(name)
        except BaseException as error:  # noqa: BLE001 - reported; the checks that need it will say so too
            send({"event": "imported", "module": name, "error": describe_exception(error, directory)}, later=True)
        else:
            send({"event": "imported", "module": name}, later=True)
    for i, (case, probe) in enumerate(zip(cases, probes)):
        send({"event": "start", "i": i})
        asker.case = i
        try:
            observation = probe(student, case["args"])
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            send({"event": "error", "i": i, "error": describe_exception(error, directory)}, later=True)
        else:
            send({"event": "result", "i": i, "obs": observation}, later=True)
    send({"event": "done"})


def _undumpable(flag: bool) -> None:
    """PR_SET_DUMPABLE: a zygote that is not root is made undumpable, so that a step's process (the same
    uid) cannot ptrace it or write its memory; a step's process gets back the default."""
    if _LIBC is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        _LIBC.prctl(4, 0 if flag else 1, 0, 0, 0)


def _receive(control: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """The next request and its descriptors, or None when the parent has closed the socket."""
    header, fds, _, _ = socket.recv_fds(control, HEADER, 3)
    while header and len(header) < HEADER:
        more = control.recv(HEADER - len(header))
        if not more:
            break
        header += more
    if len(header) < HEADER:
        for fd in fds:
            os.close(fd)
        return None
    size = int(header)
    data = bytearray()
    while len(data) < size:
        chunk = control.recv(min(size - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return json.loads(data), fds


def zygote() -> None:
    """Fork a fresh process for every request, one at a time, until the parent closes the socket."""
    control = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # never a step's: a step reads nothing
    os.close(devnull)
    if os.geteuid() != 0:
        _undumpable(True)
    gc.freeze()  # what is loaded now is shared with every fork, never copied
    while True:
        received = _receive(control)
        if received is None:
            return
        request, fds = received
        if len(fds) < 2:
            raise SystemExit("a request without its channel and output")
        channel, output, reply = fds[0], fds[1], fds[2] if len(fds) > 2 else -1
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                step(request, channel, output, reply)
            finally:
                _exit(0)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)  # anything it left in its session (it cannot fork, but still)
        control.sendall(b'{"status": %d}\n' % os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    try:
        zygote()
    finally:
        _exit(0)
