"""The seed of anything handed to students (the Gradescope autograder, the nbgrader course): the course's
own, given on purpose, never a default.

The kata's own seeds are public: `public_seed` draws the suites students run, and `grading_seed`, the bare
grader's default, is printed in kata.toml, which every student has. Cases drawn from a public seed can be
computed in advance, so a build for students refuses both, and refuses to guess, with a message that says
how to pick one. (The bare grader keeps its default, for a first look; the gradebook and the report record
the seed of every grade.)
"""

from __future__ import annotations

from kata.manifest import load

PICK = 'python3 -c "import secrets; print(secrets.randbelow(10**9))"'


def problem(seed: int | None, what: str, option: str) -> str:
    """Why `seed` must not be used for `what` ('' if it may): missing, or one of the kata's public seeds.
    `option` says how the user gives one (SEED=... for make, --seed for python -m)."""
    manifest = load()
    public = {manifest.public_seed: "public_seed", manifest.grading_seed: "grading_seed"}
    how = (
        f"Pick a number of your own (for instance `{PICK}`), keep it private, give it as {option} and "
        "record it with the course's grades."
    )
    if seed is None:
        return f"{what} needs a seed of your own, and none was given: it never falls back to a default. {how}"
    if seed in public:
        return (
            f"{what}: seed {seed} is the kata's {public[seed]}, printed in kata.toml, which every student has, "
            f"so the hidden cases could be computed in advance. {how}"
        )
    return ""
