"""Gradescope's entry point: grade /autograder/submission, always write /autograder/results/results.json.

    python -m grader.gradescope           (what run_autograder runs)

The root (/autograder) is a setting: $AUTOGRADER_ROOT, for testing on a simulated tree. The seed
and per-check timeout come from gradescope.json next to this file, written by `make gradescope`.
If anything at all goes wrong, a results.json that says so (score 0, and a message for the student
and the instructor) is written anyway: Gradescope shows a broken autograder as a silent failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

CONFIG = Path(__file__).with_name("gradescope.json")


def settings() -> dict:
    try:
        return json.loads(CONFIG.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def fallback(results: Path, why: str) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "score": 0,
                "output": (
                    "The autograder could not grade this submission: " + why + "\n"
                    "This is not a verdict on your code. Resubmit once, and if it happens again, tell your "
                    "instructor (the autograder's log has the details)."
                ),
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "tests": [],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


def run(root: Path) -> int:
    results = root / "results" / "results.json"
    config = settings()
    try:
        from grader.cli import DEFAULT_SEED, main
        from grader.submissions import safe_names

        submission = root / "submission"
        with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
            out = Path(scratch) / "out"
            arguments = [
                str(submission),
                "--out",
                str(out),
                "--jobs",
                str(config.get("jobs", 1)),
                "--seed",
                str(config.get("seed", DEFAULT_SEED)),
            ]
            if config.get("timeout"):
                arguments += ["--timeout", str(config["timeout"])]
            code = main(arguments)
            produced = out / safe_names([submission])[0] / "results.json"
            if code != 0 or not produced.is_file():
                fallback(results, f"the grader stopped (exit status {code})")
                return 0
            results.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(produced, results)
    except BaseException as error:  # noqa: BLE001 - whatever happens, Gradescope must get a results.json
        traceback.print_exc()
        fallback(results, f"{type(error).__name__} in the autograder")
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))))
