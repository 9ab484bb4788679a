"""Step 9: the cheap gradient principle (micrograd/cost.py). What is checked, how it is judged.

The graphs are the kata's own (bare nodes made from a description), so every count is known to
the trusted side from the case alone: the expectation holds the right counts, what each classic
counting mistake gives, and how the right count is made up. The judges only compare.
"""

from __future__ import annotations

from typing import Any

from kata.catalogue.core import (
    Args,
    Expectation,
    Observation,
    Problem,
    against,
    check,
    compare,
    compared,
    first_match,
    looks_like,
)
from kata.catalogue.graphs import names, with_listing
from kata.numbers import show


@check(9, "nodes", "nodes(root) lists every node the root depends on, each exactly once", uses=(2,))
def nodes(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    expected = expectation["expected"]["nodes"]
    found = got.get("nodes")
    if not isinstance(found, list):
        return compared(expectation["expected"], got)
    if found == expected:
        return []
    spec = args["spec"]
    label = names(spec)
    problems = []
    twice = sorted({k for k in found if k >= 0 and found.count(k) > 1})
    missing = [k for k in expected if k not in found]
    foreign = found.count(-1)
    if missing:
        problems.append(Problem("missing: " + ", ".join(label[k] for k in missing)))
    if foreign:
        problems.append(Problem(f"{foreign} of the objects returned are not nodes of this graph"))
    if twice:
        listed = ", ".join(f"{label[k]} {found.count(k)} times" for k in twice)
        problems.append(Problem(f"listed more than once: {listed}"))
        problems.append(looks_like("cost-shared-twice"))
    return with_listing(spec, problems)


def _count_problems(expectation: Expectation, got: Observation, what: str) -> list[Problem]:
    problems = against(expectation, got)
    if not problems:
        return []
    explained = f"{what}: expected {show(expectation['expected']['count'])} = {expectation['explain']}"
    return [Problem(explained), *problems]


@check(9, "forward-ops", "forward_ops(root): one operation per op node, none per leaf, a shared node once", uses=(2,))
def forward_ops(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return with_listing(args["spec"], _count_problems(expectation, got, "the forward pass"))


@check(
    9,
    "backward-ops",
    "backward_ops(root): 1 for the seed, then a multiply and an add per input of every op node",
    uses=(2,),
)
def backward_ops(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return with_listing(args["spec"], _count_problems(expectation, got, "backward()"))


@check(
    9,
    "forward-mode-ops",
    "forward_mode_ops(root): one pass per leaf, each its seed plus every op's value and derivative",
    uses=(2,),
)
def forward_mode_ops(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return with_listing(args["spec"], _count_problems(expectation, got, "forward mode"))


def _table(inputs: list[int], rows: list[dict[str, Any]]) -> list[str]:
    """The counts of every network, and the two ratios the principle is about."""
    lines = ["  inputs   forward   backward   backward/forward   forward mode   forward mode/(forward + backward)"]
    for n, row in zip(inputs, rows):
        forward, backward, mode = row["forward"], row["backward"], row["forward mode"]
        lines.append(
            f"  {n:>6}   {show(forward):>7}   {show(backward):>8}   {backward / forward:>16.2f}   "
            f"{show(mode):>12}   {mode / (forward + backward):>10.1f}"
        )
    return lines


@check(
    9,
    "cheap-gradient",
    "on growing networks, backward() stays under 5 x the forward pass while forward mode grows with the inputs",
    weight=2.0,
    uses=(2,),
)
def cheap_gradient(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    expected = expectation["expected"]
    problems = compared(expected, got)
    if not problems:
        return []
    rows = got.get("networks")
    if not isinstance(rows, list) or len(rows) != len(expected["networks"]):
        return problems
    inputs = expectation["inputs"]
    text = [
        "the kata's counts (inputs: the leaves, weights and biases included):",
        *_table(inputs, expected["networks"]),
    ]
    problems = [Problem("\n".join(text))]
    for i, (want, seen) in enumerate(zip(expected["networks"], rows)):
        for field in ("forward", "backward", "forward mode"):
            value = seen.get(field) if isinstance(seen, dict) else None
            if not compare(want[field], value):
                continue
            problems.append(
                Problem(
                    f"network {i + 1} ({inputs[i]} inputs), {field}: expected {show(want[field])} = "
                    f"{expectation['explain'][i][field]}, got {show(value)}"
                )
            )
            bug = first_match([[b, {"v": v}] for b, v in expectation["alternatives"][i][field]], {"v": value})
            if bug:
                problems.append(looks_like(bug))
            return problems
    return problems
