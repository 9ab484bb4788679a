"""Once a step passes: compare with the reference's code for it, short and annotated (if the course allows).

Many katas (rustlings among them) show their solution once an exercise is done: reading another
way to write what you just wrote is where much of the learning happens. A graded course may not
want that, so it is OFF unless the release is built with it: the release builder calls
`write(release_folder, manifest)`, which puts one file per step into kata/reference_notes/ of the
release. Their presence is the switch: `make test-stepN` offers them once step N passes, and
`python -m kata compare N` prints one, only after step N passed its last run.

The notes are the reference's solution regions (with their comments, which explain the why) under
the name of the function they belong to. In the maintainers' repository (which has solutions/),
`compare` builds them on the fly, for previewing; the offer is only made where notes were shipped.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from kata.manifest import Manifest, Step
from kata.paths import PACKAGE, ROOT, SOLUTIONS, has_reference

NOTES = ROOT / "kata" / "reference_notes"


def annotated(step: Step, manifest: Manifest, solutions: Path = SOLUTIONS / PACKAGE) -> str:
    """The step's reference code: every solution region of its functions, in the file's order."""
    from kata.dev import exercises as generator  # maintainers' module: it needs solutions/

    source = (solutions / step.file).read_text(encoding="utf-8")
    lines = source.splitlines()
    regions = [r for r in generator.find_regions(step.file, source, manifest) if r.step.number == step.number]
    out = [
        f"# Step {step.number}: {step.title}, as the reference writes it (micrograd/{step.file})",
        "",
        "Yours passes the same checks; where it differs, neither is wrong. The comments say why each line is there.",
    ]
    for region in regions:
        body = textwrap.dedent("\n".join(lines[region.begin : region.end - 1]))
        out += ["", f"## {region.function.display}", "", "```python", body, "```"]
    return "\n".join(out) + "\n"


def write(folder: Path, manifest: Manifest, solutions: Path = SOLUTIONS / PACKAGE) -> list[Path]:
    """Write the notes of every step into folder/kata/reference_notes/ (for the release builder, when
    the course allows it). Returns the files written."""
    target = folder / "kata" / "reference_notes"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for step in manifest.steps:
        path = target / f"step{step.number}.md"
        path.write_text(annotated(step, manifest, solutions), encoding="utf-8")
        written.append(path)
    return written


def shipped(step: Step, notes: Path = NOTES) -> bool:
    return (notes / f"step{step.number}.md").is_file()


def text(step: Step, manifest: Manifest, notes: Path = NOTES) -> str | None:
    """The notes of a step: shipped ones, else made from solutions/ (maintainers); None if neither."""
    if shipped(step, notes):
        return (notes / f"step{step.number}.md").read_text(encoding="utf-8")
    if has_reference():
        return annotated(step, manifest)
    return None


def offer(step: Step, notes: Path = NOTES) -> str:
    """The line printed under a passed step when the course ships the notes ('' otherwise)."""
    if not shipped(step, notes):
        return ""
    return (
        f"  Want to compare? The reference's step {step.number}, short and annotated: "
        f"python -m kata compare {step.number}"
    )
