"""Cases where no classic wrong answer hides: each differs from the right one and from every other.

When two classic bugs would give the same number on a case, a judge could only name one of them
(and would name the wrong one half of the time), and a bug that gives the right number by accident
would pass that case with some seeds and not others. So case drawing rejects such cases.
"""

from __future__ import annotations

from typing import Any

from kata.catalogue.core import compare
from kata.numbers import DISTINCT


def same(a: Any, b: Any) -> bool:
    return not compare(a, b, tolerance=DISTINCT)


def clear(right: Any, alternatives: list[Any], structural: set[str] | None = None) -> bool:
    """Every alternative ([bug, data]) differs from `right` (except the bugs in `structural`, which agree
    with the right answer on a whole kind of input, by design) and from every alternative of another bug."""
    structural = structural or set()
    for i, (bug, data) in enumerate(alternatives):
        if bug not in structural and same(right, data):
            return False
        for other, data2 in alternatives[i + 1 :]:
            if other != bug and same(data, data2) and not (bug in structural and other in structural):
                return False
    return True
