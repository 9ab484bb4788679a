"""Step 3: local derivatives, the _backward closures (micrograd/engine.py). What is checked, how it is judged.

The probe ran every closure of an op on its own (kata/harness/probes/step3.py) and recorded what
it added to each node; here the contributions are composed along the op's own nodes into what
reaches each operand, which is compared with out.grad times the local derivative. A broken
backward() (step 4) or a wrong forward value (step 2) cannot make a right closure fail here.
"""

from __future__ import annotations

from typing import Any

from kata.catalogue.core import Args, Expectation, Observation, Problem, blocked, check, looks_like, reported
from kata.catalogue.graphs import listing, names, with_listing
from kata.harness.build import FORMS
from kata.numbers import EXACT, close, is_real, show

OPERANDS = ("a", "b")


# ---- The warm-up: the backward pass of f(x, y, z) = (x + y) * z + exp(x * z), by hand -----------------

BY_HAND = {  # every node, inputs first, as backprop_by_hand's docstring defines them
    "x": "x, an input",
    "y": "y, an input",
    "z": "z, an input",
    "s": "s = x + y",
    "p": "p = s * z",
    "q": "q = x * z",
    "r": "r = exp(q)",
    "f": "f = p + r, the output",
}
BACKWARD = ("f", "p", "r", "q", "s", "z", "y", "x")  # the order a backward pass finds their gradients


