"""make reset STEP=N: put a step's stubs back, after backing up the student's file.

A file can hold several steps (engine.py holds steps 2, 3 and 4), so only the step's own parts
are reset. For every function of the step, its body in the student's file is aligned with its
body in the stub template: the statements the template keeps (docstring, nested functions,
`out._backward = _backward`, `return out`, ...) are anchors, and whatever the student wrote where
the template has this step's `raise NotImplementedError(...)` is replaced by that raise again.
Code of other steps, and code the student added elsewhere, stays as it is. If a function can no
longer be aligned (renamed, restructured), it is replaced whole, and the report says so.

The student's file is first copied to .kata/backups/<time>/<file>: nothing is ever lost.
"""

from __future__ import annotations

import ast
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from kata.manifest import Manifest, Step
from kata.paths import PACKAGE, ROOT, SOLUTIONS

BACKUPS = ROOT / ".kata" / "backups"
TEMPLATES = Path(__file__).with_name("templates")  # frozen stubs, shipped where solutions/ is not


class ResetError(Exception):
    """The reset could not be done; the file is untouched (and backed up)."""


@dataclass
class Report:
    file: Path
    backup: Path
    reset: list[str] = field(default_factory=list)  # functions whose step parts were reset
    whole: list[str] = field(default_factory=list)  # functions replaced whole


def template(file: str, manifest: Manifest) -> str:
    """The untouched stub of a package file."""
    if (SOLUTIONS / PACKAGE).is_dir():
        from kata.dev import exercises as generator  # maintainers' copy: the stubs come from the generator

        return generator.build(SOLUTIONS / PACKAGE, manifest)[file]
    return (TEMPLATES / file).read_text(encoding="utf-8")


def backup(path: Path, root: Path = BACKUPS) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = root / stamp
    n = 2
    while (folder / path.name).exists():
        folder, n = root / f"{stamp}-{n}", n + 1
    folder.mkdir(parents=True)
    shutil.copy2(path, folder / path.name)
    return folder / path.name


def _end(node: ast.stmt) -> int:
    """The last line of a statement (Python's parser always knows it; the type says it might not)."""
    return node.end_lineno if node.end_lineno is not None else node.lineno


def _functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    found: dict[str, ast.FunctionDef] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if isinstance(child, ast.FunctionDef):
                    found[name] = child
                visit(child, name + ".")

    visit(tree, "")
    return found


def _is_stub(node: ast.stmt, step: int) -> bool:
    if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
        return False
    message = node.exc.args[0]
    return isinstance(message, ast.Constant) and str(message.value).startswith(f"Step {step}: ")


def _matches(template_node: ast.stmt, student_node: ast.stmt) -> bool:
    if isinstance(template_node, (ast.FunctionDef, ast.ClassDef)):
        return type(student_node) is type(template_node) and student_node.name == template_node.name
    if _docstring(template_node):
        return _docstring(student_node)
    return ast.dump(template_node) == ast.dump(student_node)


def _docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _plan(template_fn: ast.FunctionDef, student_fn: ast.FunctionDef, step: int) -> list[tuple[int, int, int]] | None:
    """Edits as (first student line, last student line, template stub index): the student's lines
    to replace by the template's stub. None when the bodies cannot be aligned."""
    edits = []
    j = 0
    pending: int | None = None  # index of a stub of this step waiting for its student segment
    body = student_fn.body
    for i, node in enumerate(template_fn.body):
        if _is_stub(node, step):
            pending = i
            continue
        start = j
        while j < len(body) and not _matches(node, body[j]):
            j += 1
        if j == len(body):
            return None
        if pending is not None:
            edits.append((start, j, pending))
            pending = None
        j += 1
    if pending is not None:
        edits.append((j, len(body), pending))
    return edits


