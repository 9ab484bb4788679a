"""The sandbox boundary: the child's harness holds exactly the kata's sandbox package, and nothing in it
can compute a right answer (no op formula, no derivative, no order of a graph, no training or
optimiser simulation, no finite difference): those live in kata/oracle, which never enters the sandbox."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.sandbox import CHILD, build_harness
from kata.paths import ROOT

HARNESS = ROOT / "kata" / "harness"

# names the trusted side uses for what computes an answer; none may be defined in the sandbox package
ORACLE_NAMES = {
    "forward", "partials", "evaluate", "gradients", "central_differences", "central", "reverse_sweep", "simulate",
    "exact_derivative", "exact_gradient", "plain_forward", "topological_order", "backward_pass", "expectation",
    "expect", "sigmoid", "tanh", "mse", "predict",
}  # fmt: skip
# where the harness may import math: the test functions of step 1 are f(x) = sin(k x) and friends, and
# step 5 checks that weights are finite
MATH_ALLOWED = {"probes/step1.py", "probes/step5.py"}


def test_the_harness_folder_holds_the_sandbox_package_and_nothing_else(tmp_path: Path) -> None:
    harness = build_harness(tmp_path)
    files = sorted(str(p.relative_to(harness)) for p in harness.rglob("*") if p.is_file())
    sources = sorted(["kata/__init__.py", *(f"kata/harness/{p.relative_to(HARNESS)}" for p in HARNESS.rglob("*.py"))])
    assert [f for f in files if "__pycache__" not in f] == sources
    # and the bytecode of exactly those sources, compiled once by the grader (a child never writes any)
    compiled = [f for f in files if "__pycache__" in f]
    assert sorted(f.replace("/__pycache__", "").split(".cpython")[0] + ".py" for f in compiled) == sources
    assert (harness / CHILD).is_file()


def test_importing_it_as_the_sandbox_does_loads_only_the_standard_library_and_the_harness(tmp_path: Path) -> None:
    harness = build_harness(tmp_path)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import kata.harness.child, kata.harness.probes, kata.harness.tracer;"
        "import importlib.util;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'kata');"
        "print(loaded);"
        "print([n for n in ('kata.oracle', 'kata.catalogue', 'grader') if importlib.util.find_spec(n) is not None]);"
        "print(sorted({getattr(m, '__file__', '') or '' for m in list(sys.modules.values())} - {''}))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", script, str(harness)], capture_output=True, text=True, check=True
    )
    loaded, reachable, files = (eval(line) for line in done.stdout.splitlines())
    assert all(m == "kata" or m.startswith("kata.harness") for m in loaded), loaded
    assert reachable == [], f"the sandbox can import {reachable}"
    base = Path(sys.base_prefix).resolve()
    outside = [f for f in files if not (Path(f).resolve().is_relative_to(base) or f.startswith(str(harness)))]
    assert outside == [], f"loaded from outside the standard library and the harness: {outside}"


def _sources() -> dict[str, ast.Module]:
    return {str(p.relative_to(HARNESS)): ast.parse(p.read_text(encoding="utf-8")) for p in HARNESS.rglob("*.py")}


def test_no_function_of_the_harness_is_named_like_an_answer() -> None:
    """(The kata engine's Value has methods named tanh and sigmoid: they only record the operation.)"""
    for name, tree in _sources().items():
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert not defined & ORACLE_NAMES, f"{name} defines {defined & ORACLE_NAMES}"


def test_the_harness_imports_nothing_that_knows_an_answer() -> None:
    for name, tree in _sources().items():
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            for module in modules:
                assert not module.startswith(("kata.oracle", "kata.catalogue", "grader")), f"{name} imports {module}"
                assert module.split(".")[0] != "kata" or module.startswith("kata.harness"), f"{name}: {module}"
                if module == "math":
                    assert name in MATH_ALLOWED, f"{name} imports math: the harness computes no maths"


def test_the_kata_engine_computes_nothing_itself() -> None:
    """kata.harness.tracer records operations; every number comes from the evaluator it is given."""
    from kata.harness.tracer import make_engine

    asked = []

    def evaluator(message: dict[str, Any]) -> dict[str, list[float]]:
        asked.append(message)
        return {"values": [42.0] * len(message.get("vids", []))}

    Value = make_engine(evaluator).Value
    x = Value(2.0)
    y = (x * 3 + 1).tanh()
    assert asked == []  # nothing computed yet
    assert y.data == 42.0 and len(asked) == 1  # the number is the evaluator's, whatever it says
    assert [entry[1] for entry in asked[0]["add"]] == ["leaf", "leaf", "mul", "leaf", "add", "tanh"]
