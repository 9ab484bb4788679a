"""The reference solution (solutions/micrograd), imported under a private name, so that it can live
next to a student's `micrograd` in one process."""

from __future__ import annotations

import sys

from kata.harness.observe import Implementation, register_package
from kata.paths import PACKAGE, SOLUTIONS


def reference(package: str = "micrograd_reference") -> Implementation:
    if package not in sys.modules:
        register_package(package, SOLUTIONS / PACKAGE)
    return Implementation(package, SOLUTIONS / PACKAGE)
