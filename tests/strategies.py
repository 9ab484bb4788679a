"""Hypothesis profiles for the step suites (the random cases themselves: tests/random_cases.py).

Profiles (choose with KATA_HYPOTHESIS=student|grade|dev):
    student  what `make test-stepN` / `python -m kata test N` use (the runner sets it): a bounded
             search (25 examples, one failure reported, no explain phase), an example database
             under .kata/ so a failing example is replayed first on the next run; the runner's
             launcher seeds each test's examples by its name, so the same code gets the same
             examples, and the same verdict, on every run
    grade    derandomized: the same examples on every run, no database, no deadline (make check,
             the zoo, GitHub Classroom)
    dev      random examples on every run, to find what the fixed cases miss (a plain `pytest`)
    quick    like grade, 5 examples: for proofs that need verdicts quickly (the bug zoo's own-step runs)
Every profile has no deadline (a busy machine must not fail a check) and no shrink phase: a random
case is drawn whole from a seed (tests/random_cases.py), so a smaller seed is not a smaller case, and a
failure is reported as drawn, at once.
Hypothesis would load its own "ci" profile whenever a CI variable is set; loading ours
explicitly keeps local and CI runs the same.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

EXAMPLES = Path(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", ".kata/hypothesis")) / "examples"
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

settings.register_profile(
    "dev", max_examples=25, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "student",
    max_examples=25,
    deadline=None,
    database=DirectoryBasedExampleDatabase(str(EXAMPLES)),
    phases=NO_SHRINK,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "grade",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "quick",
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("KATA_HYPOTHESIS", "dev"))
