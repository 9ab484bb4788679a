"""Every probe of the catalogue, by check key: what each check runs on a student's code.

A probe takes the student's package (kata.harness.observe.Implementation) and the case's inputs,
runs the student's code, and returns plain data. The grader's child binds the probes it needs
before any student code runs.
"""

from __future__ import annotations

from kata.harness.probes import step1, step2, step3, step4, step5, step6, step7, step8, step9, step10

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Probe = Callable[[Any, dict], dict]

PROBES: dict[str, Probe] = {}
for _module in (step1, step2, step3, step4, step5, step6, step7, step8, step9, step10):
    PROBES.update(_module.PROBES)

# The steps whose probes run on the kata's engine in the grader (kata.harness.tracer), so that a bug
# in the student's engine (steps 2-4) costs nothing there. Steps 9 and 10 too: counting runs on bare
# nodes of its Value class, and checkpointing on its custom nodes and its count of live Values.
ON_KATA_ENGINE = frozenset({5, 6, 7, 9, 10})
