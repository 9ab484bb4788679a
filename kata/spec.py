"""python -m kata spec N: what step N checks, in words, with one example case of each check.

It reads the same sources as everything else: the step's lesson line (kata.toml), its test file's
docstring (the spec in a paragraph), and the catalogue (each check's title and its first public case).
"""

from __future__ import annotations

import ast

from kata.catalogue import CHECKS, public_cases
from kata.manifest import Step
from kata.paths import ROOT


def spec_text(step: Step) -> str:
    lines = [f"Step {step.number}: {step.title} (micrograd/{step.file})" + (" - bonus" if step.bonus else ""), ""]
    lines.append(f"  {step.teaches}.")
    docstring = ast.get_docstring(ast.parse((ROOT / step.test_file).read_text(encoding="utf-8"))) or ""
    paragraphs = docstring.split("\n\n")[1:]  # the first line is the title
    for paragraph in paragraphs:
        lines += ["", *(f"  {line}" for line in paragraph.splitlines())]
    lines += ["", "What is checked (each with one of its cases):", ""]
    cases = public_cases(step.number)
    for key, check in CHECKS.items():
        if check.step != step.number:
            continue
        mine = [c for c in cases if c.key == key]
        example = f"   e.g. {mine[0].label}" if mine and mine[0].label else ""
        weight = f"  (counts {check.weight:g}x)" if check.weight != 1 else ""
        lines.append(f"  - {check.title}{weight}: {len(mine)} case(s)")
        if example:
            lines.append(f"    {example.strip()}")
    lines += [
        "",
        f"Run them: make test-step{step.number}   Read them: {step.test_file}   "
        f"The lesson: kata/lessons/step{step.number}.md (README.md, What each step teaches)",
    ]
    return "\n".join(lines)
