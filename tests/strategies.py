"""Hypothesis profiles for the step suites (the random cases themselves: tests/random_cases.py).

Profiles (choose with KATA_HYPOTHESIS=dev|grade; `make check` uses grade):
    dev    random examples on every run, to find what the fixed cases miss
    grade  derandomized: the same examples on every run, no database, no deadline
    quick  like grade, 5 examples, no shrinking (the bug zoo's proof needs verdicts, not minimal examples)
Hypothesis would load its own "ci" profile whenever a CI variable is set; loading ours
explicitly keeps local and CI runs the same.
"""

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "grade",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# quick: a few examples and no shrinking, for proofs that only need a verdict (the zoo's own-step runs)
settings.register_profile(
    "quick",
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("KATA_HYPOTHESIS", "dev"))
