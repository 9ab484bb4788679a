"""python -m kata: the Python check comes first, in code every Python 3 (and 2) can read.

The commands themselves live in kata/cli.py, which needs Python 3.11 (tomllib, modern typing):
on an older Python it would fail with an import error that says nothing useful.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - this file is what an old Python reads first
    sys.stderr.write(
        "error: the kata needs Python 3.11 or newer; this is Python "
        + sys.version.split()[0]
        + " ("
        + sys.executable
        + ").\n  Install a newer Python (python.org; Debian/Ubuntu/WSL: sudo apt install python3.12; "
        + "macOS: brew install python@3.12),\n  then run the same command with it, e.g.: python3.12 -m kata "
        + (" ".join(sys.argv[1:]) or "progress")
        + "\n"
    )
    sys.exit(2)

from kata.cli import main  # only once the version is known to be right

sys.exit(main())
