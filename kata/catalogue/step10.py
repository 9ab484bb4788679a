"""Step 10: gradient checkpointing (micrograd/checkpoint.py). What is checked, how it is judged.

The gradients must be those of plain backward(): the expectation holds them (the oracle's, from
the case), with what each classic checkpointing mistake gives instead. The memory check compares
the most Values alive at once, as the kata counted them, with a bound the oracle set from the
chain's length and segments.
"""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, Spec, against, check, compared, looks_like
from kata.catalogue.graphs import listing
from kata.numbers import is_real, show


def _segment_text(spec: Spec) -> Problem:
    lines = listing(spec)
    return Problem("the segment f (its inputs first):\n" + "\n".join(f"  {line}" for line in lines))


@check(
    10,
    "forward",
    "checkpoint(f, *inputs) returns one new Value: f's value, with the inputs (and nothing else) as its _prev",
    uses=(2, 3, 4),
)
def forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    if not problems:
        return []
    inputs = got.get("inputs")
    if isinstance(inputs, list) and -1 in inputs:
        problems.append(looks_like("checkpoint-keeps-graph", "its _prev holds nodes of f's graph"))
    elif isinstance(inputs, list) and not inputs:
        problems.append(looks_like("checkpoint-not-reconnected", "its _prev is empty"))
    return [_segment_text(args["spec"]), *problems]


@check(
    10,
    "backward-closure",
    "the checkpoint's _backward rebuilds f and adds out.grad * d(f)/d(input) to each input's grad",
    uses=(2, 3, 4),
)
def backward_closure(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if not problems:
        return []
    return [_segment_text(args["spec"]), *problems]


@check(
    10,
    "gradients",
    "backward() through checkpoints gives the gradients of plain backward()",
    weight=2.0,
    uses=(2, 3, 4),
)
def gradients(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if not problems or "chain" in args:
        return problems
    return [_segment_text(args["spec"]), *problems]


@check(
    10,
    "memory",
    "with checkpoints, a chain keeps its segments' boundaries and one segment at a time alive, not the whole graph",
    weight=2.0,
    uses=(2, 3, 4),
)
def memory(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    peak, plain = got.get("peak"), got.get("plain peak")
    bound = expectation["at most"]
    if is_real(peak) and peak <= bound:
        return []
    shown = show(float(plain)) if is_real(plain) else show(plain)
    problems = [
        Problem(
            f"at most {bound} Values may be alive at once (about {expectation['segments']} segment boundaries and one "
            f"segment of {args['every']} steps at a time); with sequential(..., every={args['every']}) there were "
            f"{show(peak)}, and {shown} without checkpoints"
        )
    ]
    if is_real(peak):
        problems.append(looks_like("checkpoint-keeps-graph"))
    return problems
