"""Tooling of the micrograd kata: the step manifest, the exercise generator, the shared check
catalogue (used by the pytest suites and by the grader), and the student commands.

Modules that run inside the grader's sandboxed child (`checks`, `graphs`, `observe`) use the
standard library only.
"""
