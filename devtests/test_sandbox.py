"""The sandbox's zygote (grader/sandbox.py Zygote, kata/harness/child.py): one sandbox per submission,
a fresh process forked per step. A step that kills or stops the zygote, or a sandbox killed from
outside, costs only that step: the next one gets a fresh sandbox. The red team (devtests/redteam)
attacks the same through the command line; here the zygote is driven directly, also as the same
user as its steps (which a root grader never does: there, a step cannot signal the zygote at all).

No verdict here depends on the machine's speed: every budget is far more than the steps need, and the
only wait is the zygote's own STATUS_WAIT after it was stopped."""

import os
import signal
import sys
from pathlib import Path

import pytest

from grader.sandbox import (
    Interpreter,
    Limits,
    Sandbox,
    Zygote,
    _children_of,
    build_harness,
    choose,
    enable_subreaper,
)
from kata.paths import PACKAGE

BUDGET = 60.0


def _package(folder: Path, numeric: str) -> Path:
    package = folder / "submission" / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "numeric.py").write_text(numeric)
    (package / "engine.py").write_text("import os\n\nPID = os.getpid()\n")
    return package


def _same_user(harness: Path) -> Sandbox:
    """Steps run as this user, with no sandbox: a step can signal the zygote it was forked from."""
    real = Path(os.path.realpath(sys.executable))
    return Sandbox(None, harness, Interpreter(real, Path(os.path.realpath(sys.base_prefix))))


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    enable_subreaper()
    folder = tmp_path_factory.mktemp("harness")
    os.chmod(folder, 0o711)
    return build_harness(folder)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP])
def test_a_step_that_kills_or_stops_the_zygote_costs_only_itself(harness: Path, tmp_path: Path, sig: int) -> None:
    os.chmod(tmp_path, 0o711)
    code = f"import os\n\nos.kill(os.getppid(), {int(sig)})\n"
    package = _package(tmp_path, code)
    with Zygote(_same_user(harness), package, Limits(), tmp_path) as zygote:
        first = zygote.run(["numeric"], [], BUDGET)
        assert first.ended == "done" and not first.import_errors, first  # its own step still counts
        assert zygote.process is None  # the zygote is gone (or stopped): it was killed and swept
        for _ in range(2):  # the next steps run in a fresh zygote
            run = zygote.run(["engine"], [], BUDGET)
            assert run.ended == "done" and not run.import_errors, run
            assert zygote.process is not None


def test_a_sandbox_killed_between_steps_is_started_afresh(harness: Path, tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o711)
    package = _package(tmp_path, "X = 1\n")
    sandbox = choose(harness, tmp_path, use_bwrap=True, require_bwrap=False)
    with Zygote(sandbox, package, Limits(), tmp_path) as zygote:
        assert zygote.run(["numeric"], [], BUDGET).ended == "done"
        assert zygote.process is not None
        os.killpg(zygote.process.pid, signal.SIGKILL)
        zygote.process.wait()  # killed, not being killed: on a busy machine the signal lands a moment later
        run = zygote.run(["engine"], [], BUDGET)
        assert run.ended == "done" and not run.import_errors, run


def test_each_step_is_a_fresh_process_of_the_same_zygote(harness: Path, tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o711)
    package = _package(tmp_path, "import os\n\nos._exit(3)\n")
    sandbox = choose(harness, tmp_path, use_bwrap=True, require_bwrap=False)
    with Zygote(sandbox, package, Limits(), tmp_path) as zygote:
        crashed = zygote.run(["numeric"], [], BUDGET)
        assert crashed.ended == "exited" and crashed.detail == "exit code 3", crashed
        started = zygote.process
        assert zygote.run(["engine"], [], BUDGET).ended == "done"
        assert zygote.process is started  # a crash costs its own process, not the zygote


def test_leaving_the_zygote_leaves_no_process(harness: Path, tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o711)
    package = _package(tmp_path, "X = 1\n")
    sandbox = choose(harness, tmp_path, use_bwrap=True, require_bwrap=False)
    with Zygote(sandbox, package, Limits(), tmp_path) as zygote:
        zygote.run(["numeric"], [], BUDGET)
        assert zygote.process is not None
        pid = zygote.process.pid
    assert not zygote.job.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert pid not in _children_of(os.getpid())
