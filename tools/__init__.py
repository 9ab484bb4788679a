"""The maintainers' tools: the stage runner of `make check`, the generated documentation, the benchmarks.

Nothing here is shipped: the student release, the Gradescope autograder and the sandbox's harness
all leave tools/ out. Run them from the repository root (`python -m tools.check`, `python -m tools.docs`,
`python tools/bench.py`); docs/maintainers.md says what each does.
"""
