"""The sandbox package: exactly what runs next to a student's code inside the grader's child.

Everything here drives the student's code and records what it did, as plain data. Nothing here
can compute a right answer for any step: no forward formula of an op, no derivative, no sort of a
graph, no training or optimiser simulation, no finite difference. Judging happens elsewhere (the
grader's parent, or the student's own pytest process), against expectations made by trusted code.

    observe   load a student's package; turn its numbers and exceptions into plain data
    wire      the child's JSON encoder (exact built-in types only)
    build     drive a student's operators from a graph description; make bare nodes of a student's class
    tracer    the kata's engine for steps 5-7: Values that record the graph and ask an evaluator for numbers
    probes    one module per step: what each check runs on the student's code
    child     the child's entry point (the grader starts it as a script)

Standard library only. devtests/test_harness.py imports this package the way the sandbox does and
proves that it holds nothing else.
"""
