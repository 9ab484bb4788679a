"""Step 4: topological order and backward() (micrograd/engine.py). What is checked, how it is judged.

Every judgement here is about order and counts (which node came when, how often), in one pass
over what the student's code returned: linear in its length, whatever it returned.
"""

from __future__ import annotations

from collections import Counter

from kata.catalogue.core import Args, Expectation, Observation, Problem, Spec, against, check, looks_like, reported
from kata.catalogue.graphs import listing, names
from kata.harness.probes.step4 import DEEP


def _shown(spec: Spec, items: list[int], length: int) -> str:
    label = names(spec)
    shown = [label[k] if 0 <= k < len(label) else "(not a node of the graph)" for k in items[:40]]
    more = f", ... ({length} in all)" if length > len(shown) else ""
    return f"[{', '.join(shown)}{more}]"


def order_problems(spec: Spec, shape: Expectation, order: object) -> list[Problem]:
    """What is wrong with a reported topological order of the spec's graph ([] if it is right)."""
    if not isinstance(order, dict) or "items" not in order:
        kind = order.get("not a list") if isinstance(order, dict) else "?"
        return [Problem(f"topological_order returned a {kind}"), looks_like("topo-not-a-list")]
    items, length = order["items"], order["length"]
    if not isinstance(items, list) or not isinstance(length, int):
        return [Problem("the order could not be read"), looks_like("topo-not-a-list")]
    label = names(spec)
    reachable = set(shape["reachable"])
    counts: dict[int, int] = {}
    position: dict[int, int] = {}
    for i, k in enumerate(items):
        if not isinstance(k, int):
            return [Problem("the order could not be read"), looks_like("topo-not-a-list")]
        counts[k] = counts.get(k, 0) + 1
        position.setdefault(k, i)
    head = [Problem(f"got the order {_shown(spec, items, length)}")]
    duplicates = sorted(k for k, n in counts.items() if n > 1 and k >= 0)
    if duplicates or (length > len(items) and length > len(label)):
        text = ", ".join(label[k] for k in duplicates[:8]) or "some nodes"
        return [*head, Problem(f"{text} appear(s) more than once"), looks_like("topo-duplicates")]
    if -1 in counts:
        return [*head, Problem("the order holds a node that is not part of the graph")]
    for k in sorted(position):
        late = [i for i in shape["inputs"][k] if i in position and position[i] > position[k]]
        if late:
            return [
                *head,
                Problem(f"{label[k]} comes before its input {label[late[0]]}"),
                looks_like("topo-input-after-node"),
            ]
    missing = sorted(reachable - set(position))
    if missing:
        return [*head, Problem(f"missing: {', '.join(label[k] for k in missing[:8])}"), looks_like("topo-missing")]
    extra = sorted(set(position) - reachable)
    if extra:
        return [
            *head,
            Problem(f"listed but not reachable: {', '.join(label[k] for k in extra[:8])}"),
            looks_like("topo-unreachable"),
        ]
    return []


