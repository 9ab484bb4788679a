"""The shared catalogue: deterministic cases, closeness that never accepts NaN, graphs that are
well conditioned, an oracle that agrees with the reference, diagnoses that name the right bug."""

import math
import random

import pytest
from hypothesis import given

from kata.checks import STEP_MODULES, cases
from kata.checks.core import compare
from kata.diagnosis import diagnose_grads, diagnose_values, graph_report
from kata.graphs import ALL_OPS, LIMIT, OPS, RandomChooser, central_differences, evaluate, random_graph, reverse_sweep
from kata.numbers import EXACT, FINITE_DIFFERENCE, Tolerance, close, is_real
from tests.strategies import graph_specs


@pytest.mark.parametrize("step", sorted(STEP_MODULES))
def test_case_ids_are_unique_and_cases_are_deterministic(step):
    first, again, other = cases(step, 1), cases(step, 1), cases(step, 2)
    assert len({c.id for c in first}) == len(first)
    assert [c.args for c in first] == [c.args for c in again]
    assert [c.args for c in first] != [c.args for c in other], "another seed must give other numbers"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, None, "1.0", True, [1.0]])
def test_close_never_accepts_what_is_not_a_finite_real(bad):
    assert not close(1.0, bad)
    assert not close(bad, 1.0)
    assert not close(bad, bad)


def test_close_combines_relative_and_absolute_tolerance():
    tol = Tolerance(rel=1e-3, abs=1e-6)
    assert close(1000.0, 1000.9, tol) and not close(1000.0, 1001.1, tol)
    assert close(0.0, 9e-7, tol) and not close(0.0, 2e-6, tol)
    assert close(1.0, 1.0 + 1e-8) and not close(1.0, 1.0 + 1e-6)


def test_a_float_subclass_that_lies_is_not_a_number():
    class Liar(float):
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return 0.0

    assert not is_real(Liar(5.0)) and not close(1.0, Liar(5.0))


def test_compare_reports_nan_missing_keys_and_types():
    assert compare({"x": 1.0}, {"x": math.nan}) == ["x: expected 1, got nan (not a finite number)"]
    assert compare({"x": 1.0, "y": 2.0}, {"x": 1.0}) == ["y: missing"]
    assert compare({"x": [1.0, 2.0]}, {"x": [1.0]}) == ["x: expected 2 items, got 1"]
    assert compare({"ok": True}, {"ok": 1}) == ["ok: expected True, got 1"]
    assert compare({"x": 1.0}, {"x": {"not_a_number": "str", "repr": "'1'"}})[0].startswith("x: expected 1, got '1'")


def test_random_graphs_use_every_op_and_stay_well_scaled():
    seen = set()
    for seed in range(300):
        spec = random_graph(RandomChooser(random.Random(seed)))
        values = evaluate(spec)
        assert all(math.isfinite(v) and abs(v) <= LIMIT for v in values)
        seen.update(node["op"] for node in spec["nodes"])
    assert seen == set(ALL_OPS)


@given(graph_specs())
def test_the_oracle_agrees_with_central_differences(spec):
    exact = reverse_sweep(spec, evaluate(spec))
    measured = central_differences(spec)
    assert all(close(m, e, FINITE_DIFFERENCE) for m, e in zip(measured, exact))


@given(graph_specs())
def test_the_reference_engine_agrees_with_the_oracle(reference, spec):
    from kata.graphs import build_with_ops

    nodes = build_with_ops(spec, reference.Value)
    nodes[-1].backward()
    values = evaluate(spec)
    assert all(close(v, n.data, EXACT) for v, n in zip(values, nodes))
    assert all(close(g, n.grad, EXACT) for g, n in zip(reverse_sweep(spec, values), nodes))


TANH_TWICE = {
    "leaves": [0.7, -1.2],
    "nodes": [
        {"op": "mul", "args": [0, 1]},
        {"op": "tanh", "args": [2]},
        {"op": "add", "args": [3, 2]},
        {"op": "exp", "args": [4]},
    ],
}


def _grads_with(spec, op_name, bug):
    """Gradients when op_name's local derivative is the named classic bug."""

    def partials(k, op, inputs, output, const):
        if op.name == op_name:
            return op.wrong_partials[bug](inputs, output, const)
        return op.partials(inputs, output, const)

    return reverse_sweep(spec, evaluate(spec), partials=partials)


@pytest.mark.parametrize("bug", list(OPS["tanh"].wrong_partials))
def test_a_wrong_local_derivative_is_named(bug):
    values = evaluate(TANH_TWICE)
    got = _grads_with(TANH_TWICE, "tanh", bug)
    text = "\n".join(diagnose_grads(TANH_TWICE, values, reverse_sweep(TANH_TWICE, values), got, "closures"))
    assert "v3 = v2.tanh()" in text and bug in text


def test_assignment_instead_of_accumulation_is_named():
    values = evaluate(TANH_TWICE)
    got = reverse_sweep(TANH_TWICE, values, accumulate=False)
    text = "\n".join(diagnose_grads(TANH_TWICE, values, reverse_sweep(TANH_TWICE, values), got, "closures"))
    assert "`=` instead of `+=`" in text


@pytest.mark.parametrize(
    ("variant", "named"),
    [
        ({"seed": 0.0}, "backward() must set it to 1.0"),
        ({"order": [2, 3, 4, 5]}, "forward order"),
    ],
)
def test_step4_bugs_are_named(variant, named):
    values = evaluate(TANH_TWICE)
    got = reverse_sweep(TANH_TWICE, values, **variant)
    text = "\n".join(diagnose_grads(TANH_TWICE, values, reverse_sweep(TANH_TWICE, values), got, "backward"))
    assert named in text


def test_the_first_wrong_value_is_named_with_its_op_and_inputs():
    spec = {"leaves": [2.0], "nodes": [{"op": "rsub", "args": [0], "const": 3.0}, {"op": "exp", "args": [1]}]}
    values = evaluate(spec)
    got = [2.0, -1.0, math.exp(-1.0)]
    text = "\n".join(diagnose_values(spec, values, got))
    assert "v1 = 3 - x0" in text and "expected 1, got -1" in text and "c - x was computed as x - c" in text


def test_a_right_graph_has_no_report():
    values = evaluate(TANH_TWICE)
    grads = reverse_sweep(TANH_TWICE, values)
    assert graph_report(TANH_TWICE, {"data": values, "grad": grads}, {"data": values, "grad": grads}, "closures") == []


def _poison(observation, bad):
    """The observation with every float replaced by bad; None if it holds no float."""
    if isinstance(observation, float):
        return bad
    if isinstance(observation, list):
        items = [_poison(x, bad) for x in observation]
        return (
            [b if b is not None else x for b, x in zip(items, observation)]
            if any(i is not None for i in items)
            else None
        )
    if isinstance(observation, dict) and "not_a_number" not in observation:
        items = {k: _poison(v, bad) for k, v in observation.items()}
        if all(v is None for v in items.values()):
            return None
        return {k: (items[k] if items[k] is not None else v) for k, v in observation.items()}
    return None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("step", sorted(STEP_MODULES))
def test_no_judge_passes_nan_or_infinity(reference, step, bad):
    """For every case of the catalogue: the reference's own result, with its numbers made NaN or
    infinite, must be judged wrong. (A check that silently passes on NaN is a defect.)"""
    for case in cases(step):
        expected = case.check.probe(reference, case.args)
        poisoned = _poison(expected, bad)
        if poisoned is None:
            continue
        assert case.check.judge(case.args, expected, poisoned), f"{case.id} accepts {bad} everywhere"
