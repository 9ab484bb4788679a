"""make student-release: the repository as students should receive it in a graded course.

Kept: the stubs (exercises/), the suites (tests/), the tooling (kata/), the manifest, the Makefile,
README.md unchanged (it is the student's page), the requirements, and the pictures README.md shows.
Left out: solutions/, the grader and its bug zoo, the repository's own tests, the maintainers' tools,
CI, and the rest of docs/ (the instructors' and maintainers' guides and their pictures). Added:
    tests/expected.json          the reference's results on the public checks (the suites need them)
    kata/templates/*.py          the untouched stubs, for make reset
    .github/workflows/classroom.yml   GitHub Classroom autograding, one graded test per step
Then it proves itself: no line of solution code anywhere, and its own self test (the stubs import,
every step reports todo) passes inside it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from kata.catalogue import PUBLIC_SEED, STEPS
from kata.dev import exercises as generator
from kata.harness.probes import PROBES
from kata.manifest import Manifest, load
from kata.oracle.draw import cases
from kata.oracle.expect import expectation
from kata.oracle.reference import reference as load_reference
from kata.paths import PACKAGE, ROOT, SOLUTIONS, TRUSTED_ONLY

MAINTAINERS_ONLY = [f"kata/{name}" for name in TRUSTED_ONLY]  # left out of the release
KEEP = [
    "kata.toml",
    "README.md",
    "Makefile",
    "pyproject.toml",
    ".gitignore",
    "requirements/student.txt",
    "requirements/plots.txt",
    "exercises",
    "tests",
    "kata",
]
PICTURE = re.compile(r"\]\((docs/images/[^)\s]+)\)")  # a Markdown image or link into docs/images/
REFERENCE = "micrograd_release_reference"


def readme_pictures(readme: str) -> list[str]:
    """The files of docs/images/ that README.md shows: the release ships those, and no other."""
    return sorted(set(PICTURE.findall(readme)))


def record_expectations(seed: int = PUBLIC_SEED) -> dict[str, object]:
    """The public cases of every step and what a right implementation gives on them (the oracle's
    expectation for the reference's own observation), as data: the release has no oracle."""
    reference = load_reference(REFERENCE)
    steps = {}
    for step in STEPS:
        entries = []
        for case in cases(step, seed):
            observation = PROBES[case.key](reference, case.args)
            entries.append({"case": case.to_json(), "expectation": expectation(case, observation)})
        steps[str(step)] = entries
    return {"seed": seed, "steps": steps}


def classroom_workflow(manifest: Manifest) -> str:
    """GitHub Classroom autograding: one graded test per required step, points from the manifest."""
    steps = [s for s in manifest.steps if not s.bonus]
    lines = [
        "# GitHub Classroom autograding, made by `make student-release` from kata.toml: one graded test",
        "# per step, worth the step's points. (Bonus steps are not graded here: Classroom has no extra credit.)",
        "name: Autograding Tests",
        "on: [push, repository_dispatch]",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    env:",
        "      KATA_HYPOTHESIS: grade",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        "      - name: Install the test tools",
        "        run: python -m pip install -r requirements/student.txt",
    ]
    for step in steps:
        lines += [
            f"      - name: Step {step.number} {step.title}",
            f"        id: step{step.number}",
            "        uses: classroom-resources/autograding-command-grader@v1",
            "        with:",
            f'          test-name: "Step {step.number}: {step.title}"',
            f"          command: python -m kata test {step.number}",
            f"          timeout: {max(1, math.ceil((step.budget + 60) / 60))}",
            f"          max-score: {step.points}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        uses: classroom-resources/autograding-grading-reporter@v1",
        "        env:",
        *(f'          STEP{s.number}_RESULTS: "${{{{steps.step{s.number}.outputs.result}}}}"' for s in steps),
        "        with:",
        f"          runners: {','.join(f'step{s.number}' for s in steps)}",
    ]
    return "\n".join(lines) + "\n"


def solution_lines(manifest: Manifest, steps: set[int] | None = None) -> set[str]:
    """Every distinctive line of solution code (of these steps, or all): in a region, and nowhere in
    the stubs."""
    stubs = "\n".join(generator.build(SOLUTIONS / PACKAGE, manifest).values())
    stub_lines = {line.strip() for line in stubs.splitlines()}
    found = set()
    for path in generator.reference_files(SOLUTIONS / PACKAGE):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for region in generator.find_regions(path.name, source, manifest):
            if steps is not None and region.step.number not in steps:
                continue
            for line in lines[region.begin : region.end - 1]:
                text = line.strip()
                if len(text) >= 20 and not text.startswith("#") and text not in stub_lines:
                    found.add(text)
    return found


def leaks(folder: Path, manifest: Manifest) -> list[str]:
    """Where solution code (or a solution marker) appears in folder."""
    wanted = solution_lines(manifest)
    problems = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in (".png", ".zip"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(line.strip() in (generator.BEGIN, generator.END) for line in text.splitlines()):
            problems.append(f"{path.relative_to(folder)}: a solution region's marker")
        present = {line.strip() for line in text.splitlines()} & wanted
        problems += [f"{path.relative_to(folder)}: {line}" for line in sorted(present)]
    return problems


def build(out: Path, manifest: Manifest | None = None) -> Path:
    """Write the release folder (and out.zip next to it); returns the folder."""
    manifest = manifest or load()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    pictures = readme_pictures((ROOT / "README.md").read_text(encoding="utf-8"))
    absent = [name for name in pictures if not (ROOT / name).is_file()]
    if absent:
        raise FileNotFoundError(f"README.md shows pictures that do not exist: {', '.join(absent)}")
    for name in [*KEEP, *pictures]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=ignore)
        elif source.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / name)
    for name in MAINTAINERS_ONLY:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    (out / "tests" / "expected.json").write_text(json.dumps(record_expectations(), indent=None) + "\n")
    generator.write(generator.build(SOLUTIONS / PACKAGE, manifest), out / "kata" / "templates")
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(classroom_workflow(manifest), encoding="utf-8")
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                bundle.write(path, Path(out.name) / path.relative_to(out))
    return out


def self_test(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the release's own self test (python -m kata selftest) inside it."""
    return subprocess.run(
        [sys.executable, "-m", "kata", "selftest"], cwd=folder, capture_output=True, text=True, timeout=600
    )