@check(3, "by-hand", "the warm-up: backprop_by_hand gives every node's value and d(f)/d(node), by hand")
def by_hand(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    nodes = got.get("nodes")
    if not isinstance(nodes, dict):
        returned = show(got.get("result"))
        return [Problem(f"backprop_by_hand must return a dict {{name: (value, gradient)}}, got {returned}")]
    missing = [name for name in BY_HAND if nodes.get(name) == "missing"]
    if missing:
        return [Problem(f"the dict has no {', '.join(missing)}: give all eight nodes, {', '.join(BY_HAND)}")]
    for name in BY_HAND:
        if not isinstance(nodes.get(name), list):
            return [Problem(f"{name}: expected a pair (value, gradient), got {show(nodes.get(name))}")]
    at = f"at x = {show(float(args['x']))}, y = {show(float(args['y']))}, z = {show(float(args['z']))}"
    expected = expectation["expected"]
    for name in BY_HAND:  # values first, inputs first
        want, value = expected[name][0], nodes[name][0]
        if not close(want, value, EXACT):
            return [Problem(f"the value of {BY_HAND[name]} is off {at}: expected {show(want)}, got {show(value)}")]
    for name in BACKWARD:  # then the gradients, in the order the backward pass finds them
        want, grad = expected[name][1], nodes[name][1]
        if close(want, grad, EXACT):
            continue
        problems = [Problem(f"d(f)/d({name}) is off ({BY_HAND[name]}) {at}: expected {show(want)}, got {show(grad)}")]
        for bug, value in expectation["alternatives"].get(name, []):
            if close(value, grad, EXACT):
                return [*problems, looks_like(bug, f"at {name}")]
        return problems
    return []


# ---- The closures -------------------------------------------------------------------------------------------


def _blocked_by_step2(expectation: Expectation, got: Observation) -> list[Problem]:
    if not got.get("built"):
        return [blocked(2, f"the op could not be built with your step 2 code ({got.get('why', '?')})")]
    if expectation.get("not numbers"):
        return [blocked(2, "its inputs' data are not numbers")]
    return []


def reaching(part: Observation) -> list[Any] | str:
    """What the closures of an op add to each operand (with out.grad as given), composed along the
    nodes the op made on its way; or why that cannot be said."""
    count = reported(part, "operands", int)
    runs, nodes = reported(part, "runs", list), reported(part, "nodes", list)
    factors: dict[int, dict[int, float]] = {}
    for run in runs:
        if "raised" in run:
            info = run["raised"] if isinstance(run["raised"], dict) else {}
            return f"a closure raised {info.get('type', 'an exception')}: {str(info.get('message', ''))[:200]}"
        node, grad, first = run["node"], run["grad"], run.get("first")
        if not isinstance(first, list) or len(first) != len(nodes):
            return "a closure's effect could not be read"
        row: dict[int, float] = {}
        for m, value in enumerate(first):
            if m == node:
                continue
            if not is_real(value):
                return f"a closure left a grad that is not a finite number: {show(value)}"
            if value != 0:
                row[m] = value / grad
        factors[node] = row
    memo: dict[tuple[int, int], float] = {}

    def reach(n: int, j: int, depth: int = 0) -> float:
        if (n, j) in memo:
            return memo[(n, j)]
        if depth > len(nodes):
            raise RecursionError("a cycle among the op's nodes")
        total = 0.0
        for m, factor in factors.get(n, {}).items():
            total += factor * (1.0 if m == j else reach(m, j, depth + 1) if m >= count else 0.0)
        memo[(n, j)] = total
        return total

    if count >= len(nodes):
        return "the op made no node"
    out = count  # the op's result is the first node found from it
    g = next(r["grad"] for r in runs if r["node"] == out)
    try:
        return [g * reach(out, j) for j in range(count)]
    except RecursionError:
        return "the op's nodes form a cycle"


def _evidence(part: Observation, p: float) -> Problem | None:
    """A closure that assigns instead of adding, or that changes out.grad: seen directly in the runs."""
    for run in reported(part, "runs", list):
        node, first, second = run["node"], run.get("first"), run.get("second")
        if not (isinstance(first, list) and isinstance(second, list)):
            continue
        for m, (a, b) in enumerate(zip(first, second)):
            if m == node or not (is_real(a) and is_real(b)):
                continue
            if a != 0 and close(a, b, EXACT) and not close(p, 0.0):
                return looks_like("assign-instead-of-accumulate")
        if is_real(first[node]) and not close(run["grad"], first[node]):
            return looks_like("closure-changes-out-grad")
    return None


def judge_op(name: str, part: Observation, expected: Expectation, p: float, labels: list[str]) -> list[Problem]:
    """The problems of one op's closures: [] when what reaches its operands is right."""
    method = FORMS[name].method
    evidence = _evidence(part, p)
    got = reaching(part)
    if isinstance(got, str):
        return [Problem(got), evidence] if evidence else [Problem(got)]
    accept = expected.get("accept", [])
    if evidence is None and any(all(close(e, x, EXACT) for e, x in zip(ok, got)) for ok in accept):
        return []
    want = accept[0] if accept else []
    expected_text = ", ".join(f"{labels[j]}.grad += {show(x)}" for j, x in enumerate(want))
    got_text = ", ".join(f"{labels[j]}.grad += {show(x)}" for j, x in enumerate(got))
    problems = [Problem(f"the closures of {method}: expected {expected_text}, got {got_text}")]
    if evidence is not None:
        return [*problems, evidence]
    for bug, values in expected.get("alternatives", []):
        if all(close(e, x, EXACT) for e, x in zip(values, got)):
            return [*problems, looks_like(bug, f"in {method}")]
    if all(x == 0 for x in got):
        return [*problems, looks_like("closure-not-attached", f"in {method}")]
    return problems


def _same_data(expectation: Expectation, got_data: list[object]) -> bool:
    wanted = expectation.get("for data")
    return wanted is None or all(
        (not is_real(w) and not is_real(g)) or close(w, g, EXACT) for w, g in zip(wanted, got_data)
    )


@check(3, "op-backward", "an op's _backward adds out.grad * (local derivative) to each input's grad", uses=(2,))
def op_backward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    stop = _blocked_by_step2(expectation, got)
    if stop:
        return stop
    operands = reported(got, "operands", int)
    data = [n["data"] for n in reported(got, "nodes", list)[: operands + 1]]
    if not _same_data(expectation, data):
        return [blocked(2, "the op's forward values differ from the reference's (see step 2)")]
    labels = list(OPERANDS[:operands])
    return judge_op(args["op"], got, expectation, args["p"], labels)


@check(3, "accumulate", "_backward adds (+=) to grad, so a Value used twice gets both contributions", uses=(2,))
def accumulate(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    return op_backward.judge(args, expectation, got)


@check(
    3,
    "graph-closures",
    "every closure of a random graph adds out.grad * (local derivative) to its inputs",
    weight=2.0,
    uses=(2,),
)
def graph_closures(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    stop = _blocked_by_step2(expectation, got)
    if stop:
        return stop
    spec = args["spec"]
    data = reported(got, "data", list, [])
    if not _same_data(expectation, data):
        return [blocked(2, "the graph's forward values differ from the reference's (see step 2)")]
    if expectation.get("off scale"):
        return [blocked(2, "your step 2 code carried this graph's values far from the reference's (see step 2)")]
    first = len(spec["leaves"])
    label = names(spec)
    truth = expectation.get("truth")
    ops = reported(got, "ops", list)
    for j in reversed(range(len(spec["nodes"]))):  # the order backward visits them: output first
        node = spec["nodes"][j]
        labels = [label[i] for i in dict.fromkeys(node["args"])]
        problems = judge_op(node["op"], ops[j], expectation["ops"][j], args["p"], labels)
        if (
            problems
            and truth
            and any("raised" in run for run in ops[j]["runs"])
            and any(not (is_real(data[i]) and close(truth[i], data[i], EXACT)) for i in node["args"])
        ):
            return [
                blocked(
                    2,
                    f"{label[first + j]}'s closure raised on inputs your step 2 code computed "
                    f"differently ({problems[0].text})",
                )
            ]
        if problems:
            where = f"at {listing(spec)[first + j]}"
            return with_listing(spec, [Problem(where), *problems])
    return []
