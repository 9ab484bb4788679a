"""Where the student is, found without running a check: the current step and the function at hand.

Two sources, both cheap:
- the stubs still in the student's files (a `raise NotImplementedError("Step N: ...")` whose message
  names its function exactly, as kata.toml makes it);
- what the last run of each step found (.kata/last-run.json, written by the runner): its verdict,
  and the file and line of the student's exceptions.
The current step is the first one that still has a stub or did not pass last time; make watch
starts there (and then checks the earlier steps for regressions), make hint hints it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kata.manifest import Function, Manifest, Step
from kata.messages import function_at
from kata.paths import PACKAGE, implementation_dir
from kata.runner import last_state

STUB_TEXT = re.compile(r"""NotImplementedError\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\)""")


def stub_messages(source: str) -> list[str]:
    """The messages of the kata stubs raised in a file, in file order (even if the file does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        found = []
        for match in STUB_TEXT.finditer(source):
            try:
                message = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError):
                continue
            if isinstance(message, str) and message.startswith("Step "):
                found.append(message)
        return found
    messages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            first = node.exc.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("Step "):
                messages.append((node.lineno, first.value))
    return [message for _, message in sorted(messages)]


def stubbed(manifest: Manifest, package: Path) -> dict[int, list[Function]]:
    """step number -> its functions whose stub is still in the student's file, in kata.toml's order."""
    texts: dict[str, set[str]] = {}
    found: dict[int, list[Function]] = {}
    for step in manifest.steps:
        if step.file not in texts:
            try:
                texts[step.file] = set(stub_messages((package / step.file).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                texts[step.file] = set()
        left = [f for f in step.functions if step.stub_message(f) in texts[step.file]]
        if left:
            found[step.number] = left
    return found


def current_step(manifest: Manifest, impl: str) -> Step | None:
    """The first step that still has a stub or did not pass its last run; None when every step passed
    its last run and no stub is left."""
    package = implementation_dir(impl) / PACKAGE
    stubs = stubbed(manifest, package)
    recorded = last_state(impl)
    candidates = [min(stubs)] if stubs else []
    candidates += [n for n, found in sorted(recorded.items()) if found.get("state") != "passed"][:1]
    if candidates:
        return manifest.step(min(candidates))
    if all(recorded.get(step.number, {}).get("state") == "passed" for step in manifest.steps):
        return None
    return manifest.steps[0]


def _matching(step: Step, name: str) -> Function | None:
    """The step's function with this qualified name, or the one it is nested in (a closure's owner)."""
    for function in step.functions:
        if name == function.name:
            return function
    for function in step.functions:
        if name.startswith(function.name + ".") or function.name.startswith(name + "."):
            return function
    return None


def current_function(step: Step, manifest: Manifest, impl: str) -> Function | None:
    """The function of the step the student is at: the first with its stub still there, else the one
    where the last run's exception happened (None when that is not known)."""
    package = implementation_dir(impl) / PACKAGE
    left = stubbed(manifest, package).get(step.number)
    if left:
        return left[0]
    for problem in last_state(impl).get(step.number, {}).get("problems", []):
        if not isinstance(problem, dict) or not problem.get("file") or not problem.get("line"):
            continue
        try:
            source = (package / str(problem["file"])).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = _matching(step, function_at(source, int(problem["line"])))
        if found:
            return found
    return None


def failing_checks(step: Step, impl: str) -> list[str]:
    """The names of the checks the last run of the step found failing ('op-forward[a * b with ...]')."""
    names = last_state(impl).get(step.number, {}).get("failing", [])
    return [check_name(name) for name in names if isinstance(name, str)]


def check_name(test: str) -> str:
    """'test_check[op-forward[a * b]]' -> 'op-forward[a * b]'; other test names stay as they are."""
    test = test.split("::", 1)[-1]
    if test.startswith("test_check[") and test.endswith("]"):
        return test[len("test_check[") : -1]
    return test
