"""The catalogue: deterministic cases that cover the same kinds of input whatever the seed, an oracle
that agrees with calculus and with the reference engine, judges that never pass NaN and stay
linear in what a student returns, and expectations that are plain data."""

import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings

from kata.catalogue import CHECKS, PUBLIC_SEED, STEPS, judge
from kata.catalogue.bugs import BUGS
from kata.catalogue.core import Case, Observation, compare
from kata.harness.build import CLOSURE_FORMS, FORMS, build_with_ops
from kata.harness.observe import Implementation
from kata.harness.probes import PROBES
from kata.numbers import EXACT, FINITE_DIFFERENCE, Tolerance, close, is_real
from kata.oracle.choose import RandomChooser
from kata.oracle.draw import STEP_MODULES, cases
from kata.oracle.expect import EXPECT, expectation
from kata.oracle.graphs import central_differences, evaluate, gradients, random_graph, slots_for
from kata.oracle.ops import FORMULAS, LIMIT
from kata.oracle.reference import reference as load_reference
from tests.random_cases import random_case


@pytest.fixture(scope="module")
def reference() -> Implementation:
    return load_reference("micrograd_catalogue_reference")


@pytest.mark.parametrize("step", STEPS)
def test_cases_are_deterministic_per_seed_and_salt(step: int) -> None:
    first, again = cases(step, 1), cases(step, 1)
    assert len({c.id for c in first}) == len(first), "case ids must be unique within a step"
    assert [c.args for c in first] == [c.args for c in again]
    assert [c.args for c in first] != [c.args for c in cases(step, 2)], "another seed gives other numbers"
    salted = cases(step, 1, salt="another submission")
    assert [c.args for c in first] != [c.args for c in salted], "another submission gets other numbers"


@pytest.mark.parametrize("step", STEPS)
def test_every_seed_draws_the_same_checks_the_same_number_of_times(step: int) -> None:
    """Seed-stable scores start here: the same cases per check, whatever the seed or salt."""
    counts = [sorted(c.key for c in cases(step, seed, salt)) for seed in range(6) for salt in ("", "x")]
    assert all(c == counts[0] for c in counts)


def test_the_op_cases_cover_every_form_and_both_sides_of_every_kink() -> None:
    for seed in range(10):
        forward = [c.args for c in cases(2, seed) if c.key == "step2.op-forward"]
        assert sorted({a["op"] for a in forward}) == sorted(FORMS)
        relus = sorted(a["inputs"][0] for a in forward if a["op"] == "relu")
        assert relus[0] < 0 < relus[1] < 1 < relus[2], "negative, between 0 and 1, above 1"
        exponents = {a["const"] for a in forward if a["op"] == "pow"}
        assert any(e > 1 for e in exponents) and any(e < 0 for e in exponents) and any(e != int(e) for e in exponents)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, None, "1.0", True, [1.0]])
def test_close_never_accepts_what_is_not_a_finite_real(bad: object) -> None:
    assert not close(1.0, bad)
    assert not close(bad, 1.0)
    assert not close(bad, bad)


def test_close_combines_relative_and_absolute_tolerance() -> None:
    tol = Tolerance(rel=1e-3, abs=1e-6)
    assert close(1000.0, 1000.9, tol) and not close(1000.0, 1001.1, tol)
    assert close(0.0, 9e-7, tol) and not close(0.0, 2e-6, tol)
    assert close(1.0, 1.0 + 1e-8) and not close(1.0, 1.0 + 1e-6)


def test_a_float_subclass_that_lies_is_not_a_number() -> None:
    class Liar(float):
        def __eq__(self, other: object) -> bool:
            return True

        def __sub__(self, other: object) -> float:
            return 0.0

    assert not is_real(Liar(5.0)) and not close(1.0, Liar(5.0))


def test_compare_reports_nan_none_missing_keys_and_types() -> None:
    assert compare({"x": 1.0}, {"x": math.nan}) == ["x: expected 1, got nan (not a finite number)"]
    none = compare({"x": 1.0}, {"x": {"not_a_number": "NoneType", "repr": "None"}})[0]
    assert "forget to `return`" in none
    assert compare({"x": 1.0}, {"x": {"raised": "OverflowError"}}) == ["x: expected 1, but OverflowError was raised"]
    assert compare({"x": 1.0, "y": 2.0}, {"x": 1.0}) == ["y: missing"]
    assert compare({"x": [1.0, 2.0]}, {"x": [1.0]}) == ["x: expected 2 items, got 1"]
    assert compare({"ok": True}, {"ok": 1}) == ["ok: expected True, got 1"]


