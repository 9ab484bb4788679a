"""Where things are in a checkout of the kata."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "kata.toml"
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
TESTS = ROOT / "tests"
# the package a student writes, as kata.toml names it (read here, before the manifest, which needs these paths)
PACKAGE: str = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["kata"]["package"]

EXPECTED = TESTS / "expected.json"  # the reference's observations, in a student release (no solutions/)
# kata/'s subpackages that never leave the maintainers' repository: the oracle (every right answer) and
# the maintainers' tools (they need solutions/). The release, the nbgrader course and the sandbox leave them out.
TRUSTED_ONLY = ("oracle", "dev")
IMPLEMENTATIONS = {"exercises": EXERCISES, "solutions": SOLUTIONS}


def has_reference() -> bool:
    """Whether this checkout holds the reference solution (a student release does not)."""
    return (SOLUTIONS / PACKAGE / "engine.py").is_file()


def implementation_dir(name_or_path: str) -> Path:
    """The folder that holds a `micrograd/` package: 'exercises', 'solutions' or a path."""
    if name_or_path in IMPLEMENTATIONS:
        return IMPLEMENTATIONS[name_or_path]
    path = Path(name_or_path).expanduser().resolve()
    if path.name == PACKAGE:
        path = path.parent
    return path
