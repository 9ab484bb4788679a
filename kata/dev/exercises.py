"""The exercise generator: solutions/micrograd -> exercises/micrograd.

Every `### BEGIN SOLUTION` ... `### END SOLUTION` region of the reference becomes
`raise NotImplementedError("Step N: <task> (make hint STEP=N)")`, at the region's indentation.
The step and the task come from the manifest, found by the innermost function around the
region. Everything else (imports, signatures, docstrings, helpers) is copied unchanged, so
every module of the exercises imports cleanly and every name exists from day one.

`upto=N` keeps the reference code of steps <= N and stubs the rest: the stub ladder of
`make check`, and the partly finished sample submissions of the grader.
"""

from __future__ import annotations

import ast
import difflib
import shutil
from dataclasses import dataclass
from pathlib import Path

from kata.manifest import Function, Manifest, Step

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class GeneratorError(ValueError):
    """The reference's solution regions cannot be turned into exercises; says where and why."""


@dataclass(frozen=True)
class Region:
    file: str
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str
    function: Function
    step: Step

    @property
    def stub(self) -> str:
        return f"{self.indent}raise NotImplementedError({self.step.stub_message(self.function)!r})\n"


def _function_spans(source: str, file: str) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every def in the file, classes included in names."""
    try:
        tree = ast.parse(source, filename=file)
    except SyntaxError as error:
        raise GeneratorError(f"{file} line {error.lineno}: the reference does not parse: {error.msg}") from None
    spans: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((name, child.lineno, child.end_lineno or child.lineno))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_regions(file: str, source: str, manifest: Manifest) -> list[Region]:
    """The solution regions of one reference file, each tied to its step via the manifest."""
    index = manifest.function_index()
    spans = _function_spans(source, file)
    regions: list[Region] = []
    begin: int | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if (BEGIN in line or END in line) and stripped not in (BEGIN, END):
            raise GeneratorError(f"{file} line {number}: a marker must be alone on its line: {stripped!r}")
        if stripped == BEGIN:
            if begin is not None:
                raise GeneratorError(f"{file} line {number}: BEGIN SOLUTION inside the region opened at line {begin}")
            begin = number
        elif stripped == END:
            if begin is None:
                raise GeneratorError(f"{file} line {number}: END SOLUTION without a BEGIN SOLUTION")
            body = source.splitlines()[begin : number - 1]
            code = [begin + 1 + i for i, text in enumerate(body) if text.strip() and not text.strip().startswith("#")]
            if not code:
                raise GeneratorError(f"{file} line {begin}: the solution region holds no code")
            enclosing = [s for s in spans if s[1] < code[0] and code[-1] <= s[2]]
            if not enclosing:
                raise GeneratorError(f"{file} line {begin}: a solution region must be inside a function")
            name = max(enclosing, key=lambda s: s[1])[0]
            if (file, name) not in index:
                raise GeneratorError(
                    f"{file} line {begin}: {name} holds a solution region but no step of kata.toml "
                    f"lists it under file = {file!r}"
                )
            step, function = index[(file, name)]
            marker_line = source.splitlines()[begin - 1]
            indent = marker_line[: len(marker_line) - len(marker_line.lstrip())]
            regions.append(Region(file, begin, number, indent, function, step))
            begin = None
    if begin is not None:
        raise GeneratorError(f"{file} line {begin}: BEGIN SOLUTION is never closed")
    return regions


def render(source: str, regions: list[Region], upto: int = 0) -> str:
    """The file with regions of steps > upto stubbed and the markers of the others removed."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for region in regions:
        out.extend(lines[position : region.begin - 1])
        if region.step.number <= upto:
            out.extend(lines[region.begin : region.end - 1])
        else:
            out.append(region.stub)
        position = region.end
    out.extend(lines[position:])
    return "".join(out)


def render_step(source: str, regions: list[Region], step: int) -> str:
    """The file for step `step`'s notebook: earlier steps' code kept, this step's regions kept WITH
    their markers (nbgrader clears them), later steps stubbed."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for region in regions:
        out.extend(lines[position : region.begin - 1])
        if region.step.number < step:
            out.extend(lines[region.begin : region.end - 1])
        elif region.step.number == step:
            out.extend(lines[region.begin - 1 : region.end])
        else:
            out.append(region.stub)
        position = region.end
    out.extend(lines[position:])
    return "".join(out)


def reference_files(solutions_package: Path) -> list[Path]:
    return sorted(p for p in solutions_package.glob("*.py") if p.is_file())


def build(solutions_package: Path, manifest: Manifest, upto: int = 0) -> dict[str, str]:
    """file name -> generated text, for every module of the reference package."""
    generated: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for path in reference_files(solutions_package):
        source = path.read_text(encoding="utf-8")
        regions = find_regions(path.name, source, manifest)
        seen.update((r.file, r.function.name) for r in regions)
        text = render(source, regions, upto)
        try:
            compile(text, path.name, "exec")
        except SyntaxError as error:
            raise GeneratorError(
                f"the generated {path.name} does not compile (line {error.lineno}): {error.msg}"
            ) from None
        generated[path.name] = text
    missing = [f"{file}: {name}" for (file, name) in manifest.function_index() if (file, name) not in seen]
    if missing:
        raise GeneratorError("kata.toml lists functions with no solution region: " + ", ".join(missing))
    return generated


def write(generated: dict[str, str], package_dir: Path) -> None:
    """Replace package_dir with exactly the generated files."""
    if package_dir.exists():
        shutil.rmtree(package_dir)
    package_dir.mkdir(parents=True)
    for name, text in generated.items():
        (package_dir / name).write_text(text, encoding="utf-8")


def differences(generated: dict[str, str], package_dir: Path) -> list[str]:
    """Unified diffs between what the generator makes and what package_dir holds."""
    problems: list[str] = []
    on_disk = {p.name for p in package_dir.glob("*.py")} if package_dir.is_dir() else set()
    for name in sorted(on_disk - set(generated)):
        problems.append(f"{package_dir / name} is not made by the generator (it has no file in solutions/)\n")
    for name, text in sorted(generated.items()):
        path = package_dir / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{path} (committed)",
                tofile=f"{path} (generated)",
            )
            problems.append("".join(diff) or f"{path} is missing\n")
    return problems
