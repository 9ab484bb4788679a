"""Gradescope's entry point: grade /autograder/submission, always write /autograder/results/results.json.

    python -m grader autograder [--root /autograder]   (what run_autograder runs)

The root (/autograder) is a setting: --root or $AUTOGRADER_ROOT, for testing on a simulated tree;
$AUTOGRADER_NO_BWRAP=1 grades as if bubblewrap did not work (Gradescope's containers often forbid it).
The seed and per-check timeout come from gradescope.json next to this file, written by `make gradescope`.

The autograder holds two secrets: the oracle that knows every answer (source/kata/oracle) and the seed
(source/grader/gradescope.json). Student code must never run where either is readable, and never as
root. So, before anything else:
1. the seed is read, the oracle imported and the grader's version computed, into this process;
2. the secrets become root's alone (files 0600, folders 0700), the rest of the autograder and the
   results folder read-only to everyone else;
3. once the grader has chosen how children run (bubblewrap, or an unprivileged uid per child with a
   Python that uid can run), a probe running as that uid, with that Python, proves it can read no
   secret and write nothing of the autograder.
If any of this cannot be arranged (the grader is not root and bubblewrap fails; no Python an
unprivileged user can run; the probe reads a secret), nothing is graded, and results.json says the
autograder is misconfigured: not a verdict on the student. If anything else goes wrong, a results.json
that says so is written anyway: Gradescope shows a broken autograder as a silent failure.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata.paths import ROOT

if TYPE_CHECKING:  # imported when grading, inside run(): a results.json is written whatever fails
    from grader.sandbox import Sandbox

CONFIG = Path(__file__).with_name("gradescope.json")
SECRETS = (
    "kata/oracle",
    "grader/gradescope.json",
)  # the answer key and the seed (no reference is shipped)  # relative to the autograder's source folder (ROOT)


class Misconfigured(Exception):
    """The autograder cannot grade safely as installed; the message says why, for the instructor."""


def settings() -> dict[str, Any]:
    try:
        config = json.loads(CONFIG.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Misconfigured(f"cannot read {CONFIG.name} ({error}): rebuild the zip with make gradescope") from None
    if not isinstance(config, dict) or not isinstance(config.get("seed"), int):
        raise Misconfigured(f"{CONFIG.name} has no seed: rebuild the zip with make gradescope")
    from grader.outputs import DETAILS, VISIBILITIES

    if config.get("visibility", "visible") not in VISIBILITIES or config.get("details", "full") not in DETAILS:
        raise Misconfigured(f"{CONFIG.name} has an unknown visibility or details: rebuild the zip with make gradescope")
    return config


def _results(results: Path, output: str, extra: dict[str, Any]) -> None:
    from grader.records import write_atomic

    document = {
        "score": 0,
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": extra,
        "tests": [],
    }
    write_atomic(results, json.dumps(document, indent=1) + "\n")


def fallback(results: Path, why: str) -> None:
    _results(
        results,
        "The autograder could not grade this submission: " + why + "\n"
        "This is not a verdict on your code. Resubmit once, and if it happens again, tell your "
        "instructor (the autograder's log has the details).",
        {"failed": True},
    )


def misconfigured(results: Path, why: str) -> None:
    _results(
        results,
        "The autograder could not grade this submission: it is misconfigured, so it refused to run any "
        "student code. This is not a verdict on your code: tell your instructor.\n"
        "For the instructor: " + why,
        {"misconfigured": True},
    )


# ---- Keeping the secrets ----------------------------------------------------------------------------------


def load_secrets() -> None:
    """Everything the grader needs from the secrets, into this process before they are locked away: every
    module of the oracle and the grader version (the seed is in settings())."""
    import kata.oracle
    from grader.records import grader_version

    grader_version()
    for module in pkgutil.iter_modules(kata.oracle.__path__, "kata.oracle."):
        importlib.import_module(module.name)


def _tree(path: Path) -> list[Path]:
    """path and everything under it, links included, never followed."""
    if path.is_symlink() or not path.is_dir():
        return [path] if os.path.lexists(path) else []
    found = [path]
    for folder, dirs, files in os.walk(path):
        found += [Path(folder) / name for name in dirs + files]
    return found


def seal(source: Path) -> tuple[list[Path], list[Path]]:
    """Make the secrets root's alone and the rest of the autograder read-only to others. Returns what a
    child must not read (the secrets, every file of them) and what it must not write."""
    secrets = [p for name in SECRETS for p in _tree(source / name)]
    for path in secrets:
        os.lchown(path, 0, 0)
        if not path.is_symlink():
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    results = source.parent / "results"
    results.mkdir(exist_ok=True)
    guarded = [p for p in _tree(source) if p not in set(secrets)] + [results, source.parent]
    for path in guarded:
        if not path.is_symlink():
            mode = os.lstat(path).st_mode
            os.chmod(path, stat.S_IMODE(mode) & ~0o022)
    return secrets, guarded


# What the probe does as a child: try to read every secret and to write anything guarded.
_CHECK = """found = []
for path in json.loads(sys.argv[3]):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").close()
        found.append("can read " + path)
    except OSError:
        pass
