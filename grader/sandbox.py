"""Run the grader's child on one submission, isolated, limited, and always cleaned up.

Every child is a fresh interpreter started with `-I -S -B` (no user site, no site-packages, no
bytecode written), with an environment built here, in a fresh working folder holding a copy of
the submission's package only. Inside it, kata/harness/child.py sets resource limits (memory, CPU,
file size, open files, processes) before any student code runs, and reports over a pipe of its
own. Here, the parent enforces a wall-clock limit per check, caps what it reads, validates the
protocol strictly, kills the whole process group, and sweeps up descendants that tried to escape.

Where bubblewrap (`bwrap`) works, the child runs inside it: no network, its own PID namespace
(everything in it dies with it), an unprivileged user, and a filesystem holding only /usr (minus
the kata's own folder, if it lives there), the Python runtime (its site-packages hidden), the
harness and the submission copy (read-only) and an empty /tmp. The reference solution, other
submissions and the output folder are not there.

Who the child is. A grader running as root never lets student code run as root: each running
child gets a uid of its own (CHILD_UIDS, locked across every grader on the machine, so two batches
at once never share one), its working folder is writable by that uid only and the submission copy
is read-only to it. Without bubblewrap that needs a Python the unprivileged uid can run: this
one, or the same version in /usr/bin or /usr/local/bin (or $KATA_CHILD_PYTHON); if there is none
(a pyenv under /root), the grader refuses to start rather than run student code as root. A grader
running as an ordinary user without bubblewrap runs children as that user (it warns: they can read
what it can, and touch each other's folders).

Memory. A child may use `Limits.memory` bytes of address space, and may not start a second
process or thread (`Limits.processes` = 1: with its own uid, RLIMIT_NPROC counts only it), so the
cap holds for the submission as a whole. That works the same on a laptop, in CI and in Gradescope's
Docker image, where cgroups are usually read-only. Not counted: files it writes to a RAM-backed
folder (bubblewrap's /tmp is a 64 MiB tmpfs; without bubblewrap, /dev/shm), which the grader
deletes when the child ends.
"""

from __future__ import annotations

import compileall
import contextlib
import ctypes
import fcntl
import json
import os
import pwd
import re
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kata.paths import PACKAGE, ROOT

NOBODY = 65534  # the uid inside bubblewrap's user namespace, when the grader is not root
CHILD_UIDS = range(64100, 64900)  # uids for children of a root grader (any that is a real user is skipped)
SANDBOX_PYTHON = Path("/opt/python")
SHARED_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))  # where any uid may leave files
MAX_NESTING = 64  # levels of lists and objects in one message (the child's encoder stops at 51)


class Refused(Exception):
    """Children cannot be run safely here: the grader must not start (the message says why and what to do)."""


class Interrupted(Exception):
    """The batch was asked to stop (Ctrl-C): the child was killed before it finished."""


STOP = threading.Event()  # set once by the command line on Ctrl-C; every running child is then stopped


@dataclass(frozen=True)
class Limits:
    """What one child may use. The wall-clock budget per check comes from the manifest or --timeout."""

    memory: int = 1024 * 1024 * 1024  # bytes of address space
    file_size: int = 8 * 1024 * 1024  # bytes per file it writes (its printed output included)
    open_files: int = 64
    processes: int = 1  # no fork, no thread: the memory cap is the whole submission's (module docstring)
    channel: int = 16 * 1024 * 1024  # bytes of results the parent reads at most
    output_shown: int = 2000  # characters of the student's own output quoted in feedback


@dataclass
class ChildRun:
    """What one child did: its results, where it stopped, and why."""

    results: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # case -> ("result"|"error", payload)
    running: int | None = None  # the case that had started and not finished when the child stopped
    ended: str = "done"  # done | timeout | exited | violation | interrupted
    detail: str = ""  # exit status, or what broke the protocol
    init_error: dict[str, Any] | None = None
    importing: str = ""  # the module being imported when the child stopped
    import_errors: dict[str, dict[str, Any]] = field(default_factory=dict)  # module -> the exception its import raised
    output: str = ""  # the tail of what the student's code printed
    seconds: float = 0.0
    hello: bool = False  # the step's process started (said hello): before that, no student code ran


