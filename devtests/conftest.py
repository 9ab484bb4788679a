"""Fixtures of the repository's own tests. The kata plugin (pyproject addopts) gives `reference`."""
