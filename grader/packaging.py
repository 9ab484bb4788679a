"""make gradescope: the autograder zip for Gradescope.

    python -m grader gradescope [--out build/gradescope] --seed S [--timeout SEC]
        [--visibility visible|hidden|after_due_date|after_published] [--details full|brief]

Gradescope unpacks the zip into /autograder/source, runs setup.sh once (as root) to build its image,
and runs run_autograder for every submission. The zip holds the grader, the catalogue, the manifest
and the reference solution (instructors only: never hand this zip to students), and gradescope.json
with the seed and the per-check timeout.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from kata.paths import ROOT

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# The grader needs Python 3.11 or newer (the default image's python3 is 3.10). It tries bubblewrap
# at grading time; where the container forbids it, children still run as an unprivileged user.
if ! apt-get install -y --no-install-recommends python3.11 bubblewrap; then
  apt-get install -y --no-install-recommends software-properties-common
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y --no-install-recommends python3.11 bubblewrap
fi
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: /autograder/submission in, /autograder/results/results.json
# out, always: also when no suitable Python is installed or the grader dies without writing one (then
# a results.json that says the autograder failed, which is not a verdict on the student).
# $AUTOGRADER_ROOT moves the root (for tests); $PYTHON names the Python (default: the newest >= 3.11).
root="${AUTOGRADER_ROOT:-/autograder}"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
python=""
if [ -n "${PYTHON:-}" ]; then
  candidates="$PYTHON"
else
  candidates="python3.13 python3.12 python3.11 python3"
fi
for candidate in $candidates; do
  if command -v "$candidate" >/dev/null 2>&1 \\
     && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  tried="${candidates//[^A-Za-z0-9 ._/-]/_}"
  why="it is misconfigured: no Python 3.11 or newer (tried: $tried), so it ran no student code"
  extra='"misconfigured": true'
else
  (cd "$root/source" && "$python" -m grader autograder --root "$root")
  why="the grader stopped (exit status $?) without writing results"
  extra='"failed": true'
fi
if [ ! -s "$results" ]; then
  output="The autograder could not grade this submission: $why. This is not a verdict on your code:"
  output="$output tell your instructor."
  printf '{"score": 0, "output": "%s", "output_format": "text", "visibility": "visible",' "$output" > "$results"
  printf ' "stdout_visibility": "hidden", "extra_data": {%s}, "tests": []}\\n' "$extra" >> "$results"
fi
exit 0
"""


def build_gradescope(
    out: Path, seed: int, timeout: float | None, visibility: str = "visible", details: str = "full"
) -> Path:
    if out.exists():
        shutil.rmtree(out)
    source = out / "autograder"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    # no reference and no maintainers' tools: grading needs neither; the oracle is locked away before any
    # student code runs (grader/gradescope.py)
    shutil.copytree(ROOT / "grader", source / "grader", ignore=ignore)
    shutil.copytree(ROOT / "kata", source / "kata", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "dev"))
    shutil.copy2(ROOT / "kata.toml", source / "kata.toml")
    (source / "grader" / "gradescope.json").write_text(
        json.dumps({"seed": seed, "timeout": timeout, "jobs": 1, "visibility": visibility, "details": details})
    )
    for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
        path = source / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    archive = out / "autograder.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, str(path.relative_to(source)))
                with open(path, "rb") as handle:
                    bundle.writestr(info, handle.read(), zipfile.ZIP_DEFLATED)
    return archive


if __name__ == "__main__":  # the spelling from before `python -m grader gradescope`
    from grader.cli import moved

    sys.exit(moved("python -m grader.packaging gradescope", ["gradescope", *sys.argv[2:]]))
