"""The lesson of every step, one Markdown file each (stepN.md): the single text that the README's
"What each step teaches" (made by `make docs`), the Jupyter notebooks and `python -m kata spec N`
show. Math is written for Markdown renderers ($...$: GitHub and Jupyter show it as math)."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent


def lesson(step: int) -> str:
    return (FOLDER / f"step{step}.md").read_text(encoding="utf-8")
