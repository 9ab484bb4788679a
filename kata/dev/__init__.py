"""The maintainers' side of kata/: what needs solutions/ (the exercise generator, the stub ladder,
the student release, the README's steps table). It never leaves the maintainers' repository: the
student release, the nbgrader course and the grader's sandbox all leave it out (kata.paths.TRUSTED_ONLY).
Its commands are `python -m kata dev ...` (kata/dev/cli.py)."""
