"""How the kata starts pytest: fast, with the same plugins on every machine, examples seeded per test.

    python -m kata.launch [pytest arguments]     run pytest with them
    python -m kata.launch --wait                 import pytest, Hypothesis and the checks first, then
                                                 read one line from stdin: a JSON list of pytest
                                                 arguments to run (make watch keeps one such process
                                                 ready, so a save gets its verdict without the start-up)

Why not plain `python -m pytest`:
- Plugin autoload is off (PYTEST_DISABLE_PLUGIN_AUTOLOAD), and pytest's own plugins that the
  suites never use are not loaded. A plugin installed elsewhere in the
  environment (pytest-randomly, xdist, anyio, ...) cannot reorder the checks or change their
  examples, and pytest does not spend about a second rewriting the asserts of every Hypothesis
  module (it does that for every autoloaded plugin's package, on every run when bytecode is not
  written). The two plugins the suites need are loaded by name.
- Hypothesis examples are seeded per test (its node id), not per process: a test gets the same
  examples whether it runs alone (make test-step4), with every step (make progress) or in make
  watch, while the example database under .kata/ still replays a failing example first
  (`derandomize`, the other way to fix the examples, switches that database off).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

PLUGINS = ("pytest_timeout", "_hypothesis_pytestplugin")
# pytest's own plugins that the step suites never use: not importing them saves about 15% of a
# run's start-up. unraisableexception also runs gc.collect() twice at the end of every run, over
# every graph the checks built, for warnings no verdict reads. (warnings stays: pyproject's
# filterwarnings needs it; faulthandler stays: it prints where a crash happened.)
UNUSED = (
    "doctest",
    "junitxml",
    "pastebin",
    "unittest",
    "stepwise",
    "setuponly",
    "setupplan",
    "legacypath",
    "unraisableexception",
)


class SeedPerTest:
    """A pytest plugin: every test's Hypothesis examples come from a generator seeded by its node id."""

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        try:
            from hypothesis import core
        except ImportError:
            return
        local = getattr(core, "threadlocal", None)
        if local is not None and hasattr(local, "_hypothesis_global_random"):
            local._hypothesis_global_random = random.Random(f"micrograd-kata/{item.nodeid}")


def arguments(args: list[str]) -> list[str]:
    """pytest's arguments with the kata's plugins loaded by name."""
    loaded = [arg for name in PLUGINS for arg in ("-p", name)]
    unused = [arg for name in UNUSED for arg in ("-p", f"no:{name}")]
    return [*loaded, *unused, *args]


def run(args: list[str]) -> int:
    import pytest

    return int(pytest.main(arguments(args), plugins=[SeedPerTest()]))


WARM = ("hypothesis", "pytest", "kata.catalogue", "kata.harness.probes", "kata.messages", "tests.strategies")


def warm_up() -> None:
    """Import what every run needs, but nothing of the student's code. Hypothesis comes before pytest
    (so pytest's assertion rewriter never sees it); kata.pytest_plugin is left to pytest, which
    rewrites its asserts (and warns about a plugin imported before it could)."""
    for name in WARM:
        importlib.import_module(name)


def main(argv: list[str]) -> int:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if argv[:1] == ["--wait"]:
        warm_up()
        line = sys.stdin.readline()
        try:
            args = json.loads(line)
        except ValueError:
            return 0  # told to stop (or the parent went away)
        if not isinstance(args, list):
            return 0
        return run([str(arg) for arg in args])
    return run(argv)


def leave(code: int) -> None:
    """Exit without the interpreter's teardown: the report is written and the output flushed, and
    freeing every object the checks made, one by one, is time the student waits for nothing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    leave(main(sys.argv[1:]))
