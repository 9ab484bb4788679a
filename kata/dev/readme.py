"""The README's steps table, made from the manifest (a devtest checks the README holds it)."""

from __future__ import annotations

from kata.manifest import Manifest

BEGIN = "<!-- steps-table: made by `make docs` from kata.toml -->"
END = "<!-- end of steps-table -->"


def steps_table(manifest: Manifest) -> str:
    lines = [
        "| Step | Title | File | Points | Budget | What it teaches |",
        "|---:|---|---|---:|---:|---|",
    ]
    for step in manifest.steps:
        points = f"{step.points} (bonus)" if step.bonus else str(step.points)
        lines.append(
            f"| {step.number} | {step.title} | `micrograd/{step.file}` | {points} | {step.budget:g} s | "
            f"{step.teaches} |"
        )
    return "\n".join(lines)


def block(manifest: Manifest) -> str:
    return f"{BEGIN}\n{steps_table(manifest)}\n{END}"