for path in json.loads(sys.argv[4]):
    if os.access(path, os.W_OK):
        found.append("can write " + path)
print(json.dumps(found))
"""


def checker(secrets: list[Path], guarded: list[Path], scratch: Path) -> Callable[[Sandbox], str]:
    """The check grade_batch runs on the chosen sandbox before any student code: why not to grade, or ''.
    It runs a probe exactly as a child would run (where, as whom, with which Python)."""

    def check(sandbox: Sandbox) -> str:
        if sandbox.uids is None and not sandbox.isolated:
            return (
                "the grader is not root and bubblewrap does not work, so student code would run as this user, "
                "who can read the reference and the seed"
            )
        secret_paths = json.dumps([str(p) for p in secrets or [ROOT / name for name in SECRETS]])
        try:
            done = sandbox.run_code(_CHECK, secret_paths, json.dumps([str(p) for p in guarded]), scratch=scratch)
            found = json.loads(done.stdout.strip().splitlines()[-1])
        except Exception as error:  # noqa: BLE001 - any failure means: not proven
            return f"could not prove that a child cannot read the secrets ({type(error).__name__})"
        if found:
            return "a child " + "; ".join(found[:5])
        return ""

    return check


# ---- One run ------------------------------------------------------------------------------------------------


def run(root: Path) -> int:
    results = root / "results" / "results.json"
    try:
        from grader.batch import SandboxUse, grade_batch
        from grader.outputs import results_json
        from grader.records import load_record, write_atomic
        from grader.sandbox import Refused

        with contextlib.suppress(FileNotFoundError):
            results.unlink()
        if (root / "source").resolve() != ROOT:
            raise Misconfigured(f"run it from the autograder's own tree ({root / 'source'}), not from {ROOT}")
        config = settings()
        load_secrets()
        secrets, guarded = seal(ROOT) if os.geteuid() == 0 else ([], [])
        no_bwrap = bool(os.environ.get("AUTOGRADER_NO_BWRAP"))
        if os.geteuid() != 0 and no_bwrap:
            raise Misconfigured("the grader is not root and bubblewrap is off, so the secrets cannot be protected")
        submission = root / "submission"
        if no_bwrap:
            use: SandboxUse = "off"
        else:
            use = "auto" if os.geteuid() == 0 else "require"  # as a plain user, only bubblewrap hides the secrets
        with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
            try:
                graded = grade_batch(
                    [submission],
                    out=Path(scratch) / "out",
                    seed=config["seed"],
                    jobs=config.get("jobs", 1),
                    timeout=config.get("timeout") or None,
                    sandbox=use,
                    check=checker(secrets, guarded, Path(scratch)),
                )
            except Refused as error:
                raise Misconfigured(str(error)) from None
            folder = graded.out / graded.names[0]
            produced = folder / "results.json"
            if graded.pending or not produced.is_file():
                fallback(results, "the grader was stopped before it finished")
                return 0
            results.parent.mkdir(parents=True, exist_ok=True)
            visibility, details = config.get("visibility", "visible"), config.get("details", "full")
            record = load_record(folder / "record.json")
            if (visibility, details) == ("visible", "full") or record is None:
                shutil.copyfile(produced, results)
            else:
                write_atomic(results, json.dumps(results_json(record, visibility, details), indent=1) + "\n")
    except Misconfigured as error:
        print(f"autograder misconfigured: {error}", file=sys.stderr)
        misconfigured(results, str(error))
    except BaseException as error:  # noqa: BLE001 - whatever happens, Gradescope must get a results.json
        traceback.print_exc()
        fallback(results, f"{type(error).__name__} in the autograder")
    return 0


if __name__ == "__main__":  # the spelling from before `python -m grader autograder` (autograder zips built then)
    from grader.cli import moved

    sys.exit(moved("python -m grader.gradescope", ["autograder", *sys.argv[1:]]))
