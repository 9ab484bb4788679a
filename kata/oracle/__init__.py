"""The trusted side: everything that knows a right answer.

    ops         the op forms' formulas: forward values, local derivatives, classic wrong variants
    graphs      random graph descriptions, drawn so that every check covers the same kinds of input
    sweep       plain-float evaluation and reverse-mode sweeps over a graph description
    expect      per check: what a right implementation observes (and what classic bugs would)
    draw        per step: the cases, drawn from a seed (and a submission's salt)
    evaluator   the numbers behind the kata's engine (kata.harness.tracer), for steps 5-7
    reference   the reference solution, imported under a private name

It runs only where a right answer may be: the grader's parent process and the maintainers' own
checkout. It is never copied into the sandbox, and never shipped in the student release (there,
the expectations of the public cases are recorded data: tests/expected.json).
"""