def _line_edits(
    source_lines: list[str],
    template_lines: list[str],
    tfn: ast.FunctionDef,
    sfn: ast.FunctionDef,
    plan: list[tuple[int, int, int]],
) -> list[tuple[int, int, list[str]]]:
    """(first line, end line, new lines), 0-based and end exclusive, for one function."""
    changes = []
    for start, end, stub_index in plan:
        stub = tfn.body[stub_index]
        stub_text = template_lines[stub.lineno - 1 : _end(stub)]
        if start < end:
            first, last = sfn.body[start].lineno - 1, _end(sfn.body[end - 1])
            floor = _end(sfn.body[start - 1]) if start > 0 else sfn.lineno
            while first > floor and source_lines[first - 1].strip().startswith("#"):
                first -= 1  # the comments that open the student's code go with it
            ceiling = sfn.body[end].lineno - 1 if end < len(sfn.body) else len(source_lines)
            while last < ceiling and source_lines[last].strip().startswith("#"):
                last += 1  # and so do the comments that close it
        else:  # the student deleted everything there: insert after the previous statement
            first = last = _end(sfn.body[start - 1]) if start > 0 else sfn.body[0].lineno - 1
        changes.append((first, last, stub_text))
    return changes


def reset_step(
    step: Step, manifest: Manifest, package: Path, backups: Path = BACKUPS, whole_file: bool = False
) -> Report:
    """Put step's stubs back in package/step.file; returns what was done and where the backup is."""
    path = package / step.file
    if not path.exists():
        raise ResetError(f"{path} does not exist")
    report = Report(path, backup(path, backups))
    original = path.read_text(encoding="utf-8")
    fresh = template(step.file, manifest)
    if whole_file:
        path.write_text(fresh, encoding="utf-8")
        report.whole.append(f"all of {step.file}")
        return report
    try:
        student_tree = ast.parse(original)
    except SyntaxError as error:
        raise ResetError(
            f"{step.file} line {error.lineno} has a syntax error, so its parts cannot be told apart. "
            f"Fix it, or reset the whole file: python -m kata reset {step.number} --whole-file "
            "(your version is kept in the backup)"
        ) from None
    template_tree = ast.parse(fresh)
    template_fns, student_fns = _functions(template_tree), _functions(student_tree)
    lines, template_lines = original.splitlines(keepends=True), fresh.splitlines(keepends=True)
    changes: list[tuple[int, int, list[str]]] = []
    for function in step.functions:
        tfn, sfn = template_fns.get(function.name), student_fns.get(function.name)
        if tfn is None:
            raise ResetError(f"the template has no {function.name}")
        if sfn is None:
            raise ResetError(
                f"{function.name} is missing from {step.file}, so it cannot be reset in place. Reset "
                f"the whole file: python -m kata reset {step.number} --whole-file (after the backup)"
            )
        plan = _plan(tfn, sfn, step.number)
        if plan is None:
            whole_first = (sfn.decorator_list[0].lineno if sfn.decorator_list else sfn.lineno) - 1
            changes.append((whole_first, _end(sfn), template_lines[tfn.lineno - 1 : _end(tfn)]))
            report.whole.append(function.name)
        else:
            changes += _line_edits(lines, template_lines, tfn, sfn, plan)
            report.reset.append(function.name)
    for first, last, new in sorted(_outermost(changes), reverse=True):
        lines[first:last] = new
    text = "".join(lines)
    try:
        compile(text, step.file, "exec")
    except SyntaxError as error:
        raise ResetError(
            f"resetting would leave {step.file} broken (line {error.lineno}); nothing was changed. "
            f"Try: python -m kata reset {step.number} --whole-file"
        ) from None
    path.write_text(text, encoding="utf-8")
    return report


def _outermost(changes: list[tuple[int, int, list[str]]]) -> list[tuple[int, int, list[str]]]:
    """Drop edits inside a function that is replaced whole (a nested closure, say)."""
    kept = []
    for change in changes:
        inside = any(
            o[0] <= change[0] and change[1] <= o[1] and o != change and o[1] - o[0] > change[1] - change[0]
            for o in changes
        )
        if not inside:
            kept.append(change)
    return kept