def test_random_graphs_hold_every_form_and_stay_well_scaled() -> None:
    for seed in range(100):
        spec = random_graph(RandomChooser(random.Random(seed)), list(FORMS))
        values = evaluate(spec)
        assert all(math.isfinite(v) and abs(v) <= LIMIT for v in values)
        assert sorted(n["op"] for n in spec["nodes"]) == sorted(name for name, _ in slots_for(list(FORMS)))


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(random_case(3, "step3.graph-closures"))
def test_the_oracle_agrees_with_central_differences(case: Case) -> None:
    spec = case.args["spec"]
    exact = gradients(spec, evaluate(spec))
    measured = central_differences(spec)
    assert all(close(m, e, FINITE_DIFFERENCE) for m, e in zip(measured, exact))


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(random_case(2, "step2.graph-forward"))
def test_the_reference_engine_agrees_with_the_oracle(reference: Implementation, case: Case) -> None:
    spec = case.args["spec"]
    nodes = build_with_ops(spec, reference.Value)
    nodes[-1].backward()
    values = evaluate(spec)
    assert all(close(v, n.data, EXACT) for v, n in zip(values, nodes))
    assert all(close(g, n.grad, EXACT) for g, n in zip(gradients(spec, values), nodes))


def test_every_check_has_probe_expectation_and_cases() -> None:
    used = {case.key for step in STEPS for case in cases(step, 5)}
    assert used == set(CHECKS) == set(PROBES) == set(EXPECT)


def test_every_bug_a_formula_names_is_in_the_catalogue_of_bugs() -> None:
    for formula in FORMULAS.values():
        assert set(formula.wrong_partials) | set(formula.wrong_forward) <= set(BUGS)


@pytest.mark.parametrize("step", STEPS)
def test_expectations_are_plain_data(reference: Implementation, step: int) -> None:
    for case in cases(step, 3):
        if case.key == "step4.deep-chain":
            continue
        observation = PROBES[case.key](reference, case.args)
        data = expectation(case, observation)
        assert json.loads(json.dumps(data)) == data, f"{case.id}: the expectation is not plain JSON data"


def _poison(observation: object, bad: float) -> object:
    """The observation with every float replaced by bad; None if it holds no float."""
    if isinstance(observation, float):
        return bad
    if isinstance(observation, list):
        items = [_poison(x, bad) for x in observation]
        if all(i is None for i in items):
            return None
        return [b if b is not None else x for b, x in zip(items, observation)]
    if isinstance(observation, dict) and "not_a_number" not in observation:
        poisoned = {k: _poison(v, bad) for k, v in observation.items()}
        if all(v is None for v in poisoned.values()):
            return None
        return {k: (poisoned[k] if poisoned[k] is not None else v) for k, v in observation.items()}
    return None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("step", STEPS)
def test_no_judge_passes_nan_or_infinity(reference: Implementation, step: int, bad: float) -> None:
    """For every case: the reference's own result, with its numbers made NaN or infinite, is wrong."""
    for case in cases(step, 7):
        if case.key == "step4.deep-chain":
            continue
        observation = PROBES[case.key](reference, case.args)
        poisoned = _poison(observation, bad)
        if not isinstance(poisoned, dict) or case.key in NUMBERLESS:
            continue
        assert judge(case, expectation(case, poisoned), poisoned), f"{case.id} accepts {bad}"


# checks whose observation's numbers are inputs the probe set, not results: poisoning them proves nothing
NUMBERLESS = {"step3.op-backward", "step3.accumulate", "step3.graph-closures", "step4.backward-order"}


def test_the_order_judge_stays_linear_in_what_the_student_returns() -> None:
    """A 400,000-long order is reported as its length and its first items, and judged from those."""
    case = next(c for c in cases(4, 1) if c.key == "step4.topological-order")
    huge: Observation = {"orders": [{"length": 400_000, "items": [0] * 2000}]}
    problems = judge(case, expectation(case, huge), huge)
    assert any(p.bug == "topo-duplicates" for p in problems)


def test_no_closure_form_has_a_plain_number_operand() -> None:
    assert all(not FORMULAS[name].consts or name in ("pow", "rpow") for name in CLOSURE_FORMS)  # x ** n, c ** x


@pytest.mark.parametrize("step", sorted(STEP_MODULES))
def test_cases_of_the_public_seed_judge_the_reference_right(reference: Implementation, step: int) -> None:
    for case in cases(step, PUBLIC_SEED):
        observation = PROBES[case.key](reference, case.args)
        assert judge(case, expectation(case, observation), observation) == [], case.id
