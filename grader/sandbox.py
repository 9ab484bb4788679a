"""Run the grader's child on one submission, isolated, limited, and always cleaned up.

Every child is a fresh interpreter started with `-I -S -B` (no user site, no site-packages, no
bytecode written), with an environment built here, in a fresh working folder holding a copy of
the submission's package only. Inside it, kata/harness/child.py sets resource limits (memory, CPU,
file size, open files, processes) before any student code runs, and reports over a pipe of its
own. Here, the parent enforces a wall-clock limit per check, caps what it reads, validates the
protocol strictly, kills the whole process group, and sweeps up descendants that tried to escape.

Where bubblewrap (`bwrap`) works, the child runs inside it: no network, its own PID namespace
(everything in it dies with it), an unprivileged user, and a filesystem holding only /usr, the
Python runtime (its site-packages hidden), the harness and the submission copy (read-only) and
an empty /tmp. The reference solution, other submissions and the output folder are not there.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kata.paths import PACKAGE, ROOT

NOBODY = 65534
SANDBOX_PYTHON = Path("/opt/python")


@dataclass(frozen=True)
class Limits:
    """What one child may use. The wall-clock budget per check comes from the manifest or --timeout."""

    memory: int = 1024 * 1024 * 1024  # bytes of address space
    file_size: int = 8 * 1024 * 1024  # bytes per file it writes (its printed output included)
    open_files: int = 64
    processes: int = 32  # binds only for an unprivileged user, which the sandbox provides
    channel: int = 16 * 1024 * 1024  # bytes of results the parent reads at most
    output_shown: int = 2000  # characters of the student's own output quoted in feedback


@dataclass
class ChildRun:
    """What one child did: its results, where it stopped, and why."""

    results: dict[int, tuple[str, dict]] = field(default_factory=dict)  # case -> ("result"|"error", payload)
    running: int | None = None  # the case that had started and not finished when the child stopped
    ended: str = "done"  # done | timeout | exited | violation
    detail: str = ""  # exit status, or what broke the protocol
    init_error: dict | None = None
    importing: str = ""  # the module being imported when the child stopped
    import_errors: dict[str, dict] = field(default_factory=dict)  # module -> the exception its import raised
    output: str = ""  # the tail of what the student's code printed
    seconds: float = 0.0


# ---- Processes: registry, stray sweep ----------------------------------------------------------------

_ACTIVE: set[int] = set()
_LOCK = threading.Lock()


def enable_subreaper() -> bool:
    """Become the parent of orphaned descendants (Linux), so that escaped processes can be swept."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def sweep_strays() -> int:
    """Kill and reap every child of the grader that is not a child it is waiting for; return how many."""
    swept = 0
    for _ in range(20):
        with _LOCK:
            strays = [pid for pid in _children_of(os.getpid()) if pid not in _ACTIVE]
            for pid in strays:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        swept += len(strays)
        if not strays:
            break
        time.sleep(0.01)
    return swept


# ---- The sandbox ------------------------------------------------------------------------------------------


def _real_python() -> tuple[Path, Path]:
    """(base prefix, real interpreter) of the running Python, seen through any virtualenv."""
    return Path(sys.base_prefix).resolve(), Path(os.path.realpath(sys.executable))


def _site_dirs(base: Path) -> list[Path]:
    paths = sysconfig.get_paths(vars={"base": str(base), "platbase": str(base)})
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = {
        Path(paths["purelib"]),
        Path(paths["platlib"]),
        Path("/usr/lib/python3/dist-packages"),
        Path(f"/usr/local/lib/{version}/dist-packages"),
        Path(f"/usr/local/lib/{version}/site-packages"),
        Path(f"/usr/lib/{version}/site-packages"),
    }
    return sorted(p for p in candidates if p.is_dir())


def _world_traversable(path: Path) -> bool:
    """Can an unprivileged user reach path (every folder above it searchable by others)?"""
    for parent in [path, *path.parents]:
        try:
            if not parent.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


