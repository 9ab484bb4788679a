"""Fixtures of the repository's own tests."""

import pytest

from kata.harness.observe import Implementation


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The repository's own tests run whole batches and suites in subprocesses: they get minutes, not the
    students' per-check budget (pytest-timeout's thread method still ends a real hang)."""
    for item in items:
        item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def reference() -> Implementation:
    """The reference solution, imported under a private name (kata.oracle.reference)."""
    from kata.oracle.reference import reference as load

    return load("micrograd_devtests_reference")
