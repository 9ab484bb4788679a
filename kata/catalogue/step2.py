"""Step 2: the Value graph and forward values (micrograd/engine.py). What is checked, how it is judged."""

from __future__ import annotations

from kata.catalogue.core import Args, Expectation, Observation, Problem, against, check, compared, looks_like, said
from kata.catalogue.graphs import first_wrong_value, with_listing
from kata.numbers import show


@check(2, "new-value", "Value(x) is a leaf: data (a float), grad 0.0, no inputs, no op, a do-nothing _backward")
def new_value(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    if got.get("data_type") not in (None, "float") or got.get("Value(int).data is a float") is False:
        problems.append(looks_like("data-not-float"))
    return problems


@check(
    2, "op-forward", "an operation returns a new Value with the right data, made from its inputs (_prev) with an _op"
)
def op_forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    expected = expectation["expected"]
    if got.get("result is a Value") is False:
        return said(f"the result is not a Value: {show(got.get('result'))}")
    if got.get("a new node") is False or got.get("inputs unchanged") != expected["inputs unchanged"]:
        return [*compared(expected, got), looks_like("mutates-input")]
    if got.get("inputs reachable through _prev") != expected["inputs reachable through _prev"]:
        return [*compared(expected, got), looks_like("detached")]
    return against(expectation, got)


@check(2, "pow-exponent-type", "x ** e raises TypeError unless e is an int or a float")
def pow_exponent_type(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    if problems:
        problems.append(looks_like("pow-accepts-any-exponent"))
    return problems


@check(2, "log-domain", "Value(x).log() for x <= 0 raises ValueError naming x")
def log_domain(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    if got.get("raises") != "ValueError":
        return [Problem(f"Value({args['x']}).log() did not raise ValueError"), looks_like("log-no-error")]
    message = got.get("message", "")
    if not isinstance(message, str) or not any(form in message for form in expectation["names the value as one of"]):
        return [Problem(f"the message was {message!r}"), looks_like("log-unnamed-error")]
    return []


@check(2, "rpow-domain", "c ** Value(x) for a number c <= 0 raises ValueError naming c")
def rpow_domain(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    expression = f"({args['base']:g}) ** Value({args['x']:g})"
    if got.get("raises") != "ValueError":
        raised = got.get("raises")
        what = f"raised {raised}: {str(got.get('message', ''))[:200]}" if raised else "raised nothing"
        return [Problem(f"{expression} {what}"), looks_like("rpow-no-error")]
    message = got.get("message", "")
    if not isinstance(message, str) or not any(form in message for form in expectation["names the base as one of"]):
        return [Problem(f"the message was {message!r}"), looks_like("rpow-unnamed-error")]
    return []


@check(2, "stable", "tanh and sigmoid saturate at large |x| without OverflowError")
def stable(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    problems = compared(expectation["expected"], got)
    raised = {k for k, v in got.items() if isinstance(v, dict) and v.get("raised") == "OverflowError"}
    if {"tanh(+big)", "tanh(-big)"} & raised:
        problems.append(looks_like("tanh-overflows"))
    if {"sigmoid(+big)", "sigmoid(-big)"} & raised:
        problems.append(looks_like("sigmoid-overflows"))
    return problems


@check(2, "graph-forward", "every node of a random expression graph has the right data", weight=2.0)
def graph_forward(args: Args, expectation: Expectation, got: Observation) -> list[Problem]:
    spec = args["spec"]
    problems = first_wrong_value(spec, expectation["expected"]["data"], got.get("data"), expectation["alternatives"])
    return with_listing(spec, problems)