@dataclass
class Sandbox:
    """How children are started: inside bubblewrap, or (warned about) without it."""

    bwrap: str | None
    harness: Path  # a folder holding the kata's sandbox package, kata/harness (copied, read-only for the child)
    root: bool = field(default_factory=lambda: os.geteuid() == 0)

    @property
    def isolated(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        if self.isolated:
            return "sandboxed with bubblewrap (no network, own PID namespace, unprivileged user, minimal filesystem)"
        return "NOT sandboxed: bubblewrap is unavailable, so student code can read and write what this user can"

    @property
    def drop_to(self) -> int | None:
        """The uid the child switches to itself (when started as root)."""
        if not self.root:
            return None
        if self.isolated:
            return NOBODY
        base, _ = _real_python()
        return NOBODY if _world_traversable(base) and _world_traversable(self.harness) else None

    def command(self, job: Path) -> list[str]:
        base, python = _real_python()
        if not self.isolated:
            return [str(python), "-I", "-S", "-B", str(self.harness / CHILD)]
        inside = base if base.is_relative_to("/usr") else SANDBOX_PYTHON
        command = [self.bwrap, "--die-with-parent", "--new-session"]
        if self.root:
            # no user namespace: the child drops to a real unprivileged uid itself, so RLIMIT_NPROC binds
            command += [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--cap-drop",
                "ALL",
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
            ]
        else:
            command += ["--unshare-all", "--uid", str(NOBODY), "--gid", str(NOBODY)]
        command += ["--ro-bind", "/usr", "/usr"]
        for name in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
            path = Path(name)
            if path.is_symlink():
                command += ["--symlink", os.readlink(path), name]
            elif path.is_dir():
                command += ["--ro-bind", name, name]
        if inside != base:
            # bwrap makes missing parent folders mode 0700: open them, or uid 65534 cannot reach the stdlib
            for parent in reversed(inside.parents[:-1]):
                command += ["--perms", "0755", "--dir", str(parent)]
            command += ["--ro-bind", str(base), str(inside)]
        for site in _site_dirs(base):
            command += ["--tmpfs", str(inside / site.relative_to(base)) if site.is_relative_to(base) else str(site)]
        command += [
            "--ro-bind",
            str(self.harness),
            "/harness",
            "--ro-bind",
            str(job / "pkg"),
            "/submission",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--size",
            str(64 * 1024 * 1024),
            "--tmpfs",
            "/tmp",
            "--chdir",
            "/tmp",
            "--clearenv",
            "--setenv",
            "PATH",
            "/usr/bin:/bin",
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "LANG",
            "C.UTF-8",
            str(inside / python.relative_to(base)),
            "-I",
            "-S",
            "-B",
            f"/harness/{CHILD}",
        ]
        return command

    def package_dir(self, job: Path) -> str:
        return f"/submission/{PACKAGE}" if self.isolated else str(job / "pkg" / PACKAGE)


CHILD = "kata/harness/child.py"  # the child's script, inside the harness folder


def build_harness(scratch: Path) -> Path:
    """Copy what the child needs, the kata's sandbox package (kata/harness) and nothing else, into a
    folder of its own: no judge, no oracle, no reference (devtests/test_harness.py proves it)."""
    harness = scratch / "harness"
    (harness / "kata").mkdir(parents=True)
    shutil.copy2(ROOT / "kata" / "__init__.py", harness / "kata" / "__init__.py")
    shutil.copytree(
        ROOT / "kata" / "harness", harness / "kata" / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    _open_up(harness, writable=False)
    return harness


def _open_up(path: Path, writable: bool) -> None:
    """Let an unprivileged uid read (and, if writable, write) a folder tree the grader made."""
    for folder, _, files in os.walk(path):
        os.chmod(folder, 0o1777 if writable else 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


def probe_bwrap(harness: Path) -> tuple[str | None, str]:
    """The bwrap binary if it can run the child's Python here, else None and why not."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return None, "bwrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    sandbox = Sandbox(bwrap, harness)
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as scratch:
        job = Path(scratch)
        (job / "pkg").mkdir()
        command = sandbox.command(job)
        command[-4:] = ["-I", "-S", "-c", "import json, math, os; print(os.getuid())"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"bwrap could not start: {error}"
    if done.returncode != 0:
        return None, f"bwrap failed here: {(done.stderr or done.stdout).strip()[:300]}"
    return bwrap, ""


# ---- One child ----------------------------------------------------------------------------------------------


def _copy_package(source: Path, job: Path) -> None:
    target = job / "pkg" / PACKAGE
    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_symlink() or "__pycache__" in relative.parts:
            continue
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)


def _status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


Engine = Callable[[dict], dict]  # answers the kata's engine in the child (kata.oracle.evaluator)


def run_child(
    sandbox: Sandbox,
    package: Path,
    modules: list[str],
    cases: list[dict],
    budget: float,
    limits: Limits,
    scratch: Path,
    engine: Engine | None = None,
) -> ChildRun:
    """Import `modules` of the package, then run the probes of `cases`, each within `budget` seconds.

    With `engine`, the child runs the student's modules on the kata's engine (kata.harness.tracer),
    and `engine` answers its questions (values and gradients) over a reply pipe."""
    run = ChildRun()
    job = Path(tempfile.mkdtemp(prefix="job-", dir=scratch))
    try:
        _copy_package(package, job)
        (job / "tmp").mkdir()
        _open_up(job, writable=True)
        read_end, write_end = os.pipe()
        reply_read, reply_write = os.pipe() if engine is not None else (-1, -1)
        request = {
            "package_dir": sandbox.package_dir(job),
            "channel": write_end,
            "package": PACKAGE,
            "reply": reply_read,
            "kata_engine": engine is not None,
            "modules": modules,
            "cases": cases,
            "drop_to": sandbox.drop_to,
            "limits": {
                "memory": limits.memory,
                "file_size": limits.file_size,
                "open_files": limits.open_files,
                "processes": limits.processes,
                "core": 0,
                "cpu": int(budget * max(len(cases), 1) + 10),
            },
        }
        env = {"PATH": "/usr/bin:/bin", "HOME": str(job / "tmp"), "LANG": "C.UTF-8"}
        started = time.monotonic()
        with open(job / "output.txt", "wb") as output, _LOCK:
            try:
                process = subprocess.Popen(
                    sandbox.command(job),
                    stdin=subprocess.PIPE,
                    stdout=output,
                    stderr=output,
                    pass_fds=(write_end,) if engine is None else (write_end, reply_read),
                    cwd=job / "tmp",
                    env=env,
                    start_new_session=True,
                )
            finally:
                os.close(write_end)
                if engine is not None:
                    os.close(reply_read)
            _ACTIVE.add(process.pid)
        try:
            _send_request(process, request)
            _read_channel(process, read_end, len(cases), budget, limits, run, engine, reply_write)
        finally:
            os.close(read_end)
            if engine is not None:
                os.close(reply_write)
            _stop(process)
            with _LOCK:
                _ACTIVE.discard(process.pid)
            sweep_strays()
        run.seconds = time.monotonic() - started
        if run.ended == "exited":
            run.detail = _status(process.returncode)
        run.output = _tail(job / "output.txt", limits.output_shown)
    finally:
        shutil.rmtree(job, ignore_errors=True)
    return run


def _send_request(process: subprocess.Popen, request: dict) -> None:
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError, OSError):
        process.stdin.write((json.dumps(request) + "\n").encode())
        process.stdin.close()


def _stop(process: subprocess.Popen) -> None:
    """Kill the child's whole process group and reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            data = handle.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)
    return ("..." if size > limit else "") + text


class _Protocol:
    """The only sequence of messages a child may send:
    hello, [init-error], (import m, imported m)*, (start i, ask i*, result|error i)*, done.
    (ask: only for a child on the kata's engine, while its case runs.)"""

    def __init__(self, count: int, run: ChildRun, engine: bool = False) -> None:
        self.count = count
        self.run = run
        self.next = 0
        self.stage = "hello"
        self.engine = engine
        self.asked: dict | None = None  # the last message was a question for the engine

    def accept(self, line: bytes) -> str:
        """'' when the message is valid and expected, else what is wrong with it."""
        try:
            message = json.loads(line)
        except ValueError:
            return "a line that is not JSON"
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            return "a message that is not an event"
        event = message["event"]
        self.asked = None
        if self.stage == "hello":
            if event != "hello":
                return f"'{event}' before 'hello'"
            self.stage = "ready"
        elif event == "init-error" and self.stage == "ready" and self.next == 0 and self.run.init_error is None:
            self.run.init_error = message.get("error") if isinstance(message.get("error"), dict) else {}
        elif event == "import" and self.stage == "ready" and self.next == 0 and isinstance(message.get("module"), str):
            self.run.importing = message["module"]
            self.stage = "importing"
        elif event == "imported" and self.stage == "importing" and message.get("module") == self.run.importing:
            if isinstance(message.get("error"), dict):
                self.run.import_errors[self.run.importing] = message["error"]
            self.run.importing = ""
            self.stage = "ready"
        elif event == "start" and self.stage == "ready":
            if message.get("i") != self.next or self.next >= self.count:
                return f"'start' of case {message.get('i')!r} when case {self.next} was due"
            self.run.running = self.next
            self.stage = "running"
        elif event == "ask" and self.stage == "running" and self.engine and message.get("i") == self.next:
            self.asked = message
        elif event in ("result", "error") and self.stage == "running":
            payload = message.get("obs" if event == "result" else "error")
            if message.get("i") != self.next or not isinstance(payload, dict):
                return f"a malformed '{event}' for case {message.get('i')!r}"
            self.run.results[self.next] = (event, payload)
            self.run.running = None
            self.next += 1
            self.stage = "ready"
        elif event == "done" and self.stage == "ready" and self.next == self.count:
            self.stage = "done"
        else:
            return f"an unexpected '{event}' message"
        return ""


def _more_after_done(fd: int, wait: float = 1.0) -> bool:
    """Whether anything but end-of-file follows 'done' (the harness exits right after writing it)."""
    deadline = time.monotonic() + wait
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=max(deadline - time.monotonic(), 0.01)):
                return os.read(fd, 1) != b""
    return False  # still open after a second: the process group is killed next anyway


def _answer(fd: int, reply: dict, deadline: float) -> bool:
    """Write one line to the reply pipe before the deadline (the child may not read it)."""
    data = (json.dumps(reply, separators=(",", ":")) + "\n").encode()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE)
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=min(remaining, 0.5)):
                if remaining <= 0:
                    return False
                continue
            try:
                data = data[os.write(fd, data[:65536]) :]
            except BlockingIOError:
                continue
            except OSError:
                return False
    return True


