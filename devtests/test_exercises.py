"""The exercise generator: the stubs are exactly what the reference and the manifest make."""

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

from kata.dev.exercises import GeneratorError, build, differences, find_regions
from kata.manifest import load, parse
from kata.paths import EXERCISES, PACKAGE, SOLUTIONS

MANIFEST = load()


def test_committed_exercises_are_what_the_generator_makes() -> None:
    assert differences(build(SOLUTIONS / PACKAGE, MANIFEST), EXERCISES / PACKAGE) == []


def _public_api(path: Path) -> dict[str, str]:
    """{name: arguments} of every module-level function and class method."""
    tree = ast.parse(path.read_text())
    api = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            api[node.name] = ast.dump(node.args)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    api[f"{node.name}.{item.name}"] = ast.dump(item.args)
    return api


@pytest.mark.parametrize("module", sorted(p.stem for p in (SOLUTIONS / PACKAGE).glob("*.py")))
def test_stubs_keep_every_name_and_signature(module: str) -> None:
    assert _public_api(EXERCISES / PACKAGE / f"{module}.py") == _public_api(SOLUTIONS / PACKAGE / f"{module}.py")


def test_every_stub_names_its_step_and_the_hint_command() -> None:
    stubs = 0
    for path in (EXERCISES / PACKAGE).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", "") == "NotImplementedError"
            ):
                message = ast.literal_eval(node.exc.args[0])
                if message.startswith("Step "):  # a stub (an abstract method may raise it too)
                    assert message.endswith(f"(make hint STEP={message.split()[1][:-1]})"), message
                    stubs += 1
    regions = sum(len(find_regions(p.name, p.read_text(), MANIFEST)) for p in (SOLUTIONS / PACKAGE).glob("*.py"))
    assert stubs == regions > 0


def test_the_stubs_import_cleanly_and_hold_no_solution(tmp_path: Path) -> None:
    for path in (EXERCISES / PACKAGE).glob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text()
    spec = importlib.util.spec_from_file_location(
        "stubs", EXERCISES / PACKAGE / "__init__.py", submodule_search_locations=[str(EXERCISES / PACKAGE)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["stubs"] = package
    try:
        spec.loader.exec_module(package)
        for name in sorted(p.stem for p in (EXERCISES / PACKAGE).glob("*.py") if p.stem != "__init__"):
            importlib.import_module(f"stubs.{name}")
    finally:
        for name in [m for m in sys.modules if m == "stubs" or m.startswith("stubs.")]:
            del sys.modules[name]


def test_upto_keeps_the_reference_for_steps_up_to_n() -> None:
    two = build(SOLUTIONS / PACKAGE, MANIFEST, upto=2)["engine.py"]
    assert "out = Value(self.data * other.data" in two  # step 2 kept
    assert "Step 3: add this op's chain-rule contribution" in two  # step 3 stubbed
    assert "BEGIN SOLUTION" not in two
    assert build(SOLUTIONS / PACKAGE, MANIFEST, upto=6)["engine.py"].count("NotImplementedError(") == 0


STEPS = parse("""
[kata]
package = "micrograd"
total_points = 1
public_seed = 1
grading_seed = 2
[[steps]]
number = 1
title = "t"
file = "m.py"
points = 1
budget = 1
teaches = "x"
task = "write {name}"
functions = ["f", "C.g._backward"]
hints = ["a", "b", "c"]
""")


def test_regions_map_to_the_innermost_function() -> None:
    source = (
        "class C:\n"
        "    def g(self):\n"
        "        def _backward():\n"
        "            ### BEGIN SOLUTION\n"
        "            return 1\n"
        "            ### END SOLUTION\n"
        "        return _backward\n"
        "\n"
        "def f():\n"
        "    ### BEGIN SOLUTION\n"
        "    return 2\n"
        "    ### END SOLUTION\n"
    )
    regions = find_regions("m.py", source, STEPS)
    assert [(r.function.name, r.indent, r.begin, r.end) for r in regions] == [
        ("C.g._backward", " " * 12, 4, 6),
        ("f", " " * 4, 10, 12),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
            "line 3: BEGIN SOLUTION inside",
        ),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "line 2: BEGIN SOLUTION is never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "line 3: END SOLUTION without"),
        ("def f():\n    x = 1  ### BEGIN SOLUTION\n", "line 2: a marker must be alone"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "line 1: a solution region must be inside a function"),
        (
            "def h():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
            "h holds a solution region but no step",
        ),
        ("def f(:\n", "does not parse"),
    ],
)
def test_malformed_regions_are_reported_with_file_and_line(source: str, message: str) -> None:
    with pytest.raises(GeneratorError, match=message.replace("(", r"\(")):
        find_regions("m.py", source, STEPS)
