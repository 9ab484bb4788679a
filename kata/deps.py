"""Is this Python ready for a command? If not: what is missing, and the one command that fixes it.

`make` installs everything itself (into .venv). These checks are for `python -m kata ...` run by
hand (Windows without WSL, a Python chosen by an editor, a system Python): without them, a missing
pytest-timeout read as "a syntax error in your micrograd files", and a missing pytest as "every step
passes".

    python -m kata setup [--plots]   the fix: a virtual environment in .venv with the pinned tools
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

from kata.paths import ROOT

VENV = ROOT / ".venv"
STUDENT = {"pytest": "pytest", "pytest_timeout": "pytest-timeout", "hypothesis": "hypothesis"}
PLOTS = {"matplotlib": "matplotlib", "graphviz": "graphviz (the Python package)"}
REQUIREMENTS = {"student": "requirements/student.txt", "plots": "requirements/plots.txt"}


def missing(modules: dict[str, str]) -> list[str]:
    """The names (as pip knows them) of the modules this Python cannot import."""
    return [name for module, name in modules.items() if importlib.util.find_spec(module) is None]


def in_virtualenv() -> bool:
    return sys.prefix != sys.base_prefix


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _quote(path: Path | str) -> str:
    return f'"{path}"' if os.name == "nt" and " " in str(path) else shlex.quote(str(path))


def _shown(path: Path) -> Path:
    """A path as the student types it: relative to the repository root when it is inside it."""
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def fix_command(group: str = "student") -> str:
    """The one command that installs what is missing into the environment this command should run in."""
    if in_virtualenv():
        return f"{_quote(sys.executable)} -m pip install -r {REQUIREMENTS[group]}"
    return f"{_quote(sys.executable)} -m kata setup" + (" --plots" if group == "plots" else "")


def problem(group: str = "student", command: str = "") -> str:
    """'' when this Python has the group's packages; else what is missing and how to fix it."""
    absent = missing(STUDENT if group == "student" else PLOTS)
    if not absent:
        return ""
    what = "the checks" if group == "student" else "the pictures"
    lines = [
        f"error: {what} need {', '.join(absent)}, which this Python ({sys.executable}) does not have.",
        f"  Fix it with one command:  {fix_command(group)}",
    ]
    if not in_virtualenv():
        lines.append(
            f"  (it creates .venv/ and installs the pinned versions there; then run: "
            f"{_quote(_shown(venv_python()))} -m kata {command or 'progress'})"
        )
    return "\n".join(lines)


def setup(plots: bool = False, venv: Path = VENV) -> int:
    """Create the virtual environment (if needed) and install the pinned requirements into it."""
    python = venv_python(venv)
    if not python.exists():
        print(f"creating the virtual environment {venv} with Python {sys.version.split()[0]} ...", flush=True)
        done = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
        if done.returncode != 0:
            print(
                "error: could not create a virtual environment. On Debian/Ubuntu/WSL: sudo apt install python3-venv",
                file=sys.stderr,
            )
            return 1
    groups = ["student", "plots"] if plots else ["student"]
    for group in groups:
        print(f"installing {REQUIREMENTS[group]} into {venv} ...", flush=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS[group]],
            cwd=ROOT,
            check=False,
        )
        if done.returncode != 0:
            print(f"error: pip could not install {REQUIREMENTS[group]} (see its message above).", file=sys.stderr)
            return 1
    print(f"ready. Run the kata with that Python:  {_quote(_shown(python))} -m kata test 1")
    return 0