def _read_channel(
    process: subprocess.Popen,
    fd: int,
    count: int,
    budget: float,
    limits: Limits,
    run: ChildRun,
    engine: Engine | None = None,
    reply: int = -1,
) -> None:
    protocol = _Protocol(count, run, engine is not None)
    buffer = b""
    total = 0
    if reply >= 0:
        os.set_blocking(reply, False)
    deadline = time.monotonic() + budget + 5.0  # starting the interpreter (and bwrap) counts too
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.ended, run.detail = "timeout", f"no answer within {budget:g} s"
                return
            if not selector.select(timeout=min(remaining, 0.5)):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > limits.channel:
                run.ended, run.detail = "violation", f"more than {limits.channel} bytes of results"
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                problem = protocol.accept(line)
                if problem:
                    run.ended, run.detail = "violation", problem
                    return
                if protocol.stage == "done":
                    run.ended = "done"
                    if buffer or _more_after_done(fd):
                        run.ended, run.detail = "violation", "data after 'done'"
                    return
                if protocol.asked is not None and engine is not None:
                    # a question of the kata's engine: answered within the case's own time budget
                    if not _answer(reply, engine(protocol.asked), deadline):
                        run.ended, run.detail = "timeout", f"no answer within {budget:g} s"
                        return
                    continue
                deadline = time.monotonic() + budget
    if buffer:
        run.ended, run.detail = "violation", "a truncated message"
        return
    run.ended = "exited"
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
