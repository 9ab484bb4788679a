"""Where cases and expectations come from: the oracle in a full checkout, recorded data in the
student release (tests/expected.json, written by the release builder from the oracle).

In the release, an expectation that depends on the student's own numbers (step 3 judges a closure
against the data of the student's own nodes) was recorded for the reference's numbers; the judge
says "blocked by step 2" when the student's numbers differ.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.util import find_spec
from typing import Any

from kata.catalogue.core import PUBLIC_SEED, Case, Expectation, Observation
from kata.paths import EXPECTED


def has_oracle() -> bool:
    return find_spec("kata.oracle") is not None


@cache
def _recorded() -> dict[str, Any]:
    try:
        recorded: dict[str, Any] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"{EXPECTED} is missing or broken ({error}): this copy has neither the kata's oracle nor its recorded "
            "results. Ask your instructor for a fresh copy."
        ) from None
    return recorded


def public_cases(step: int) -> list[Case]:
    """The cases of the public suites, the same on every run (a copy: drawn once per process)."""
    return copy.deepcopy(_public_cases(step))


@cache
def _public_cases(step: int) -> list[Case]:
    if has_oracle():
        from kata.oracle.draw import cases

        return cases(step, PUBLIC_SEED)
    return [Case.from_json(entry["case"]) for entry in _recorded()["steps"][str(step)]]


def expectation(case: Case, observation: Observation) -> Expectation:
    """What a right implementation gives on the case (for the student's observation where that matters)."""
    if has_oracle():
        from kata.oracle.expect import expectation as computed

        return computed(case, observation)
    for entry in _recorded()["steps"][str(case.check.step)]:
        if entry["case"]["key"] == case.key and entry["case"]["label"] == case.label:
            found: Expectation = entry["expectation"]
            return found
    raise KeyError(f"{EXPECTED.name} has no expected result for {case.id}: ask your instructor for a fresh copy")
