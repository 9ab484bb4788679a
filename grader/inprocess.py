"""The grader's judgement without its isolation: the same plan, probes, oracle and judges, run in this
process, with no sandbox and no process start.

For code the kata trusts (the reference, the bug zoo, the catalogue of right answers): it is the floor
the grader's speed is measured against (tools/bench_grader.py), and it lets the zoo's proof grade
every entry under many seeds quickly. Never for a student's submission: nothing here stops a hang.
"""

from __future__ import annotations

import itertools
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader.grading import Plan, StepOutcome, _step_outcome, outcome
from grader.submissions import fingerprint
from kata.catalogue.verdicts import Outcome, of_error
from kata.harness.observe import Implementation, describe_exception, register_package, run_package_init
from kata.manifest import Manifest, load
from kata.oracle.evaluator import Evaluation

_COUNTER = itertools.count()


def _fresh(package: Path, kata_engine: bool) -> Implementation:
    name = f"_kata_in_process_{next(_COUNTER)}"
    register_package(name, package, run_init=False)
    if kata_engine:
        from kata.harness.tracer import install

        install(name, Evaluation().answer)
    run_package_init(name, package)
    return Implementation(name, package)


def _forget(implementation: Implementation) -> None:
    for name in [
        m for m in list(sys.modules) if m == implementation.package or m.startswith(implementation.package + ".")
    ]:
        del sys.modules[name]


SEED_FREE = frozenset({"step4.deep-chain"})  # checks whose case is the same under every seed


def grade_in_process(
    package: Path,
    seed: int,
    steps: list[int] | None = None,
    manifest: Manifest | None = None,
    salt: str | None = None,
    memo: dict[str, Any] | None = None,
) -> list[StepOutcome]:
    """Every step of the plan the grader would make for this package (salted with its fingerprint).

    memo, if given, keeps the outcomes of the seed-free checks between calls on the same package."""
    manifest = manifest or load()
    plan = Plan.build(manifest, seed, steps, salt=fingerprint(package, package) if salt is None else salt)
    outcomes = []
    for step_plan in plan.steps:
        if not (package / f"{step_plan.module}.py").is_file():
            from grader.grading import _not_submitted

            outcomes.append(_not_submitted(step_plan))
            continue
        implementation = _fresh(package, step_plan.kata_engine)
        results: dict[int, Outcome] = {}
        try:
            implementation.load(step_plan.module)
        except Exception as error:  # noqa: BLE001 - reported per case, as the grader's child does
            info = describe_exception(error, package)
            results = {i: of_error(case, info) for i, case in enumerate(step_plan.cases)}
        else:
            for i, case in enumerate(step_plan.cases):
                from kata.harness.probes import PROBES

                if memo is not None and case.key in SEED_FREE and case.key in memo:
                    results[i] = memo[case.key]
                    continue
                try:
                    observation = PROBES[case.key](implementation, case.args)
                except Exception as error:  # noqa: BLE001 - the code under test may raise anything
                    results[i] = of_error(case, describe_exception(error, package))
                else:
                    results[i] = outcome(case, "result", observation)
                if memo is not None and case.key in SEED_FREE:
                    memo[case.key] = results[i]
        _forget(implementation)
        outcomes.append(_step_outcome(step_plan, results, "", 0.0))
    return outcomes


def scores(outcomes: list[StepOutcome]) -> dict[int, Fraction]:
    return {o.number: o.score for o in outcomes}
