"""Support for the kata's Jupyter notebooks (the nbgrader course): a micrograd package built from
notebook cells, and the checks of the catalogue run from test cells.

    from kata.notebook import setup, check
    setup()                       # once, at the top: registers the %%micrograd cell magic

    %%micrograd engine            # a cell that IS micrograd/engine.py: its code runs as that module,
    class Value: ...              # so `from .engine import Value` in a later module works as usual

    check("step3.op-backward", [...])   # a test cell: probe your micrograd, judge against the expectations
                                        # recorded with each case (the notebooks carry no oracle)
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from kata.catalogue import CHECKS, Case
from kata.catalogue.core import failure_text
from kata.catalogue.verdicts import of_error, of_result
from kata.harness.observe import Implementation, describe_exception
from kata.harness.probes import PROBES
from kata.paths import PACKAGE


def _package() -> types.ModuleType:
    package = sys.modules.get(PACKAGE)
    if package is None or getattr(package, "__notebook__", False) is False:
        package = types.ModuleType(PACKAGE)
        package.__path__ = []
        package.__notebook__ = True  # type: ignore[attr-defined]
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        sys.modules[PACKAGE] = package
    return package


def run_module(name: str, code: str) -> types.ModuleType:
    """Run a cell's code as the module micrograd.<name> (replacing any earlier version of it)."""
    package = _package()
    module = types.ModuleType(f"{PACKAGE}.{name}")
    module.__package__ = PACKAGE
    module.__file__ = f"{PACKAGE}/{name}.py"
    sys.modules[module.__name__] = module
    setattr(package, name, module)
    exec(compile(code, module.__file__, "exec"), module.__dict__)  # the student's own cell, in their own kernel
    return module


def setup() -> None:
    """Register %%micrograd NAME: the cell's code becomes the module micrograd.NAME, and its public
    names are also put in the notebook's namespace, for experimenting."""
    from IPython import get_ipython
    from IPython.core.magic import register_cell_magic

    _package()

    @register_cell_magic
    def micrograd(line: str, cell: str) -> None:
        module = run_module(line.strip(), cell)
        shell = get_ipython()
        if shell is not None:
            shell.user_ns.update({k: v for k, v in vars(module).items() if not k.startswith("_")})


def check(key: str, cases: list[dict[str, Any]]) -> None:
    """Run one check of the catalogue on every case, against the expectation recorded with it.

    Raises AssertionError saying, for every failing case, what was expected and what the code gave."""
    found = CHECKS[key]
    student = Implementation(PACKAGE, Path("."))
    failures = []
    for entry in cases:
        case = Case(key, entry["args"], entry.get("label", ""))
        try:
            observation = PROBES[key](student, case.args)
        except Exception as error:  # noqa: BLE001 - the student's code may raise anything
            outcome = of_error(case, describe_exception(error, None))
        else:
            recorded = entry["expectation"]
            outcome = of_result(case, observation, lambda _case, _observation: recorded)
        if outcome.state != "passed":
            failures.append(failure_text(found.key, case.title, outcome.problems) if outcome.problems else outcome.text)
    if failures:
        raise AssertionError("\n\n".join(failures))
    print(f"{found.key}: all {len(cases)} case(s) pass")