@check(4, "topological-order", "topological_order(root): every node reachable from root once, each after its inputs")
def topological_order(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    spec = args["spec"]
    orders = got.get("orders")
    if not isinstance(orders, list) or len(orders) != args.get("calls", 1):
        return [Problem(f"expected {args.get('calls', 1)} order(s), got {orders!r:.80}")]
    for call, order in enumerate(orders):
        problems = order_problems(spec, expectation, order)
        if problems:
            graph = Problem("\n".join(["for the graph:", *(f"  {line}" for line in listing(spec))]))
            if call > 0:
                return [
                    Problem(f"the first call was right but call {call + 1} was not"),
                    *[p for p in problems if not p.bug],
                    graph,
                    looks_like("topo-keeps-state"),
                ]
            return [*problems[:1], graph, *problems[1:]]
    return []


@check(4, "backward-order", "backward() seeds the output and runs every closure once, the output first", weight=2.0)
def backward_order(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    spec = args["spec"]
    label = names(spec)
    calls = got.get("calls")
    if not isinstance(calls, list):
        return [Problem("the closures' calls could not be read")]
    first, inputs = expectation["leaves"], expectation["inputs"]
    reachable = set(expectation["reachable"])
    root = len(inputs) - 1
    ran = [c[0] for c in calls if isinstance(c, list) and len(c) == 2 and isinstance(c[0], int)]
    graph = Problem("\n".join(["the graph (inputs before outputs):", *(f"  {line}" for line in listing(spec))]))
    own = got.get("topological_order of a copy")
    if isinstance(own, dict) and isinstance(own.get("items"), list) and order_problems(spec, expectation, own):
        listed = [k for k in own["items"] if isinstance(k, int) and k >= first]
        if [k for k in ran if k >= first] == listed[::-1]:  # backward() follows the student's own, wrong, order
            return [
                graph,
                Problem("backward() ran the closures in the reverse of your topological_order, which is wrong here:"),
                *order_problems(spec, expectation, own),
            ]
    ops = [k for k in ran if k >= first]
    shown = Problem(f"the closures ran in the order {_shown(spec, ran, reported(got, 'call count', int, len(ran)))}")
    seeded = next((c[1] for c in calls if isinstance(c, list) and len(c) == 2 and c[0] == root), None)
    if seeded is not None and seeded != 1.0:
        return [shown, Problem(f"when the output's closure ran, its grad was {seeded!r}"), looks_like("no-seed")]
    times = Counter(ops)
    if len(ops) != len(times) or reported(got, "call count", int, 0) > 4 * len(label):
        twice = sorted(k for k, n in times.items() if n > 1)
        text = ", ".join(label[k] for k in twice[:6]) or "some"
        return [graph, shown, Problem(f"the closures of {text} ran more than once"), looks_like("topo-duplicates")]
    at = {k: i for i, k in enumerate(ops)}
    forward = all(at[i] < at[k] for k in ops for i in inputs[k] if i in at)
    backward = all(at[i] > at[k] for k in ops for i in inputs[k] if i in at)
    if ops and not backward and forward and len(ops) > 1:
        return [graph, shown, looks_like("backward-forward-order")]
    if not backward:
        k, i = next((k, i) for k in ops for i in inputs[k] if i in at and at[i] < at[k])
        return [
            graph,
            shown,
            Problem(f"{label[i]}'s closure ran before that of {label[k]}, which uses it"),
            looks_like("topo-input-after-node"),
        ]
    skipped = sorted(k for k in reachable if k >= first and k not in at)
    if skipped:
        return [
            graph,
            shown,
            Problem(f"never ran: {', '.join(label[k] for k in skipped[:8])}"),
            looks_like("backward-skips-nodes"),
        ]
    if seeded is None and root >= first:
        return [graph, shown, Problem("the output's own closure never ran"), looks_like("backward-skips-nodes")]
    return []


@check(4, "seed", "backward() seeds the output: out.grad becomes 1.0, also for a lone leaf")
def seed(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = against(expectation, got)
    if problems:
        problems.append(looks_like("no-seed"))
    return problems


@check(4, "deep-chain", f"a chain {DEEP:,} nodes deep: topological_order and backward() work without recursion")
def deep_chain(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    nodes = expectation["nodes"]
    if got.get("recursion limit raised"):
        return [
            Problem("the recursion limit was changed during the call: a loop with its own stack needs no more room"),
            looks_like("topo-recursive"),
        ]
    if got.get("length") != nodes or got.get("misplaced") != 0:
        return [
            Problem(
                f"topological_order gave {got.get('length')} nodes, {got.get('misplaced')} of them out of "
                f"place (expected {nodes}: the leaf, v1, v2, ..., the root)"
            )
        ]
    if got.get("closures run") == 0 or got.get("root grad when its closure ran") is None:
        return [
            Problem(f"backward() ran {got.get('closures run')} closures on the chain, the root's not among them"),
            looks_like("backward-skips-nodes"),
        ]
    if got.get("root grad when its closure ran") != 1.0:
        return [
            Problem(f"the root's grad was {got.get('root grad when its closure ran')!r} when its closure ran"),
            looks_like("no-seed"),
        ]
    if got.get("closures run", 0) < nodes - 1:
        return [
            Problem(f"backward() ran {got.get('closures run')} closures on a chain of {nodes} nodes"),
            looks_like("backward-skips-nodes"),
        ]
    if got.get("out of order") != 0 or got.get("closures run") not in (nodes - 1, nodes):
        return [
            Problem(
                f"{got.get('closures run')} closures ran, {got.get('out of order')} out of order (expected "
                f"the root's first, then down the chain)"
            )
        ]
    return []
