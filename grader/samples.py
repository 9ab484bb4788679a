"""The bundled sample submissions, built from the single source when `make grade` is given none.

complete        the reference itself
half_finished   steps 1-3 solved, steps 4-6 still stubs
typical_bugs    the reference with three classic bugs from the zoo
"""

from __future__ import annotations

from pathlib import Path

from grader.zoo import bug, reference_copy, with_bugs

TYPICAL = ("tanh-grad-from-input", "topo-pre-order", "mse-summed")


def build_samples(folder: Path) -> list[Path]:
    complete, half, buggy = folder / "complete", folder / "half_finished", folder / "typical_bugs"
    reference_copy(complete, upto=99)
    reference_copy(half, upto=3)
    with_bugs(buggy, [bug(name) for name in TYPICAL])
    return [complete, half, buggy]