# ---- Processes: registry, stray sweep ----------------------------------------------------------------

_ACTIVE: set[int] = set()
_LOCK = threading.Lock()


def enable_subreaper() -> bool:
    """Become the parent of orphaned descendants (Linux), so that escaped processes can be swept."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat_file:
                fields = stat_file.read().rsplit(")", 1)[1].split()
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


# ---- Unprivileged uids, one per running child ------------------------------------------------------------


def _lock_folder() -> Path:
    """A folder only root can write, for the uid locks shared by every grader on this machine."""
    for folder in (Path("/run/kata-grader"), Path(tempfile.gettempdir()) / "kata-grader-uids"):
        with contextlib.suppress(FileExistsError, FileNotFoundError, PermissionError):
            os.mkdir(folder, 0o700)
        try:
            info = os.lstat(folder)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
            return folder
    raise Refused(
        "no safe folder for the child uid locks: /run/kata-grader and "
        f"{Path(tempfile.gettempdir()) / 'kata-grader-uids'} are missing or not root's own (mode 0700); remove them"
    )


class UidPool:
    """Unprivileged uids for the children of a root grader: one per running child, never shared by two
    children at once, even across graders (each uid is an flock'ed file in a root-only folder)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or _lock_folder()
        self.held: dict[int, IO[str]] = {}
        self.lock = threading.Lock()
        users = {entry.pw_uid for entry in pwd.getpwall()}  # once: a lookup per uid reads the whole file each time
        self.candidates = [uid for uid in CHILD_UIDS if uid not in users]

    def representative(self) -> int:
        """A uid like those children get (for probing what they can reach)."""
        return self.candidates[0]

    def acquire(self) -> int:
        with self.lock:
            for uid in self.candidates:
                if uid in self.held:
                    continue
                handle = open(self.folder / f"{uid}.lock", "a", encoding="utf-8")  # noqa: SIM115 - kept while held
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                self.held[uid] = handle
                return uid
        raise RuntimeError(f"all {len(self.candidates)} child uids are in use")

    def release(self, uid: int) -> None:
        with self.lock:
            handle = self.held.pop(uid, None)
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def _sweep_files(uid: int) -> None:
    """Delete what a finished child left in the folders every uid may write to (found by its owner)."""
    for folder in SHARED_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


# ---- Interpreters the child may run --------------------------------------------------------------------


@dataclass(frozen=True)
class Interpreter:
    path: Path  # the real executable
    base: Path  # its sys.base_prefix, resolved: the runtime bubblewrap must show


def _candidates() -> list[Path]:
    """Pythons the child may run, in order of preference: $KATA_CHILD_PYTHON alone if it is set, else this
    one, then the same version where every user can usually run it."""
    chosen = os.environ.get("KATA_CHILD_PYTHON")
    if chosen:
        return [Path(chosen)]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found: list[Path] = []
    for path in (Path(os.path.realpath(sys.executable)), Path("/usr/bin") / version, Path("/usr/local/bin") / version):
        if path.exists() and Path(os.path.realpath(path)) not in found:
            found.append(Path(os.path.realpath(path)))
    return found


def _describe(path: Path) -> tuple[Interpreter | None, str]:
    """The interpreter at path (asked as this user), or None and why it cannot be a child's."""
    code = "import json, os, sys; print(json.dumps([os.path.realpath(sys.base_prefix), list(sys.version_info[:2])]))"
    try:
        done = subprocess.run([str(path), "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
        base, version = json.loads(done.stdout)
    except (OSError, ValueError, TypeError, subprocess.TimeoutExpired) as error:
        return None, f"{path} does not run ({type(error).__name__})"
    if tuple(version) != sys.version_info[:2]:
        wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
        return None, f"{path} is Python {version[0]}.{version[1]}, the grader runs {wanted}: use the same version"
    return Interpreter(Path(os.path.realpath(path)), Path(base)), ""


# What a probe child runs first: argv is [-c, uid, harness, ...]; inside bubblewrap, where it starts
# as root, it drops to the uid as the real child does.
_PRELUDE = (
    "import json, os, sys\n"
    "uid = int(sys.argv[1])\n"
    "if uid >= 0 and os.geteuid() == 0:\n"
    "    os.setgroups([]); os.setgid(uid); os.setuid(uid)\n"
)
# What it does to prove the harness can run: import what the harness imports, say who it is.
_PROBE = (
    "sys.path.insert(0, sys.argv[2])\n"
    + "import math, kata.harness.child, kata.harness.probes\n"
    + "print(json.dumps({'uid': os.getuid()}))\n"
)


def run_as(uid: int, python: Path, code: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `python -I -S -B -c code arguments` as the unprivileged uid (the grader being root)."""
    return subprocess.run(
        [str(python), "-I", "-S", "-B", "-c", code, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        user=uid,
        group=uid,
        extra_groups=[],
    )


# ---- The sandbox ------------------------------------------------------------------------------------------


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


CHILD = "kata/harness/child.py"  # the child's script, inside the harness folder


@dataclass
class Sandbox:
    """How children are started: inside bubblewrap or without it, as whom, with which Python."""

    bwrap: str | None
    harness: Path  # a folder holding the kata's sandbox package, kata/harness (read-only for the child)
    interpreter: Interpreter
    uids: UidPool | None = None  # a root grader's children's uids; None: children run as this user
    hidden: tuple[Path, ...] = ()  # folders under /usr that bubblewrap must not show (the kata's own)
    why_not: str = ""  # why bubblewrap is not used, when it is not

    @property
    def isolated(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        who = "each child as an unprivileged uid of its own" if self.uids else "children as this user"
        if self.isolated:
            return f"sandboxed with bubblewrap (no network, own PID namespace, minimal filesystem; {who})"
        return f"NOT sandboxed: {self.why_not}; {who}, Python {self.interpreter.path}"

    def command(self, job: Path) -> list[str]:
        base, python = self.interpreter.base, self.interpreter.path
        if not self.isolated:
            return [str(python), "-I", "-S", "-B", str(self.harness / CHILD)]
        inside = base if base.is_relative_to("/usr") else SANDBOX_PYTHON
        assert self.bwrap is not None
        command = [self.bwrap, "--die-with-parent", "--new-session"]
        if self.uids:
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
        for folder in self.hidden:
            command += ["--tmpfs", str(folder)]
        for name in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
            path = Path(name)
            if path.is_symlink():
                command += ["--symlink", os.readlink(path), name]
            elif path.is_dir():
                command += ["--ro-bind", name, name]
        if inside != base:
            # bwrap makes missing parent folders mode 0700: open them, or an unprivileged uid cannot reach the stdlib
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

    def run_code(self, code: str, *arguments: str, scratch: Path) -> subprocess.CompletedProcess[str]:
        """Run Python code exactly where and as whom a child would run (bubblewrap or not, the child's uid,
        the child's Python); sys.argv is [-c, uid, harness, *arguments]. For probes, never student code."""
        uid = self.uids.representative() if self.uids else -1
        if not self.isolated:
            command = [str(self.interpreter.path), "-I", "-S", "-B", "-c", _PRELUDE + code]
            command += [str(uid), str(self.harness), *arguments]
            if uid < 0:
                return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")
            return run_as(uid, self.interpreter.path, _PRELUDE + code, str(uid), str(self.harness), *arguments)
        job = Path(tempfile.mkdtemp(prefix="probe-", dir=scratch))
        try:
            (job / "pkg").mkdir()
            command = self.command(job)
            command[-4:] = ["-I", "-S", "-B", "-c", _PRELUDE + code, str(uid), "/harness", *arguments]
            return subprocess.run(command, capture_output=True, text=True, timeout=60)
        finally:
            shutil.rmtree(job, ignore_errors=True)

    def probe(self, scratch: Path) -> str:
        """'' if a child started this way can run the harness as the uid children get, else why not."""
        uid = self.uids.representative() if self.uids else -1
        if not self.isolated and uid < 0:
            return ""
        try:
            done = self.run_code(_PROBE, scratch=scratch)
        except (OSError, subprocess.SubprocessError) as error:
            where = "bwrap" if self.isolated else f"{self.interpreter.path} as uid {uid}"
            return f"{where} could not start ({error})"
        try:
            who = json.loads(done.stdout.strip().splitlines()[-1])["uid"]
        except (ValueError, IndexError, KeyError, TypeError):
            return f"{(done.stderr or done.stdout).strip()[-300:] or f'exit status {done.returncode}'}"
        return "" if uid < 0 or who == uid else f"the probe ran as uid {who}, not {uid}"


def hidden_folders(*folders: Path) -> tuple[Path, ...]:
    """Of the folders that hold secrets or other students' work, those bubblewrap would show (under /usr)."""
    return tuple(sorted({f.resolve() for f in folders if f.resolve().is_relative_to("/usr")}))


def choose(
    harness: Path, scratch: Path, use_bwrap: bool, require_bwrap: bool, hidden: tuple[Path, ...] = ()
) -> Sandbox:
    """The safest way to run children here: bubblewrap if it works; else, for a root grader, an
    unprivileged uid per child with a Python it can run; else (an ordinary user) this user. `hidden`:
    folders bubblewrap must not show (hidden_folders). Raises Refused when the grader must not start."""
    root = os.geteuid() == 0
    uids = UidPool() if root else None
    hidden = tuple(sorted({*hidden, *hidden_folders(ROOT)}))
    interpreters, reasons = [], []
    for path in _candidates():
        interpreter, why = _describe(path)
        if interpreter is None:
            reasons.append(why)
        else:
            interpreters.append(interpreter)
    if not interpreters:
        raise Refused("no Python to run the children with: " + "; ".join(reasons))
    bwrap = shutil.which("bwrap") if use_bwrap else None
    why_not = "--no-sandbox was given" if not use_bwrap else "bwrap is not installed (apt install bubblewrap)"
    if bwrap:
        for interpreter in interpreters:
            sandbox = Sandbox(bwrap, harness, interpreter, uids, hidden)
            why_not = sandbox.probe(scratch)
            if not why_not:
                return sandbox
            why_not = f"bwrap failed here: {why_not}"
    if require_bwrap:
        raise Refused(f"--require-sandbox, but {why_not}")
    if not root:
        return Sandbox(None, harness, interpreters[0], None, hidden, why_not)
    for interpreter in interpreters:
        sandbox = Sandbox(None, harness, interpreter, uids, hidden, why_not)
        problem = sandbox.probe(scratch)
        if not problem:
            return sandbox
        reasons.append(problem)
    raise Refused(
        "the grader runs as root without bubblewrap, so student code must run as an unprivileged user, and "
        f"no Python {sys.version_info.major}.{sys.version_info.minor} here can be run by one ("
        + "; ".join(reasons)
        + "). Install one where every user can run it (apt install python3.11, or a Python outside /root), "
        "or point KATA_CHILD_PYTHON at it, or make bubblewrap work. Student code never runs as root."
    )


def build_harness(scratch: Path) -> Path:
    """Copy what the child needs, the kata's sandbox package (kata/harness) and nothing else, into a
    folder of its own, read-only: no judge, no oracle, no reference (devtests/test_harness.py proves it)."""
    harness = scratch / "harness"
    (harness / "kata").mkdir(parents=True)
    shutil.copy2(ROOT / "kata" / "__init__.py", harness / "kata" / "__init__.py")
    shutil.copytree(
        ROOT / "kata" / "harness", harness / "kata" / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    # compiled once here: a child (python -B) reads bytecode but never writes it, and compiling the
    # harness anew in every child cost more than everything else it does before the student's code
    compileall.compile_dir(harness, quiet=2, workers=1)
    for folder, _, files in os.walk(harness):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return harness


def probe_bwrap(harness: Path) -> tuple[str | None, str]:
    """The bwrap binary if it can run the child's harness here, else None and why not."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-probe-"))
    try:
        os.chmod(scratch, 0o711)
        sandbox = choose(harness, scratch, use_bwrap=True, require_bwrap=True)
    except Refused as error:
        return None, str(error)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sandbox.bwrap, ""


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


def _lay_out_job(job: Path, uid: int | None) -> None:
    """The job folder: only the child's uid (and root) may enter it, the package in it is read-only to the
    child, and tmp/ (its home and working folder) is the only place it may write."""
    for folder, _, files in os.walk(job / "pkg"):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    if uid is None:
        os.chmod(job, 0o700)
        return
    os.chown(job, 0, uid)
    os.chmod(job, 0o750)
    os.chown(job / "tmp", uid, uid)
    os.chmod(job / "tmp", 0o700)


def _status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


Engine = Callable[[dict[str, Any]], dict[str, Any]]  # answers the kata's engine in the child (kata.oracle.evaluator)
STATUS_WAIT = 5.0  # seconds the zygote has to say how a step's process ended, once its channel is closed
HEADER = 16  # bytes of a request's length on the control socket (kata/harness/child.py)


class Zygote:
    """One sandbox for all the steps of one submission.

    It holds the job folder (a copy of the package, read-only to the child), the child's uid, and a
    zygote process started in the sandbox (kata/harness/child.py) that has loaded the harness and
    forks a fresh process for each step: the uid, rlimits, output cap and wall-clock limit apply to
    each step's process exactly as to a child of its own. After a timeout, a protocol violation or an
    interruption, the whole sandbox is killed, and the next step starts a fresh one; so does every
    step after the zygote died or stopped answering (a step may kill it: that costs only that step).
    Use it as a context manager: leaving it kills the sandbox and removes the job folder."""

    def __init__(self, sandbox: Sandbox, package: Path, limits: Limits, scratch: Path) -> None:
        self.sandbox = sandbox
        self.limits = limits
        self.uid = sandbox.uids.acquire() if sandbox.uids else None
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.replies = b""
        self.job = Path(tempfile.mkdtemp(prefix="job-", dir=scratch))
        try:
            _copy_package(package, self.job)
            (self.job / "tmp").mkdir()
            _lay_out_job(self.job, self.uid)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._kill()
        shutil.rmtree(self.job, ignore_errors=True)
        if self.uid is not None and self.sandbox.uids is not None:
            if not self.sandbox.isolated:
                _sweep_files(self.uid)
            self.sandbox.uids.release(self.uid)
            self.uid = None

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.job / "tmp"), "LANG": "C.UTF-8"}
        try:
            with open(self.job / "zygote.txt", "wb") as log, _LOCK:
                self.process = subprocess.Popen(
                    self.sandbox.command(self.job),
                    stdin=theirs.fileno(),
                    stdout=log,
                    stderr=log,
                    cwd=self.job / "tmp",
                    env=env,
                    start_new_session=True,
                )
                _ACTIVE.add(self.process.pid)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.control = ours
        self.replies = b""

    def _kill(self) -> None:
        """Kill the sandbox (the zygote and any step's process in it) and sweep what escaped."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is None:
            return
        _stop(self.process)
        with _LOCK:
            _ACTIVE.discard(self.process.pid)
        self.process = None
        if not self.sandbox.isolated:  # in bubblewrap, nothing outlives its PID namespace: nothing to sweep
            sweep_strays()

    def _send(self, request: dict[str, Any], fds: list[int]) -> bool:
        """Hand a request and its descriptors to the zygote; False if it is gone."""
        if self.process is None or self.control is None or self.process.poll() is not None:
            return False
        data = json.dumps(request).encode()
        try:
            socket.send_fds(self.control, [b"%*d" % (HEADER, len(data))], fds)
            self.control.sendall(data)
        except OSError:
            return False
        return True

    def _status(self, wait: float) -> int | None:
        """How the step's process ended, as the zygote says, or None if it does not say within `wait`."""
        if self.control is None:
            return None
        deadline = time.monotonic() + wait
        with selectors.DefaultSelector() as selector:
            selector.register(self.control, selectors.EVENT_READ)
            while b"\n" not in self.replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or len(self.replies) > 4096:
                    return None
                if not selector.select(timeout=remaining):
                    continue
                try:
                    chunk = self.control.recv(4096)
                except OSError:
                    return None
                if not chunk:
                    return None
                self.replies += chunk
        line, self.replies = self.replies.split(b"\n", 1)
        try:
            status = json.loads(line)["status"]
        except (ValueError, KeyError, TypeError):
            return None
        return status if type(status) is int else None

    def run(
        self, modules: list[str], cases: list[dict[str, Any]], budget: float, engine: Engine | None = None
    ) -> ChildRun:
        """Import `modules` of the package, then run the probes of `cases`, each within `budget` seconds,
        in a fresh process forked by the zygote (started first if there is none).

        With `engine`, the child runs the student's modules on the kata's engine (kata.harness.tracer),
        and `engine` answers its questions (values and gradients) over a reply pipe.
        Raises Interrupted if the batch is stopped (Ctrl-C) before the child finishes."""
        for attempt in range(2):
            if STOP.is_set():
                raise Interrupted
            fresh = self.process is None
            if fresh:
                self._start()
            run = self._attempt(modules, cases, budget, engine)
            if run is not None:
                return run
            # the zygote could not start this step (it died, or was stopped, after the last one)
            self._kill()
            if fresh or attempt:
                break
        run = ChildRun(ended="exited", detail="the sandbox did not start", output=_tail(self.job / "zygote.txt", 2000))
        return run

    def _attempt(
        self, modules: list[str], cases: list[dict[str, Any]], budget: float, engine: Engine | None
    ) -> ChildRun | None:
        """The step run by a fork of the zygote; None if the zygote never started it."""
        limits = self.limits
        run = ChildRun()
        read_end, write_end = os.pipe()
        reply_read, reply_write = os.pipe() if engine is not None else (-1, -1)
        output = os.open(self.job / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        request = {
            "package_dir": self.sandbox.package_dir(self.job),
            "package": PACKAGE,
            "kata_engine": engine is not None,
            "modules": modules,
            "cases": cases,
            "drop_to": self.uid,
            "scratch": "/tmp" if self.sandbox.isolated else str(self.job / "tmp"),
            "limits": {
                "memory": limits.memory,
                "file_size": limits.file_size,
                "open_files": limits.open_files,
                "processes": limits.processes,
                "core": 0,
                "cpu": int(budget * max(len(cases), 1) + 10),
            },
        }
        started = time.monotonic()
        try:
            sent = self._send(request, [write_end, output] + ([reply_read] if engine is not None else []))
        finally:
            os.close(write_end)
            os.close(output)
            if engine is not None:
                os.close(reply_read)
        try:
            if not sent:
                return None
            _read_channel(read_end, len(cases), budget, limits, run, engine, reply_write)
        finally:
            os.close(read_end)
            if engine is not None:
                os.close(reply_write)
        run.seconds = time.monotonic() - started
        if run.ended in ("done", "exited"):
            status = self._status(STATUS_WAIT)
            if status is None:  # the zygote died or stopped answering: the next step gets a fresh sandbox
                process = self.process
                self._kill()
                if run.ended == "exited" and not run.hello:
                    return None  # the step never started: the zygote was gone before it
                if run.ended == "exited":
                    run.detail = _status(process.returncode if process is not None else None)
            elif run.ended == "exited":
                run.detail = _status(status)
        else:  # timeout, violation, interrupted: nothing in this sandbox is trusted to carry on
            self._kill()
        run.output = _tail(self.job / "output.txt", limits.output_shown)
        if not self.sandbox.isolated and self.uid is not None:
            _sweep_files(self.uid)
        if run.ended == "interrupted":
            raise Interrupted
        return run


def _stop(process: subprocess.Popen[bytes]) -> None:
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


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # a JSON string, escapes included
_INNERMOST = re.compile(rb"\[\]|\{\}")  # an empty list or object
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def _nesting(line: bytes) -> int:
    """How many levels of lists and objects a line of valid JSON holds (at most MAX_NESTING + 1): its
    brackets outside strings, emptied from the innermost out, one level per pass (each pass in C, as
    the whole message would otherwise be walked in Python, item by item)."""
    brackets = _STRING.sub(b"", line).translate(None, _NOT_BRACKET)
    depth = 0
    while brackets and depth <= MAX_NESTING:
        brackets = _INNERMOST.sub(b"", brackets)
        depth += 1
    return depth


def _too_deep(line: bytes) -> bool:
    """Whether a line of valid JSON nests more than MAX_NESTING levels (no more brackets than that, in
    strings or not, cannot: most lines are answered by counting)."""
    return line.count(b"[") + line.count(b"{") > MAX_NESTING and _nesting(line) > MAX_NESTING


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
        self.asked: dict[str, Any] | None = None  # the last message was a question for the engine

    def parse(self, line: bytes) -> tuple[dict[str, Any] | None, str]:
        """(message, '') for a well-formed line, else (None, what is wrong with it). Any line at all,
        however long, deep or broken, gets an answer here: never an exception."""
        try:
            message = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            return None, "a line that is not JSON (or nested too deeply to read)"
        if _too_deep(line):
            return None, f"a message nested more than {MAX_NESTING} levels deep"
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            return None, "a message that is not an event"
        return message, ""

    def accept(self, line: bytes) -> str:
        """'' when the message is valid and expected, else what is wrong with it."""
        message, problem = self.parse(line)
        if message is None:
            return problem
        event = message["event"][:40]
        self.asked = None
        if self.stage == "hello":
            if event != "hello":
                return f"'{event}' before 'hello'"
            self.stage = "ready"
            self.run.hello = True
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
                return f"'start' of case {message.get('i')!r:.20} when case {self.next} was due"
            self.run.running = self.next
            self.stage = "running"
        elif event == "ask" and self.stage == "running" and self.engine and message.get("i") == self.next:
            self.asked = message
        elif event in ("result", "error") and self.stage == "running":
            payload = message.get("obs" if event == "result" else "error")
            if message.get("i") != self.next or not isinstance(payload, dict):
                return f"a malformed '{event}' for case {message.get('i')!r:.20}"
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


def _answer(fd: int, reply: dict[str, Any], deadline: float) -> bool:
    """Write one line to the reply pipe before the deadline (the child may not read it)."""
    data = (json.dumps(reply, separators=(",", ":")) + "\n").encode()
    try:
        data = data[os.write(fd, data[:65536]) :]  # most answers fit the pipe at once: no selector needed
    except BlockingIOError:
        pass
    except OSError:
        return False
    if not data:
        return True
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
            if STOP.is_set():
                run.ended, run.detail = "interrupted", "the grader was interrupted"
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.ended, run.detail = "timeout", f"no answer within {budget:g} s"
                return
            if not selector.select(timeout=min(remaining, 0.2)):
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
